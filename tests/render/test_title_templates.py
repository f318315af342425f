"""Title templates rendered and read back per frame: box edges, fades, the credits roll's lines.

Every position and opacity is the model's (``value_at``) at that frame; the render and the
preview show it on the same frame.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab import titles
from timeline_lab.model import RationalTime, TextClip, TextStyle
from timeline_lab.model.keyframes import value_at
from timeline_lab.render.compile.text import measure_text
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow


def pngs(folder: Path) -> list[np.ndarray]:
    """A lossless render's frames as RGB."""
    out = []
    for f in sorted(folder.iterdir()):
        with Image.open(f) as img:
            out.append(np.asarray(img.convert("RGB")))
    return out


@pytest.mark.parametrize("opacity", [0.5, 0.25, 1.0])
def test_a_lone_title_is_blended_over_the_background(studio: Studio, tmp_path: Path, opacity: float) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    style = TextStyle(font_size=40, box_color="#ffffff", box_padding=4, color="#ffffff")
    title = TextClip(text="II", duration=RationalTime(3, 25), y=0.5, opacity=opacity, style=style)
    project.tracks[0].append(title)  # nothing under it: the black background
    frames = pngs(studio.render(project, tmp_path / "o", progress=False, format="png-sequence"))
    want = 255 * opacity
    for k, f in enumerate(frames):
        assert abs(int(f[60, 80, 1]) - want) <= 2, (k, f[60, 80])
        assert f[2, 2].max() <= 2, "the background around the title stays black"
    assert np.array_equal(timeline_frame(project, 1, scale=1), frames[1])


W, H, RATE = 320, 240, Fraction(25)


def left_edge(frame: np.ndarray, rows: slice, level: int) -> int | None:
    """First column brighter than ``level`` in ``rows`` (None: nothing there)."""
    cols = np.flatnonzero(frame[rows, :, 1].max(axis=0) > level)
    return int(cols[0]) if len(cols) else None


def test_lower_third_bar_slides_and_text_fades_on_every_frame(studio: Studio, tmp_path: Path) -> None:
    project = studio.new_project(width=W, height=H, frame_rate=RATE)
    title = titles.lower_third(
        project,
        "Ada",
        "Analyst",
        duration=30,
        in_frames=6,
        out_frames=5,
        text_fade=4,
        bar_color="#ffffff",
        color="#000000",
    )
    bar, name, role = titles.place(project, title, at=0)
    assert [titles.template_of(c) for c in (bar, name, role)] == ["lower_third"] * 3
    frames = pngs(studio.render(project, tmp_path / "lt", progress=False, format="png-sequence"))
    assert len(frames) == 30
    bw = measure_text(bar.text, bar.style).width
    bh = measure_text(bar.text, bar.style).height
    top = round(bar.y * H - bh / 2)
    rows = slice(top + 1, top + 3)  # the bar's top edge: white (luma: no chroma blur), above the letters
    for k, f in enumerate(frames):
        left = round(bar.x * W - bw / 2) + math.floor((value_at(bar, "x", k, RATE) - bar.x) * W + 0.5)
        want = None if left + bw <= 0 else max(left, 0)
        assert left_edge(f, rows, 128) == want, k
    text = (name.y * H, name.x * W)
    for k in range(6, 25):  # the name's black on the white bar: darkest = (1 - opacity) * 255
        cy, cx = round(text[0]), round(text[1])
        dark = int(frames[k][cy - 6 : cy + 6, cx - 6 : cx + 6, 1].min())
        assert abs(dark - 255 * (1 - value_at(name, "opacity", k, RATE))) <= 6, (k, dark)
    for k in (0, 3, 12, 27):
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k
