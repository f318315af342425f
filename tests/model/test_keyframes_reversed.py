"""model/keyframes.py on a clip that plays backwards: a keyframe's interpolation shapes the frames
after it on the timeline, as on a forward clip, so the widget's diamonds and the render agree."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track
from timeline_lab.model.keyframes import sample, value_at
from timeline_lab.widgets._keyframes import keyframe_views

A = MediaReference(
    path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25), has_audio=True
)
R = Fraction(25)
INTERPS = ["hold", "linear", "ease_in", "ease_out", "ease_in_out", "bezier"]
NAMED = st.sampled_from(INTERPS[:-1])  # bezier needs handles
HANDLES = st.tuples(st.floats(0, 1), st.floats(-0.5, 1.5), st.floats(0, 1), st.floats(-0.5, 1.5))


@st.composite
def gestures(draw: st.DrawFn) -> list[dict[str, Any]]:
    """What the widget sends: keyframes added at clip frames, then some interpolations set."""
    frames = sorted(draw(st.sets(st.integers(0, 39), min_size=1, max_size=5)))
    ops: list[dict[str, Any]] = [
        {"op": "add_keyframe", "frame": f, "value": draw(st.floats(0, 1)), "interp": draw(NAMED)}
        for f in frames
    ]
    for f in draw(st.lists(st.sampled_from(frames), max_size=3)):
        interp = draw(st.sampled_from(INTERPS))
        handles = list(draw(HANDLES)) if interp == "bezier" else None
        ops.append({"op": "set_keyframe_interp", "frame": f, "interp": interp, "handles": handles})
    return ops


def _clip(ops: list[dict[str, Any]], prop: str, speed: Fraction, reverse: bool) -> Clip:
    p = Project(settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="V1"))
    fx = [{"kind": "reverse"}] if reverse else []
    span = TimeRange.from_frames(17, int(40 * speed), 25)
    v.append(Clip(id="c", media=A, source_range=span, speed=speed, effects=fx))
    for op in ops:
        p.apply({**op, "track": "V1", "item_id": "c", "property": prop})
    clip = v.item("c")
    assert isinstance(clip, Clip)
    return clip


@settings(max_examples=120, deadline=None)
@given(
    ops=gestures(),
    prop=st.sampled_from(["opacity", "volume", "transform.x"]),
    speed=st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(3, 2)]),
)
def test_a_reversed_clip_plays_the_curve_its_gestures_drew(
    ops: list[dict[str, Any]], prop: str, speed: Fraction
) -> None:
    forward, backward = _clip(ops, prop, speed, False), _clip(ops, prop, speed, True)
    n = forward.frames(R)
    played = [value_at(backward, prop, f, R) for f in range(n)]
    assert played == [value_at(forward, prop, f, R) for f in range(n)]
    assert keyframe_views(backward, R) == keyframe_views(forward, R)  # the diamonds and their interps
    # a run of frames the render joins into one line is one line on both
    keys_f = [k for _, k in sample(forward, prop, R, 0, n)]
    keys_b = [k for _, k in sample(backward, prop, R, 0, n)]
    assert [k is None for k in keys_b] == [k is None for k in keys_f]
    assert [a == b for a, b in pairwise(keys_b)] == [a == b for a, b in pairwise(keys_f)]


def test_hold_on_a_reversed_clip_holds_until_the_next_diamond() -> None:
    ops = [
        {"op": "add_keyframe", "frame": 2, "value": 0.0},
        {"op": "add_keyframe", "frame": 12, "value": 1.0},
        {"op": "set_keyframe_interp", "frame": 2, "interp": "hold"},
    ]
    clip = _clip(ops, "opacity", Fraction(1), True)
    assert [value_at(clip, "opacity", f, R) for f in range(16)] == [0.0] * 12 + [1.0] * 4
    assert keyframe_views(clip, R)["opacity"][0] == [2, 0.0, "hold"]
