"""A sound file's length is the samples its decoder gives: Ogg Opus's granule count includes the
pre-skip the decoder drops (6.5 ms more), and a CAF's ALAC packets count their last frame whole
(FFmpeg's muxer writes no remainder in the packet table): whole-file clips ran past the sound."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

CASES = [
    ("libopus", "ogg", ".opus"),
    ("libopus", "ogg", ".ogg"),
    ("alac", "caf", ".caf"),
    ("pcm_s16le", "caf", ".caf"),
]


def _write(path: Path, codec: str, fmt: str, samples: int, rate: int, channels: int) -> Path:
    layout = "mono" if channels == 1 else "stereo"
    t = np.arange(samples) / rate
    pcm = np.stack([0.3 * np.sin(2 * np.pi * (220 + 110 * c) * t) for c in range(channels)]).astype(
        np.float32
    )
    with av.open(str(path), "w", format=fmt) as out:
        st = out.add_stream(codec, rate=rate, layout=layout)
        fmts = st.codec_context.codec.audio_formats
        want = next((f.name for f in fmts or () if f.name in ("flt", "fltp", "s16", "s16p", "s32p")), "fltp")
        res = av.AudioResampler(format=want, layout=layout, rate=rate)
        for k in range(0, samples, 1000):
            f = av.AudioFrame.from_ndarray(pcm[:, k : k + 1000], format="fltp", layout=layout)
            f.sample_rate, f.pts = rate, k
            for g in res.resample(f):
                out.mux(st.encode(g))
        for g in res.resample(None):
            out.mux(st.encode(g))
        out.mux(st.encode(None))
    return path


def _decoded(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(f.samples for f in c.decode(audio=0))


@pytest.mark.parametrize("samples", [48000, 48007, 100_003, 4096 * 3])
@pytest.mark.parametrize(("codec", "fmt", "ext"), CASES)
@pytest.mark.parametrize("channels", [1, 2])
def test_the_length_is_the_decoded_samples(
    tmp_path: Path, codec: str, fmt: str, ext: str, samples: int, channels: int
) -> None:
    if codec not in av.codecs_available:
        pytest.skip(f"no {codec} encoder in this FFmpeg")
    path = _write(tmp_path / f"s{ext}", codec, fmt, samples, 48000, channels)
    (a,) = probe(path).audio
    assert a.sample_count == _decoded(path)
    if codec.startswith("pcm"):  # (Opus gives whole frames; PyAV leaves ALAC's last part unencoded)
        assert a.sample_count == samples


def test_a_whole_file_clip_ends_with_the_sound(tmp_path: Path) -> None:
    path = _write(tmp_path / "memo.opus", "libopus", "ogg", 48000, 48000, 1)
    studio = Studio(workspace=tmp_path)
    clip = studio.clip(path)
    assert clip.source_range.duration.to_frames(48000) == _decoded(path)


def _cli_alac(path: Path, samples: int) -> Path:
    """ALAC in CAF as the ffmpeg CLI writes it (its packet table has no remainder)."""
    tone = f"sine=frequency=440:sample_rate=48000:duration={samples / 48000 + 1}"
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", tone, "-af", f"atrim=end_sample={samples}"]
    subprocess.run([*cmd, "-c:a", "alac", str(path)], check=True)
    return path


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
@pytest.mark.parametrize("samples", [48000, 48007, 4096 * 3 + 1, 100_003])
def test_alac_as_the_cli_writes_it(tmp_path: Path, samples: int) -> None:
    path = _cli_alac(tmp_path / "a.caf", samples)
    (a,) = probe(path).audio
    assert a.sample_count == samples == _decoded(path)
