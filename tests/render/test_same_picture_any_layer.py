"""A clip is drawn at the same size and place on any layer: the bottom layer (scale and pad) and
the layers above (placed with alpha) fit a picture by one rule (``layers._fitted``). They differed
by a pixel or two, so the paused preview and cluster segments (whose excerpts leave an upper clip
with nothing under it) disagreed with the render."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.media.synth import make_clip
from timeline_lab.model import Crop
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio


def _box(img: np.ndarray) -> tuple[int, int, int, int]:
    seen = img.astype(int).sum(axis=2) > 40
    ys, xs = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


@pytest.mark.parametrize(
    ("canvas", "crop"),
    [
        ((160, 120), Crop(top=1)),
        ((200, 112), Crop()),
        ((190, 120), Crop(left=3, right=4)),
        ((320, 180), Crop()),
    ],
)
def test_an_upper_clip_with_nothing_under_it_is_drawn_as_in_the_render(
    tmp_path: Path, canvas: tuple[int, int], crop: Crop
) -> None:
    lo = make_clip(tmp_path / "lo.mp4", width=160, height=120, rate=25, frames=40, tag=4, audio=False)
    up = make_clip(tmp_path / "up.mp4", width=160, height=120, rate=25, frames=40, tag=5, audio=False)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("geom", width=canvas[0], height=canvas[1], frame_rate=25)
    project.tracks[0].append(studio.clip(lo, 0, 5))  # the lower track ends at frame 5
    v2 = project.add_track("video", "V2")
    v2.overwrite(studio.clip(up, 10, 20), 0)
    v2.update(v2.items[0].id, crop=crop)
    with tempfile.TemporaryDirectory() as d:
        studio.render(project, Path(d) / "f", progress=False, format="png-sequence")
        full = [np.asarray(Image.open(f).convert("RGB")) for f in sorted((Path(d) / "f").glob("frame_*.png"))]
    for k in (2, 10, 15):  # over the lower clip, and with nothing under it
        preview = timeline_frame(project, k, scale=1)
        assert _box(preview) == _box(full[k]), k
    alone = studio.new_project("alone", width=canvas[0], height=canvas[1], frame_rate=25)
    alone.tracks[0].overwrite(v2.items[0].model_copy(), 0)  # the same clip on the bottom layer
    assert _box(timeline_frame(alone, 10, scale=1)) == _box(full[10])
