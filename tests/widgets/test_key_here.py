"""widgets/_key_here.py: keying a property where it is (Alt-click, Shift-K) leaves its curve as it was."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TextClip, TimeRange, Track, io
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.keyframes import EASES, value_at
from timeline_lab.widgets._key_here import split_handles
from timeline_lab.widgets._keyframes import add_keyframe_op

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 4000, 25))
R = Fraction(25)
INTERPS = ["hold", "linear", "ease_in", "ease_out", "ease_in_out", "bezier"]
HANDLES = st.tuples(st.floats(0, 1), st.floats(-1.5, 2.5), st.floats(0, 1), st.floats(-1.5, 2.5))


@st.composite
def curves(draw: st.DrawFn) -> list[tuple[int, float, str, tuple[float, float, float, float] | None]]:
    """Keyframes at increasing clip frames: (frame, value, interp, handles)."""
    frames = sorted(draw(st.sets(st.integers(0, 79), min_size=1, max_size=5)))
    out = []
    for f in frames:
        interp = draw(st.sampled_from(INTERPS))
        handles = draw(HANDLES) if interp == "bezier" else None
        out.append((f, draw(st.floats(0, 1)), interp, handles))
    return out


def _scene(kind: str) -> tuple[Project, Track, str]:
    p = Project(id="prj", name="f", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v1", name="V1"))
    if kind == "title":
        from timeline_lab.model import RationalTime

        v.append(TextClip(id="text_t", text="hi", duration=RationalTime(80, 25)))
        return p, v, "text_t"
    speed = {"clip": 1, "fast": Fraction(3, 2), "ramp": 1, "reversed": Fraction(3, 2)}[kind]
    fx = [{"kind": "reverse"}] if kind == "reversed" else []
    span = TimeRange.from_frames(37, int(80 * speed), 25)
    v.append(Clip(id="clip_a", media=A, source_range=span, speed=speed, effects=fx))
    if kind == "ramp":
        add_keyframe(v, "clip_a", "speed", 0, 0.6, "ease_in_out")
        add_keyframe(v, "clip_a", "speed", 40, 1.7)
    return p, v, "clip_a"


KINDS = ["clip", "fast", "ramp", "reversed", "title"]


@settings(max_examples=150, deadline=None)
@given(curve=curves(), at=st.integers(0, 200), kind=st.sampled_from(KINDS))
def test_keying_here_changes_no_frame(
    curve: list[tuple[int, float, str, tuple[float, float, float, float] | None]], at: int, kind: str
) -> None:
    p, v, cid = _scene(kind)
    n = v.item(cid).frames(R)
    for f, value, interp, handles in curve:
        if f < n:
            add_keyframe(v, cid, "opacity", f, value, interp, handles)  # type: ignore[arg-type]
    at %= n
    before = [value_at(v.item(cid), "opacity", k, R) for k in range(n)]
    saved = io.dumps(p)
    if not 0 <= before[at] <= 1:  # an overshooting bezier: that value is no opacity, refused by name
        with pytest.raises(ProjectError, match="opacity"):
            p.apply(add_keyframe_op(p, cid, "opacity", at))
        assert io.dumps(p) == saved
        return
    try:
        p.apply(add_keyframe_op(p, cid, "opacity", at))
    except ProjectError as exc:  # a segment baked frame by frame where it overshoots: refused by name
        assert not all(0 <= x <= 1 for x in before) and "opacity" in str(exc)
        assert io.dumps(p) == saved
        return
    clip = v.item(cid)
    assert isinstance(clip, (Clip, TextClip))
    after = [value_at(clip, "opacity", k, R) for k in range(n)]
    assert after == pytest.approx(before, abs=1e-9)
    assert any(value_at(clip, "opacity", at, R) == kf.value for kf in clip.keyframes["opacity"])
    assert len(clip.keyframes["opacity"]) > sum(1 for f, *_ in curve if f < n) or any(
        f == at for f, *_ in curve
    )
    p.undo()
    assert io.dumps(p) == saved


@pytest.mark.parametrize("interp", ["hold", "linear", "ease_in", "ease_out", "ease_in_out", "bezier"])
@pytest.mark.parametrize("at", [1, 7, 20, 33, 39])
def test_a_key_in_a_segment_keeps_its_interpolation_or_splits_it_in_two(interp: str, at: int) -> None:
    p, v, cid = _scene("clip")
    handles = (0.2, 0.9, 0.3, 1.0) if interp == "bezier" else None
    add_keyframe(v, cid, "opacity", 0, 0.0, interp, handles)  # type: ignore[arg-type]
    add_keyframe(v, cid, "opacity", 40, 1.0)
    op = add_keyframe_op(p, cid, "opacity", at)
    if interp in ("hold", "linear"):
        assert op["op"] == "add_keyframe" and op["interp"] == interp
    else:  # the segment is cut: both halves bezier, no more keyframes than the one added
        assert op["op"] == "set_keyframes"
        assert [k["interp"] for k in op["keyframes"]] == ["bezier", "bezier", "linear"]


@pytest.mark.parametrize("name", sorted(EASES))
def test_the_named_eases_split_anywhere_into_css_curves(name: str) -> None:
    for k in range(1, 200):
        first, second = split_handles(EASES[name], k / 200)
        assert isinstance(first, tuple) and isinstance(second, tuple)
        assert all(0 <= x <= 1 for x in (first[0], first[2], second[0], second[2]))


def test_a_split_css_cannot_express_is_baked_exact_at_every_frame() -> None:
    handles = (1.0, 0.0, 0.0, 1.0)  # its first half's time handle passes 1 when cut late
    assert None in split_handles(handles, 0.9)
    p, v, cid = _scene("clip")
    add_keyframe(v, cid, "opacity", 0, 0.0, "bezier", handles)
    add_keyframe(v, cid, "opacity", 40, 1.0)
    before = [value_at(v.item(cid), "opacity", k, R) for k in range(80)]
    p.apply(add_keyframe_op(p, cid, "opacity", 36))
    after = [value_at(v.item(cid), "opacity", k, R) for k in range(80)]
    assert after == pytest.approx(before, abs=1e-12)
    assert len(v.item(cid).keyframes["opacity"]) == 41  # each frame of the segment keyed
