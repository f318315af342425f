"""True 25i test media (each frame two moments of a 50p clip with its frame numbers) and a reader of
the moments each field of a frame shows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip, read_frame_index

FFMPEG = shutil.which("ffmpeg")
_WEAVE = {"tff": "tinterlace=interleave_top,setfield=tff", "bff": "tinterlace=interleave_bottom,setfield=bff"}
_X264 = {"tff": "tff=1", "bff": "bff=1"}


def make_interlaced(folder: Path, size: tuple[int, int] = (192, 144), frames: int = 72) -> dict[str, Path]:
    """25i H.264 clips, top and bottom field first, woven from ``m50.mov``: the first field shown of
    frame k is 50p frame 2k, the other 2k+1, as a 1080i50 camera records them."""
    if FFMPEG is None:
        pytest.skip("needs the ffmpeg CLI (make test installs it)")
    master = make_clip(folder / "m50.mov", width=size[0], height=size[1], rate=50, frames=frames, audio=False)
    out = {}
    for order in ("tff", "bff"):
        path = folder / f"i25_{order}.mp4"
        cmd = [FFMPEG, "-v", "error", "-y", "-i", str(master), "-vf", _WEAVE[order], "-c:v", "libx264"]
        cmd += ["-crf", "10", "-flags", "+ildct+ilme", "-x264opts", _X264[order], "-r", "25", str(path)]
        subprocess.run(cmd, check=True, timeout=60)
        out[order] = path
    return out


def moments(frame: np.ndarray[Any, Any]) -> tuple[int, int]:
    """The frame numbers the top and the bottom field show (each line doubled to a whole picture)."""
    top, bottom = np.repeat(frame[0::2], 2, 0), np.repeat(frame[1::2], 2, 0)
    return read_frame_index(top)[0], read_frame_index(bottom)[0]


def decoded_moments(path: Path) -> list[tuple[int, int]]:
    """``moments`` of every frame of ``path``."""
    with av.open(str(path)) as c:
        return [moments(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
