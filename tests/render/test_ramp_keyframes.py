"""Keyframes on a speed-ramped clip sit at source times, and source time is not linear in timeline
frames on a ramp: the render joined a linear segment's frames into one straight line in frame
numbers, putting a keyframed PiP up to 30 px from where the model (``value_at``) and the preview
put it. Every frame of a linear segment is now its own piece on a ramp."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.keyframes import sample, value_at
from timeline_lab.model.properties import Transform
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

BG = np.array([127, 63, 0])
RAMPS = [
    ((0.5, "linear"), (3.0, "linear")),
    ((2.5, "ease_in_out"), (0.5, "linear")),
    ((0.75, "linear"), (1.5, "hold")),
]


def _centre_x(img: np.ndarray) -> float:
    m = np.abs(img.astype(int) - BG).max(axis=2) > 50
    xs = np.nonzero(m.any(axis=0))[0]
    return (xs.min() + xs.max() + 1) / 2 - img.shape[1] / 2


@pytest.mark.parametrize("ramp", RAMPS, ids=["speeding up", "eased slowing", "linear then held"])
def test_a_keyframed_pip_on_a_ramp_is_where_the_model_says(tmp_path: Path, ramp: tuple) -> None:
    src = make_clip(tmp_path / "c.mp4", width=160, height=120, rate=30, frames=300, audio=False)
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("ramp", width=320, height=120, frame_rate=25)
    p.settings.background = "#7f3f00"
    v = p.tracks[0]
    c = v.append(
        studio.clip(src, 10, 120).model_copy(update={"transform": Transform(scale_x=0.25, scale_y=0.25)})
    )
    (a, ia), (b, ib) = ramp
    add_keyframe(v, c.id, "speed", 0, a, ia)
    add_keyframe(v, c.id, "speed", 20, b, ib)
    n = v.item(c.id).frames(p.settings.frame_rate)
    add_keyframe(v, c.id, "transform.x", 0, -140, "linear")
    add_keyframe(v, c.id, "transform.x", n // 2, 60, "linear")
    add_keyframe(v, c.id, "transform.x", n - 1, 140, "hold")
    c = v.item(c.id)
    out = studio.render(p, tmp_path / "o.mp4", progress=False, crf=0)
    with av.open(str(out)) as f:
        frames = [fr.to_ndarray(format="rgb24") for fr in f.decode(video=0)]
    assert len(frames) == n
    rate = p.settings.frame_rate
    for k in range(n):
        assert abs(_centre_x(frames[k]) - value_at(c, "transform.x", k, rate)) <= 1.0, k
    for k in (3, n // 3, n - 2):  # the preview agrees
        assert (
            abs(_centre_x(np.asarray(timeline_frame(p, k, scale=1))) - value_at(c, "transform.x", k, rate))
            <= 1.0
        )


def test_no_run_of_ramped_frames_is_joined_where_the_value_changes(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=200, audio=False)
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("ramp", width=64, height=48, frame_rate=25)
    v = p.tracks[0]
    c = v.append(studio.clip(src, 0, 100))
    add_keyframe(v, c.id, "speed", 0, 0.5, "linear")
    add_keyframe(v, c.id, "speed", 30, 2.0, "linear")
    add_keyframe(v, c.id, "volume", 0, 0.0, "linear")
    add_keyframe(v, c.id, "volume", 40, 1.0, "hold")
    c = v.item(c.id)
    got = sample(c, "volume", Fraction(25), 0, 60)
    changing = [key for (val, key), (nxt, _) in itertools.pairwise(got) if val != nxt]
    assert changing and all(key is None for key in changing)
