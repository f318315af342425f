"""Title templates rendered and read back per frame: box edges, fades, the credits roll's lines.

Every position and opacity is the model's (``value_at``) at that frame; the render and the
preview show it on the same frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.model import RationalTime, TextClip, TextStyle
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
