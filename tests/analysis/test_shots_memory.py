"""shot_boundaries keeps what its docstring states per frame: its uint8 samples and float32 block
means (about 5 x width**2 bytes for 16:9), not a list of frames, a stacked copy and a float copy
of every plane (about 20 x width**2)."""

from __future__ import annotations

import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from timeline_lab.analysis import shot_boundaries

FFMPEG = shutil.which("ffmpeg")


def _peak(tmp_path: Path, size: str, frames: int, width: int) -> int:
    """Peak bytes traced while finding the shots of ``frames`` frames of a ``size`` test pattern."""
    assert FFMPEG is not None, "needs the ffmpeg CLI (make test installs it)"
    path = tmp_path / f"{frames}.mp4"
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:r=25",
           "-frames:v", str(frames), "-c:v", "libx264", "-preset", "ultrafast", str(path)]  # fmt: skip
    subprocess.run(cmd, check=True)
    shot_boundaries(path, width=width)  # (the probe's and the decoder's caches are not per frame)
    tracemalloc.start()
    try:
        shot_boundaries(path, width=width)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("size", "width"), [("320x180", 64), ("256x256", 64), ("640x360", 96), ("480x270", 48)]
)
def test_memory_per_frame_is_as_stated(tmp_path: Path, size: str, width: int) -> None:
    per_frame = (_peak(tmp_path, size, 900, width) - _peak(tmp_path, size, 300, width)) / 600
    w, h = map(int, size.split("x"))
    stated = 5 * width * width * (h / w) / (9 / 16)  # 16:9's, for this shape
    assert per_frame < 1.25 * stated, (per_frame, stated)
