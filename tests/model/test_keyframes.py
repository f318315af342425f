"""Keyframes (model/keyframes.py, keyframe_ops.py): exact evaluation, validation, edits, files, OTIO."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    Effect,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    io,
)
from timeline_lab.model.keyframe_ops import add_keyframe, move_keyframe, remove_keyframe, set_keyframe_interp
from timeline_lab.model.keyframes import Keyframe, keyframe_time, sample, value_at

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def kf(frame: int, value: float, interp: str = "linear", **kw: Any) -> Keyframe:
    return Keyframe(time=RationalTime(frame, 25), value=value, interp=interp, **kw)  # type: ignore[arg-type]


def clip(**keyframes: list[Keyframe]) -> Clip:
    return Clip(
        id="clip_k",
        media=A,
        source_range=TimeRange.from_frames(10, 40, 25),
        effects=[Effect(id="fx_b", kind="blur")],
        keyframes={k.replace("__", "."): v for k, v in keyframes.items()},
    )


def project(c: Clip) -> tuple[Project, Track]:
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track(track=Track(id="trk_v1"))
    t.append(Clip(media=A, source_range=TimeRange.from_frames(0, 10, 25)))
    t.append(c)
    p.history.clear()
    return p, t


def test_linear_hold_and_the_ends_are_exact_at_frames() -> None:
    c = clip(opacity=[kf(12, 0.0), kf(22, 1.0, "hold"), kf(30, 0.5)])
    values = [value_at(c, "opacity", f, Fraction(25)) for f in range(0, 25)]
    assert values[:3] == [0.0, 0.0, 0.0]  # before the first keyframe (source 12 = clip frame 2): held
    assert values[2:13] == [k / 10 for k in range(11)]  # exact rationals rounded once
    assert values[12:20] == [1.0] * 8 and values[20:] == [0.5] * 5  # hold, then the last value


def test_eases_are_monotonic_and_hit_both_ends() -> None:
    for interp in ("ease_in", "ease_out", "ease_in_out"):
        c = clip(transform__x=[kf(10, 0.0, interp), kf(20, 100.0)])
        v = [value_at(c, "transform.x", f, Fraction(25)) for f in range(11)]
        assert v[0] == 0.0 and v[10] == 100.0 and v == sorted(v)
    slow = clip(transform__x=[kf(10, 0.0, "ease_in"), kf(20, 100.0)])
    assert value_at(slow, "transform.x", 2, Fraction(25)) < 20  # starts slower than linear
    b = clip(transform__x=[kf(10, 0.0, "bezier", handles=(0.0, 0.0, 1.0, 1.0)), kf(20, 100.0)])
    assert value_at(b, "transform.x", 5, Fraction(25)) == pytest.approx(50, abs=1e-9)  # a straight bezier


def test_frames_map_through_speed_and_other_rates() -> None:
    fast = clip(volume=[kf(10, 1.0), kf(30, 0.0)]).model_copy(update={"speed": Fraction(2)})
    # at 2x, clip frame 5 shows source 10 + 10 = 20: half way
    assert value_at(fast, "volume", 5, Fraction(25)) == 0.5
    ntsc = Fraction(30000, 1001)
    c = clip(volume=[kf(10, 0.0), kf(35, 1.0)])
    exact = (Fraction(7) / ntsc) / (Fraction(25) / 25)  # seconds after the first keyframe / span
    assert value_at(c, "volume", 7, ntsc) == float(exact)


@pytest.mark.parametrize(
    ("keyframes", "error"),
    [
        (
            {"opacity": [kf(12, 1.5)]},
            r"clip 'a.mp4': keyframes 'opacity' \[0\] at 12@25: value 1.5: .*less than or equal to 1",
        ),
        ({"transform.scale_x": [kf(12, 0.0)]}, r"'transform.scale_x' \[0\].*greater than 0"),
        ({"opacity": [kf(12, 0.5), kf(12, 0.2)]}, r"'opacity' \[1\] at 12@25: times must increase"),
        ({"opacity": []}, r"'opacity': empty"),
        ({"transform.bogus": [kf(12, 1)]}, r"unknown keyframable property 'transform.bogus'"),
        ({"effects[3].sigma": [kf(12, 1)]}, r"no effect '3'"),
        ({"effects[fx_b].sigma": [kf(12, 500)]}, r"'effects\[fx_b\].sigma' \[0\].*less than or equal to 100"),
        ({"effects[0].sigma": [kf(12, 5)], "crop.left": [kf(12, 4)]}, None),
    ],
)
def test_validation_names_clip_property_and_keyframe(keyframes: dict[str, Any], error: str | None) -> None:
    data = clip().model_dump() | {"keyframes": keyframes}
    if error is None:
        Clip.model_validate(data)
        return
    with pytest.raises(ValidationError, match=error):
        Clip.model_validate(data)


def test_bezier_needs_handles() -> None:
    with pytest.raises(ValidationError, match="needs handles"):
        kf(10, 1, "bezier")
    with pytest.raises(ValidationError, match=r"within 0\.\.1"):
        kf(10, 1, "bezier", handles=(2.0, 0.0, 0.5, 1.0))


def test_operations_edit_undo_and_redo_one_step_each() -> None:
    p, t = project(clip())
    empty = io.dumps(p)
    add_keyframe(t, "clip_k", "opacity", 0, 0.0)
    add_keyframe(t, "clip_k", "opacity", 10, 1.0, "ease_in_out")
    c = t.item("clip_k")
    assert isinstance(c, Clip)
    assert [k.time for k in c.keyframes["opacity"]] == [RationalTime(10, 25), RationalTime(20, 25)]
    move_keyframe(t, "clip_k", "opacity", 10, 20)
    set_keyframe_interp(t, "clip_k", "opacity", 0, "hold")
    remove_keyframe(t, "clip_k", "opacity", 20)
    c = t.item("clip_k")
    assert isinstance(c, Clip) and c.keyframes["opacity"] == [kf(10, 0.0, "hold")]
    remove_keyframe(t, "clip_k", "opacity", 0)
    assert io.dumps(p) == empty  # the last keyframe gone: the property is constant again
    p.undo()
    one = io.dumps(p)
    for _ in range(5):
        p.undo()
    assert io.dumps(p) == empty and not p.history.can_undo  # six edits, six undo steps
    for _ in range(5):
        p.redo()
    assert io.dumps(p) == one


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda t: add_keyframe(t, "clip_k", "opacity", 40, 0.5),
            r"keyframe frame 40 is outside the clip \(0..39\)",
        ),
        (lambda t: add_keyframe(t, "clip_k", "opacity", 0, 2.0), r"'opacity' \[0\] at 10@25: value 2.0"),
        (lambda t: remove_keyframe(t, "clip_k", "opacity", 3), r"no 'opacity' keyframe at frame 3"),
        (lambda t: add_keyframe(t, "clip_k", "opacity", 0, 0.5, "bezier"), "needs handles"),
    ],
)
def test_refused_edits_change_nothing(call: Any, error: str) -> None:
    p, t = project(clip())
    before = io.dumps(p)
    with pytest.raises(ProjectError, match=error):
        call(t)
    assert io.dumps(p) == before and not p.history.can_undo


def test_keyframes_stay_on_the_content_when_trimmed_slipped_or_split() -> None:
    _p, t = project(clip(opacity=[kf(15, 0.0), kf(25, 1.0)]))
    rate = Fraction(25)
    before = [value_at(t.item("clip_k"), "opacity", f, rate) for f in range(40)]  # type: ignore[arg-type]
    t.trim("clip_k", "in", 3, ripple=False)  # the clip now starts 3 frames later in its content
    c = t.item("clip_k")
    assert [value_at(c, "opacity", f, rate) for f in range(37)] == before[3:]  # type: ignore[arg-type]
    t.split(10 + 3 + 12)  # timeline frame: 12 frames into the trimmed clip
    left, right = t.items[1], t.items[2]
    joined = [value_at(left, "opacity", f, rate) for f in range(12)]  # type: ignore[arg-type]
    joined += [value_at(right, "opacity", f, rate) for f in range(25)]  # type: ignore[arg-type]
    assert joined == before[3:]


def test_saved_files_and_otio_keep_keyframes(tmp_path: Path) -> None:
    from timeline_lab.interchange.otio import from_otio, to_otio

    media = tmp_path / "a.mp4"
    media.write_bytes(b"")
    c = clip(
        opacity=[kf(12, 0.0, "ease_in"), kf(22, 1.0)],
        transform__x=[kf(10, -40.0, "bezier", handles=(0.1, 0.7, 0.3, 1.0)), kf(30, 40.0)],
    ).model_copy(update={"media": A.model_copy(update={"path": str(media)})})
    p = Project(settings=ProjectSettings(frame_rate=25))
    p.add_track(track=Track()).append(c)
    assert io.loads(io.dumps(p)).tracks[0].items[0].keyframes == c.keyframes  # type: ignore[union-attr]
    back = from_otio(to_otio(p)).tracks[0].items[0]
    assert isinstance(back, Clip) and back.keyframes == c.keyframes


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 60),
            st.floats(-500, 500),
            st.sampled_from(["hold", "linear", "ease_in", "ease_out", "ease_in_out"]),
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda x: x[0],
    ),
    st.sampled_from([Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(50)]),
)
def test_curve_passes_through_every_keyframe_on_the_grid(points: list[Any], rate: Fraction) -> None:
    frames = sorted(points)
    c = clip(transform__x=[Keyframe(time=RationalTime(f, 25), value=v, interp=i) for f, v, i in frames])
    c = c.model_copy(update={"source_range": TimeRange.from_frames(0, 80, 25)})
    # a keyframe set at a clip frame lands on that frame at any project rate
    for f, v, _ in frames:
        frame = min(f, c.frames(rate) - 1)
        at = keyframe_time(c, frame, rate)
        moved = c.model_copy(update={"keyframes": {"transform.x": [Keyframe(time=at, value=v)]}})
        assert value_at(moved, "transform.x", frame, rate) == v
    values = [v for v, _ in sample(c, "transform.x", rate, -3, c.frames(rate) + 6)]
    lo, hi = min(v for _, v, _ in frames), max(v for _, v, _ in frames)
    assert all(lo - 1e-9 <= v <= hi + 1e-9 for v in values)  # no overshoot with these eases


def test_titles_keyframe_opacity_and_position_at_clip_relative_times() -> None:
    from timeline_lab.model import TextClip

    p = Project(settings=ProjectSettings(frame_rate=25))
    s = p.add_track(track=Track(kind="video"))
    title = s.append(TextClip(text="hi", start=RationalTime(5, 25), duration=RationalTime(20, 25)))
    add_keyframe(s, title.id, "x", 0, 0.1)
    add_keyframe(s, title.id, "x", 10, 0.9, "ease_out")
    t = s.item(title.id)
    assert isinstance(t, TextClip) and t.keyframes["x"][1].time == RationalTime(10, 25)
    assert value_at(t, "x", 0, Fraction(25)) == pytest.approx(0.1)
    assert value_at(t, "x", 15, Fraction(25)) == 0.9
    with pytest.raises(ProjectError, match=r"'x' \[1\] at 10@25: value 2.5: .*less than or equal to 2"):
        add_keyframe(s, title.id, "x", 10, 2.5)
    with pytest.raises(ProjectError, match="unknown keyframable property 'volume' of a text clip"):
        add_keyframe(s, title.id, "volume", 3, 0.5)
