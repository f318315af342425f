"""A credits roll moves exactly ``speed`` pixels a frame (the README's rule: line n's top on frame
k is ``height + n * pitch - speed * k``), in the render and the paused preview alike: its
half-pixel positions sat on the rounding edge, and the text jittered by a pixel."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab import titles
from timeline_lab.render import ExportSettings, compile_plan, execute
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

CREDITS = ["Cast", ("Analyst", "Ada Lovelace"), ("Engineer", "Grace Hopper"), "Crew", ("Boss", "Alan Turing")]


def _top(img: np.ndarray) -> int | None:
    grey = np.asarray(Image.fromarray(img.astype(np.uint8)).convert("L")).astype(int)
    rows = np.flatnonzero(grey.max(axis=1) > 128)
    return int(rows[0]) if len(rows) else None


@pytest.mark.parametrize(("rate", "speed"), [("29.97", 4), ("25", 2), ("24", 3)])
def test_the_roll_moves_speed_pixels_a_frame(tmp_path: Path, rate: str, speed: int) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("roll", width=160, height=120, frame_rate=rate)
    titles.place(project, titles.credits_roll(project, CREDITS, speed=speed), at=0)
    with tempfile.TemporaryDirectory() as d:
        execute(compile_plan(project, ExportSettings(path=Path(d) / "f", format="png-sequence")))
        full = [np.asarray(Image.open(f).convert("RGB")) for f in sorted((Path(d) / "f").glob("frame_*.png"))]
    first = next(k for k in range(len(full)) if _top(full[k]) not in (None, 0))
    start = _top(full[first])
    assert start is not None
    line_one = start + speed * first  # where the first line's top row would be at frame 0
    shown = [k for k in range(first, len(full)) if line_one - speed * k > 0]  # it is on screen
    assert len(shown) > 10
    assert [_top(full[k]) for k in shown] == [line_one - speed * k for k in shown]
    for k in shown[::5]:
        assert _top(timeline_frame(project, k, scale=1)) == line_one - speed * k, k
