"""model/editing.py: what slip, move and update keep (a ramp's length, transitions, a ramp replaced)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
    io,
)
from timeline_lab.model.keyframe_ops import add_keyframe

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 2000, 25))
R = Fraction(25)

RAMPS = [
    [(0, 0.7, "linear"), (30, 2.3, "ease_in_out"), (50, 1.3, "linear")],
    [(0, 2.0, "hold"), (20, 0.5, "hold")],
    [(0, 0.3, "ease_in"), (40, 3.0, "linear")],
]


def _scene(ramp: list[tuple[int, float, str]]) -> tuple[Project, Track]:
    p = Project(id="prj", name="f", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v1", name="V1"))
    v.append(Clip(id="clip_a", media=A, source_range=TimeRange.from_frames(0, 30, 25)))
    v.append(Clip(id="clip_r", media=A, source_range=TimeRange.from_frames(100, 120, 25)))
    for frame, value, interp in ramp:
        add_keyframe(v, "clip_r", "speed", frame, value, interp)  # type: ignore[arg-type]
    end = v.item("clip_r").start.to_frames(R) + v.item("clip_r").frames(R)
    v.append(Clip(id="clip_c", media=A, source_range=TimeRange.from_frames(500, 30, 25)))
    assert v.item("clip_c").start.to_frames(R) == end
    return p, v


@pytest.mark.parametrize("ramp", RAMPS)
@pytest.mark.parametrize("delta", [-7, -3, -1, 1, 2, 3, 5, 8, 13])
def test_slip_keeps_a_ramped_clips_length_and_starts_the_walk_at_the_new_in_point(
    ramp: list[tuple[int, float, str]], delta: int
) -> None:
    p, v = _scene(ramp)
    old = v.item("clip_r")
    assert isinstance(old, Clip)
    n = old.frames(R)
    new_in = old.source_range.start + old.source_offset(delta, R)
    before = io.dumps(p)
    v.slip("clip_r", delta)
    new = v.item("clip_r")
    assert isinstance(new, Clip)
    assert new.frames(R) == n
    assert new.source_range.start == new_in
    assert new.start == old.start and new.keyframes == old.keyframes
    assert v.item("clip_c").start.to_frames(R) == old.start.to_frames(R) + n  # no gap, no overlap
    p.undo()
    assert io.dumps(p) == before


def _pair(fades: bool) -> tuple[Project, Track]:
    p = Project(id="prj", name="f", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v1", name="V1"))
    v.append(Clip(id="clip_a", media=A, source_range=TimeRange.from_frames(100, 50, 25)))
    v.append(Clip(id="clip_b", media=A, source_range=TimeRange.from_frames(300, 50, 25)))
    v.move("clip_b", 70)
    v.move("clip_a", 20)
    v.add_transition(
        Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(10, 25))
    )
    if fades:
        v.add_transition(Transition(id="tr_in", to_clip="clip_a", duration=RationalTime(6, 25)))
        v.add_transition(
            Transition(id="tr_out", from_clip="clip_b", duration=RationalTime(6, 25), alignment="end")
        )
    return p, v


@pytest.mark.parametrize("to", [10, 14, 16, 19, 21])
def test_moving_one_clip_keeps_its_fade_and_drops_the_dissolve_it_left(to: int) -> None:
    _, v = _pair(fades=True)
    v.move("clip_b", 75)  # a gap opens after clip_a: the dissolve no longer fits; the fade out does
    assert sorted(t.id for t in v.transitions) == ["tr_in", "tr_out"]
    v.move("clip_a", to)  # its fade in still fits (14 frames of empty track or more before it)
    assert sorted(t.id for t in v.transitions) == ["tr_in", "tr_out"]


def test_moving_a_clip_to_another_track_takes_no_transition() -> None:
    p, v = _pair(fades=True)
    v2 = p.add_track(track=Track(id="trk_v2", name="V2"))
    v.move("clip_b", 200, v2)
    assert [t.id for t in v.transitions] == ["tr_in"] and v2.transitions == []


def test_a_fade_that_no_longer_fits_is_dropped_not_refused() -> None:
    _, v = _pair(fades=True)
    v.move("clip_a", 2)  # 2 frames of empty track before it: the 6-frame fade in (3 before) cannot stay
    assert "tr_in" not in {t.id for t in v.transitions}


@pytest.mark.parametrize("ramp", RAMPS)
@pytest.mark.parametrize("speed", ["2/1", "1/2", "3/2", "1"])
def test_constant_speed_on_a_ramp_replaces_the_ramp_in_one_undo_step(
    ramp: list[tuple[int, float, str]], speed: str
) -> None:
    p, v = _scene(ramp)
    v.move("clip_c", 2000)  # room for a slower clip
    add_keyframe(v, "clip_r", "opacity", 0, 0.5)
    before = io.dumps(p)
    p.apply({"op": "update", "track": "trk_v1", "item_id": "clip_r", "changes": {"speed": speed}})
    c = v.item("clip_r")
    assert isinstance(c, Clip)
    assert "speed" not in c.keyframes and "opacity" in c.keyframes  # only the ramp goes
    assert c.speed == Fraction(speed)
    assert c.frames(R) == round(120 / Fraction(speed))
    p.undo()
    assert io.dumps(p) == before


def test_constant_speed_on_a_ramp_is_refused_when_it_runs_into_the_next_clip() -> None:
    p, _ = _scene(RAMPS[0])
    before = io.dumps(p)
    with pytest.raises(ProjectError):
        p.apply({"op": "update", "track": "trk_v1", "item_id": "clip_r", "changes": {"speed": "1/2"}})
    assert io.dumps(p) == before
