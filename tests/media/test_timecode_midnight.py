"""A source timecode past midnight names the frame after the file's time-of-day start."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.media.clips import clip_of, timecode_frame
from timeline_lab.media.reference import reference_for
from timeline_lab.media.synth import _render

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes the timecode track")

CASES = [  # (rate, start timecode, a timecode past midnight, the frame it names)
    ("24000/1001", "23:59:59:20", "00:00:00:02", 6),
    ("25", "23:59:59:24", "00:00:00:00", 1),
    ("30000/1001", "23:59:59;25", "00:00:00;03", 8),
    ("24000/1001", "23:59:59:20", "23:59:59:22", 2),  # before midnight, unchanged
]


def _clip(path: Path, rate: str, start: str, frames: int = 20) -> Path:
    assert FFMPEG is not None
    raw = b"".join(_render(i, 3, 64, 48).tobytes() for i in range(frames))
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "64x48"]
    cmd += ["-framerate", rate, "-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast"]
    subprocess.run([*cmd, "-timecode", start, str(path)], input=raw, check=True)
    return path


@pytest.mark.parametrize(("rate", "start", "at", "frame"), CASES)
def test_timecode_past_midnight(tmp_path: Path, rate: str, start: str, at: str, frame: int) -> None:
    ref = reference_for(_clip(tmp_path / "tod.mov", rate, start))
    assert ref.rate == Fraction(rate)
    assert timecode_frame(ref, at) == frame
    clip = clip_of(ref, at, 3)
    assert clip.source_range.start.to_frames(ref.rate) == frame


def test_timecode_past_the_end_after_midnight_is_refused(tmp_path: Path) -> None:
    ref = reference_for(_clip(tmp_path / "tod.mov", "25", "23:59:59:20"))
    with pytest.raises(ProjectError, match="not within its 20 frames"):
        clip_of(ref, "00:00:01:00", 3)
