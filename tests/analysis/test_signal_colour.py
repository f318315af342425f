"""The colour signal reads each frame's YUV as a player shows it: the matrix the file's tags
name, else the size's guess (BT.709 for HD), in its range; RGB video as RGB."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.colour_patches import FFMPEG, SOURCES
from timeline_lab.analysis import signals

COLOURS = ((255, 96, 0), (30, 180, 60), (40, 60, 210))
"""Saturated colours: BT.601 and BT.709 read the same YUV of them 10-40 levels apart."""
TOLERANCE = 3.0  # x264 at crf 10 and one conversion; a solid picture has no chroma edges


def _solid(d: Path, name: str, rgb: tuple[int, int, int]) -> Path:
    """Four frames of one colour, written as ``SOURCES[name]`` writes its kind of video."""
    assert FFMPEG is not None, "needs the ffmpeg CLI (make test installs it)"
    (w, h), vf, options, suffix = SOURCES[name]
    path = d / f"{name}{suffix}"
    colour = "0x{:02X}{:02X}{:02X}".format(*rgb)
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c={colour}:s={w}x{h}:r=25",
           "-frames:v", "4", "-vf", vf, *options.split(), str(path)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return path


@pytest.mark.parametrize("rgb", COLOURS)
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_colour_means_are_the_shown_colours(tmp_path: Path, name: str, rgb: tuple[int, int, int]) -> None:
    table = signals(_solid(tmp_path, name, rgb), "colour")
    got = np.array(table.select("r_mean", "g_mean", "b_mean").mean().row(0))
    assert np.abs(got - np.array(rgb)).max() < TOLERANCE, (name, got)
