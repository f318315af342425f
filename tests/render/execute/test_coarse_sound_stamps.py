"""Sound from a container that keeps times in whole milliseconds plays on its own samples.

Matroska/WebM stamp a 4608-sample FLAC frame at 44.1 kHz (104.49 ms) as 104 ms; trusted, that put
the clip's sound 22 samples early with silence before the next cut. The frames run on by their
sample count while the stamp is that count rounded (a seek's first frame: by the whole stream's
count), on the full render, a range render and the printed ffmpeg command alike.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from tests.render.conftest import decode_audio
from timeline_lab.media.sound_starts import counted
from timeline_lab.media.synth import make_clip
from timeline_lab.render import ExportSettings, compile_plan
from timeline_lab.studio import Studio

RATE = 25
FRAMES = 75

# (container, codec, sample rate, samples a frame): none of these frames lasts whole milliseconds
SOURCES = [
    (".mkv", "flac", 44100, 4608),
    (".mkv", "flac", 48000, 1000),
    (".mkv", "flac", 22050, 4608),
    (".mkv", "pcm_s16le", 44100, 1470 - 7),
    (".mkv", "vorbis", 44100, 0),
    (".webm", "vorbis", 22050, 0),
    (".webm", "libopus", 48000, 960),  # the decoder cuts its pre-skip again after a seek
]


def _tone(sr: int, n: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """A sweep: every sample differs from its neighbours, so a shift of one shows."""
    t = np.arange(n) / sr
    return (0.4 * np.sin(2 * np.pi * (200 + 400 * t) * t)).astype(np.float32)


def _source(folder: Path, ext: str, codec: str, sr: int, size: int) -> Path:
    """A picture stream copied from a synthetic clip and sound stamped by its sample count."""
    pictures = make_clip(folder / f"v{ext}", width=48, height=32, rate=RATE, frames=FRAMES, audio=False)
    path = folder / f"{codec}_{sr}_{size}{ext}"
    sound = _tone(sr, FRAMES * sr // RATE)
    with av.open(str(pictures)) as src, av.open(str(path), "w") as out:
        vin = src.streams.video[0]
        vout = out.add_stream_from_template(vin)
        aout = out.add_stream(codec, rate=sr, layout="stereo")
        aout.codec_context.options = {"strict": "experimental"}  # FFmpeg's own Vorbis encoder
        packets = [p for p in src.demux(vin) if p.size]
        sent = 0
        chunk = size or 1024
        for p in packets:
            p.stream = vout
            out.mux(p)
            t = (p.pts + 1) * vin.time_base  # sound up to the end of this picture, interleaved
            while sent < min(len(sound), round(t * sr)):
                piece = sound[sent : sent + chunk]
                both = np.repeat(piece, 2)[None, :]  # the project's stereo: no mixdown
                frame = av.AudioFrame.from_ndarray(both, format="flt", layout="stereo")
                frame.sample_rate, frame.pts, frame.time_base = sr, sent, Fraction(1, sr)
                out.mux(aout.encode(frame))
                sent += len(piece)
        out.mux(aout.encode(None))
    return path


def _samples(path: Path) -> np.ndarray[Any, np.dtype[np.float32]]:
    return decode_audio(path)[0][0]


@pytest.mark.parametrize(("ext", "codec", "sr", "size"), SOURCES)
def test_clip_sound_is_its_source_samples(tmp_path: Path, ext: str, codec: str, sr: int, size: int) -> None:
    source = _source(tmp_path, ext, codec, sr, size)
    whole = _samples(source)  # decoded from the start, end to end: the stream's own samples
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=48, height=32, frame_rate=RATE, sample_rate=sr)
    starts = [5, 13, 31, 44]  # keyframes every 12 frames: all but the first read from a seek
    for first in starts:
        project.tracks[0].append(studio.clip(source, first, 7))
    wav: dict[str, Any] = {"format": "audio-wav-float", "progress": False, "cluster": False}
    got = _samples(studio.render(project, tmp_path / "eng.wav", **wav))
    plan = compile_plan(project, ExportSettings(path=tmp_path / "cli.wav", overwrite=True))
    subprocess.run(plan.to_ffmpeg_args(), capture_output=True, check=True)
    cli = _samples(tmp_path / "cli.wav")
    piece = 7 * sr // RATE
    for n, first in enumerate(starts):
        want = whole[first * sr // RATE :][:piece]
        at = slice(n * piece, (n + 1) * piece)
        np.testing.assert_allclose(got[at], want, atol=1e-4, err_msg=f"engine, clip from frame {first}")
        np.testing.assert_allclose(cli[at], want, atol=1e-4, err_msg=f"ffmpeg CLI, clip from frame {first}")
    # a range render (previews, cluster segments) reads the same samples after its own seek
    part = studio.render(project, tmp_path / "part.wav", frames=(9, 25), **wav)
    np.testing.assert_allclose(_samples(part), got[9 * sr // RATE : 25 * sr // RATE], atol=1e-4)


@pytest.mark.parametrize(
    ("pts", "running", "expected"),
    [
        (104, 4608, 4608),  # 104.49 ms kept as 104: the count holds
        (105, 4608, 4608),  # within half a tick more
        (106, 4608, 4652),  # a tick off: onto the first sample that rounds to the stamp
        (107, 4608, None),  # further: a hole, the stamp holds
        (0, 0, 0),
        (209, 9216, 9216),  # 208.98 ms rounded up
        (104, 4500, None),  # an overlap of more than a tick
        (104, 4570, 4570),
    ],
)
def test_counted_holds_the_count_within_a_tick(pts: int, running: int, expected: int | None) -> None:
    assert counted(pts, Fraction(1, 1000), 44100, running) == expected


def test_a_tick_finer_than_a_sample_keeps_the_stamp() -> None:
    assert counted(4586, Fraction(1, 90000), 44100, 4608) is None
