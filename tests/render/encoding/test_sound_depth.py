"""Lossless sound exports keep 24 bits: FLAC was written 16-bit (s16) whatever the sources, and a
24-bit WAV (``audio_codec="pcm_s24le"``) was refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab.errors import RenderError
from timeline_lab.studio import Studio

SR = 48000
FFMPEG = shutil.which("ffmpeg")


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray[Any, np.dtype[np.float64]]]:
    """A 24-bit WAV of quiet noise: most of its detail lies below a 16-bit step."""
    rng = np.random.default_rng(24)
    ints = rng.integers(-(2**12), 2**12, size=(SR, 2), dtype=np.int32)  # +-4096 of 2**23: -66 dBFS
    path = tmp_path_factory.mktemp("depth") / "deep.wav"
    with av.open(str(path), "w") as c:
        a = c.add_stream("pcm_s24le", rate=SR, layout="stereo")
        frame = av.AudioFrame.from_ndarray((ints << 8).reshape(1, -1), format="s32", layout="stereo")
        frame.sample_rate, frame.pts = SR, 0
        c.mux(a.encode(frame))
        c.mux(a.encode(None))
    return path, ints.T / 2**23


def _read(path: Path) -> tuple[str, np.ndarray[Any, np.dtype[np.float64]]]:
    """(sample format, samples in [-1, 1]) of the file's sound."""
    with av.open(str(path)) as c:
        frames = list(c.decode(audio=0))
    fmt = frames[0].format.name
    x = np.concatenate([f.to_ndarray().reshape(-1, 2) for f in frames]).T.astype(np.float64)
    return fmt, x / {"s16": 2**15, "s32": 2**31}.get(fmt, 1)


def _project(studio: Studio, src: Path) -> Any:
    project = studio.new_project("deep", width=32, height=32, frame_rate=25)
    project.add_track("audio", "A1").append(studio.clip(src, 0, SR))
    return project


@pytest.mark.parametrize(
    ("name", "settings", "fmt"),
    [("out.flac", {}, "s32"), ("out.wav", {"audio_codec": "pcm_s24le"}, "s32"),
     ("out.wav", {"audio_codec": "pcm_f32le"}, "flt"), ("out.wav", {"format": "audio-wav-float"}, "flt")],
)  # fmt: skip
def test_lossless_exports_keep_24_bits(
    deep: tuple[Path, np.ndarray[Any, np.dtype[np.float64]]],
    tmp_path: Path,
    name: str,
    settings: dict[str, str],
    fmt: str,
) -> None:
    src, want = deep
    studio = Studio(workspace=tmp_path)
    out = studio.render(_project(studio, src), tmp_path / name, progress=False, **settings)
    got_fmt, got = _read(out)
    assert got_fmt == fmt
    n = want.shape[1]
    assert np.abs(got[:, :n] - want).max() <= 2**-24  # a 16-bit output is 2**-16 off


def test_a_16_bit_wav_stays_16_bit(deep: tuple[Path, Any], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    out = studio.render(_project(studio, deep[0]), tmp_path / "x.wav", progress=False)
    assert _read(out)[0] == "s16"


def test_a_codec_wav_cannot_hold_is_refused_by_name(deep: tuple[Path, Any], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    with pytest.raises(RenderError, match=r"audio_codec: .*pcm_s24le"):
        studio.render(_project(studio, deep[0]), tmp_path / "x.wav", progress=False, audio_codec="aac")


@pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI runs the printed command")
@pytest.mark.parametrize("settings", [{}, {"audio_codec": "pcm_s24le"}])
def test_the_printed_command_keeps_24_bits(
    deep: tuple[Path, np.ndarray[Any, np.dtype[np.float64]]], tmp_path: Path, settings: dict[str, str]
) -> None:
    src, want = deep
    studio = Studio(workspace=tmp_path)
    out = tmp_path / ("cli.wav" if settings else "cli.flac")
    subprocess.run(
        studio.plan(_project(studio, src), out, **settings).to_ffmpeg_args(), check=True, capture_output=True
    )
    fmt, got = _read(out)
    assert fmt == "s32"
    assert np.abs(got[:, : want.shape[1]] - want).max() <= 2**-24
