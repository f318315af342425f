"""Undo by recorded steps (history.py, steps.py, transaction.py), groups, markers and track fields as
operations, the operation registry (operations.py) and the model's bounds (issue 14).

The oracle is the snapshot approach the model used before: ``model_dump`` taken before each step.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from timeline_lab.errors import ProjectError, ProjectFileError
from timeline_lab.model import (
    Clip,
    Marker,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
    Transition,
    io,
)
from timeline_lab.model.operations import REGISTRY, operations_json_schema

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def dump(project: Project) -> dict[str, Any]:
    return project.model_dump(mode="json")


def clip(n: int, src: int = 10, count: int = 20, speed: Fraction = Fraction(1)) -> Clip:
    return Clip(id=f"clip_{n:04d}", media=A, source_range=TimeRange.from_frames(src, count, 25), speed=speed)


def scene(clips: int = 4) -> Project:
    p = Project(id="prj_h", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v1", name="V1"))
    p.add_track(track=Track(id="trk_v2", name="V2"))
    for n in range(clips):
        v.append(clip(n))
    return p


# --- property: random edits, undos and redos agree with snapshots ------------------------------


class UndoRedoSession(RuleBasedStateMachine):
    """Edits (valid or refused), undo and redo in any order; the JSON must match the snapshots."""

    def __init__(self) -> None:
        super().__init__()
        self.project = scene(3)
        self.project.history.clear()
        self.done: list[dict[str, Any]] = [dump(self.project)]  # states the undo stack leads back to
        self.undone: list[dict[str, Any]] = []
        self.n = 100

    def _track(self, t: int) -> Track:
        return self.project.tracks[t % len(self.project.tracks)]

    def _item(self, track: Track, pick: int) -> str:
        return track.items[pick % len(track.items)].id if track.items else "clip_missing"

    def _edit(self, fn: Any) -> None:
        before = dump(self.project)
        try:
            fn()
        except ProjectError:
            assert dump(self.project) == before
            return
        self.done.append(dump(self.project))
        self.undone.clear()

    @rule(t=st.integers(0, 1), speed=st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2)]))
    def append(self, t: int, speed: Fraction) -> None:
        self.n += 1
        c = clip(self.n, speed=speed)
        self._edit(lambda: self._track(t).append(c))

    @rule(t=st.integers(0, 1), at=st.integers(-2, 200), over=st.booleans())
    def insert(self, t: int, at: int, over: bool) -> None:
        self.n += 1
        c = clip(self.n, count=7)
        track = self._track(t)
        self._edit(lambda: (track.overwrite if over else track.insert)(c, at))

    @rule(t=st.integers(0, 1), at=st.integers(0, 200))
    def split(self, t: int, at: int) -> None:
        self._edit(lambda: self._track(t).split(at))

    @rule(t=st.integers(0, 1), i=st.integers(0, 99), edge=st.sampled_from(["in", "out"]),
          d=st.integers(-15, 15), ripple=st.booleans())  # fmt: skip
    def trim(self, t: int, i: int, edge: Any, d: int, ripple: bool) -> None:
        track = self._track(t)
        self._edit(lambda: track.trim(self._item(track, i), edge, d, ripple=ripple))

    @rule(t=st.integers(0, 1), i=st.integers(0, 99), kind=st.sampled_from(["lift", "ripple_delete"]))
    def delete(self, t: int, i: int, kind: str) -> None:
        track = self._track(t)
        self._edit(lambda: getattr(track, kind)(self._item(track, i)))

    @rule(t=st.integers(0, 1), i=st.integers(0, 99), to=st.integers(0, 250), dest=st.integers(0, 1))
    def move(self, t: int, i: int, to: int, dest: int) -> None:
        track = self._track(t)
        self._edit(lambda: track.move(self._item(track, i), to, self._track(dest)))

    @rule(t=st.integers(0, 1), i=st.integers(0, 99), d=st.integers(-6, 6),
          kind=st.sampled_from(["slip", "slide", "roll"]))  # fmt: skip
    def nudge(self, t: int, i: int, d: int, kind: str) -> None:
        track = self._track(t)
        self._edit(lambda: getattr(track, kind)(self._item(track, i), d))

    @rule(t=st.integers(0, 1), i=st.integers(0, 99), frames=st.integers(1, 8), fade=st.booleans())
    def transition(self, t: int, i: int, frames: int, fade: bool) -> None:
        track = self._track(t)
        a = self._item(track, i)
        b = None if fade else self._item(track, i + 1)
        tr = Transition(from_clip=a, to_clip=b, duration=RationalTime(frames, 25), alignment="start")
        self._edit(lambda: track.add_transition(tr))

    @rule(t=st.integers(0, 1), i=st.integers(0, 99), opacity=st.sampled_from([0.0, 0.5]))
    def update(self, t: int, i: int, opacity: float) -> None:
        track = self._track(t)
        self._edit(lambda: track.update(self._item(track, i), opacity=opacity))

    @rule(at=st.integers(0, 300))
    def marker(self, at: int) -> None:
        self._edit(lambda: self.project.add_marker(Marker(time=RationalTime(at, 25))))

    @rule(t=st.integers(0, 1), muted=st.booleans(), name=st.sampled_from(["A", "B"]))
    def track_fields(self, t: int, muted: bool, name: str) -> None:
        self._edit(lambda: self._track(t).configure(muted=muted, name=name))

    @rule(t=st.integers(0, 1), at=st.integers(0, 200))
    def grouped(self, t: int, at: int) -> None:
        def both() -> None:
            with self.project.group("two splits"):
                self._track(t).split(at)
                self._track(t).split(at + 3)

        self._edit(both)

    @rule()
    def undo(self) -> None:
        op = self.project.undo()
        assert (op is None) == (len(self.done) == 1)
        if op is not None:
            self.undone.append(self.done.pop())
        assert dump(self.project) == self.done[-1]

    @rule()
    def redo(self) -> None:
        op = self.project.redo()
        assert (op is None) == (not self.undone)
        if op is not None:
            self.done.append(self.undone.pop())
        assert dump(self.project) == self.done[-1]

    @invariant()
    def valid(self) -> None:
        self.project.validate_timeline()  # the local checks never let a full check fail


UndoRedoSession.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
)
TestUndoRedoAgainstSnapshots = UndoRedoSession.TestCase


# --- groups, markers, track fields ------------------------------------------------------------


def test_group_is_one_undo_step_and_replays() -> None:
    p = scene()
    v1, before = p.tracks[0], dump(p)
    p.begin_group("gesture")
    v1.split(5)
    p.tracks[1].append(clip(90))
    op = p.end_group()
    assert op is not None and op.op == "group" and [c.op for c in op.children] == ["split", "append"]
    after = dump(p)
    assert p.undo() is op and dump(p) == before
    assert p.redo() is op and dump(p) == after
    fresh = Project.model_validate(before)
    fresh.apply(json.loads(json.dumps(op.to_json())))
    assert dump(fresh) == after and len(fresh.history) == 1


def test_group_rolls_back_when_its_block_raises_and_keeps_redo() -> None:
    p = scene()
    p.tracks[0].lift("clip_0003")
    p.undo()
    before, stacks = dump(p), p.history.stacks()
    with pytest.raises(ProjectError, match="nope"), p.group("bad"):
        p.tracks[0].split(5)
        p.tracks[0].lift("nope")
    assert dump(p) == before and p.history.stacks() == stacks
    assert p.redo() is not None


def test_nested_groups_join_the_outermost_and_undo_refuses_inside_one() -> None:
    p = scene()
    with p.group("outer"):
        p.tracks[0].split(5)
        with p.group("inner"):
            p.tracks[0].split(25)
        with pytest.raises(ProjectError, match="group"):
            p.undo()
    assert len(p.history) == 1 + 6  # the scene's edits, then the group
    assert [c.op for c in p.history.last.children] == ["split", "split"]  # type: ignore[union-attr]


def test_marker_add_is_undone_by_undo_not_the_edit_before() -> None:
    p = scene()
    p.tracks[0].split(5)
    with_split = dump(p)
    m = p.add_marker(Marker(time=RationalTime(12, 25), name="m"))
    assert p.history.last is not None and p.history.last.op == "add_marker"
    p.undo()
    assert dump(p) == with_split and p.markers == []
    p.redo()
    assert p.markers == [m]
    p.update_marker(m.id, name="renamed", time=RationalTime(2, 25))
    p.remove_marker(m.id)
    assert p.markers == []
    p.undo()
    p.undo()
    assert p.markers[0].name == "m"


def test_markers_stay_sorted_and_replay() -> None:
    p = scene(1)
    ops = [p.add_marker(Marker(id=f"mk_{t}", time=RationalTime(t, 25))) for t in (30, 10, 20)]
    assert [m.id for m in p.markers] == ["mk_10", "mk_20", "mk_30"] and len(ops) == 3
    fresh = Project(id="prj_h", settings=ProjectSettings(frame_rate=25))
    for op in [o for o in p.history.stacks()[0] if o.op == "add_marker"]:
        fresh.apply(op.to_json())
    assert fresh.markers == p.markers


def test_track_fields_are_operations() -> None:
    p = scene(1)
    v1 = p.tracks[0]
    v1.configure(muted=True, name="Main", locked=True)
    assert (v1.muted, v1.name, v1.locked) == (True, "Main", True)
    with pytest.raises(ProjectError, match="locked"):
        v1.split(5)
    p.undo()
    assert (v1.muted, v1.name, v1.locked) == (False, "V1", False)
    with pytest.raises(ProjectError, match="cannot set items"):
        v1.configure(items=[])
    with pytest.raises(ProjectError, match="audio track"):  # a new kind checks the whole track
        p.apply({"op": "set_track", "track": v1.id, "changes": {"kind": "audio", "volume": 2}})


# --- history bounds -----------------------------------------------------------------------------


def test_history_keeps_the_last_limit_operations() -> None:
    p = scene(0)
    p.history.configure(limit=5)
    for n in range(12):
        p.tracks[0].append(clip(n))
    assert len(p.history) == 5
    while p.undo():
        pass
    assert [i.id for i in p.tracks[0].items] == [f"clip_{n:04d}" for n in range(7)]


def test_history_byte_budget_forgets_oldest_but_keeps_the_last() -> None:
    p = scene(0)
    for n in range(20):
        p.tracks[0].append(clip(n))
    per_op = p.history.last.nbytes()  # type: ignore[union-attr]
    p.history.configure(max_bytes=per_op * 3)
    assert 1 <= len(p.history) <= 3 and p.history.nbytes <= per_op * 3
    p.history.configure(max_bytes=1)
    assert len(p.history) == 1


def test_an_edit_records_what_changed_not_the_track() -> None:
    """History memory follows the size of the change: a trim on 10 or 400 clips costs the same."""
    sizes = []
    for clips in (10, 400):
        p = scene(clips)
        p.tracks[0].trim_out("clip_0005", -2)
        op = p.history.last
        assert op is not None and len(op.steps) == 1
        sizes.append(op.nbytes())
    assert sizes[0] == sizes[1]


# --- the registry -----------------------------------------------------------------------------


def test_every_recorded_operation_validates_against_its_registered_arguments() -> None:
    p = scene()
    v1, v2 = p.tracks
    v1.add_transition(Transition(from_clip="clip_0000", to_clip="clip_0001", duration=RationalTime(4, 25)))
    v1.split(50)
    v1.trim_in("clip_0002", 2, ripple=True)
    v1.move("clip_0003", 10, v2)
    v2.append(TextClip(text="t", duration=RationalTime(10, 25)))
    p.add_marker(Marker(time=RationalTime(5, 25)))
    v2.configure(muted=True)
    for op in p.history.stacks()[0]:
        command = op.to_json()
        REGISTRY[command["op"]].args.model_validate({k: v for k, v in command.items() if k != "op"})


def test_operations_json_schema_has_one_branch_per_operation() -> None:
    schema = operations_json_schema()
    branches = [schema["$defs"][b["$ref"].removeprefix("#/$defs/")] for b in schema["oneOf"]]
    names = [b["properties"]["op"]["const"] for b in branches]
    assert sorted(names) == sorted(REGISTRY)
    trim = schema["$defs"]["TrimOp"]
    assert set(trim["required"]) >= {"op", "track", "item_id", "edge", "delta"}
    json.dumps(schema)


def test_unknown_arguments_are_refused_by_name() -> None:
    p = scene()
    with pytest.raises(ProjectError, match=r"'split'.*bogus"):
        p.apply({"op": "split", "track": "trk_v1", "at": 3, "bogus": 1})


# --- bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "ok"),
    [("1/1001", True), ("1000", True), ("30000/1001", True), ("1/1002", False), ("1001", False),
     ("1000000000/1", False)],
)  # fmt: skip
def test_frame_rate_bounds(rate: str, ok: bool) -> None:
    if ok:
        assert ProjectSettings(frame_rate=rate).frame_rate == Fraction(rate)
        return
    with pytest.raises(pydantic.ValidationError, match=r"(?s)frame_rate.*between 1/1001 and 1000 fps"):
        ProjectSettings(frame_rate=rate)


def test_a_file_with_an_absurd_rate_names_the_field() -> None:
    text = json.dumps({"schema": io.SCHEMA, "settings": {"frame_rate": "1000000000/1"}})
    with pytest.raises(ProjectFileError, match=r"settings\.frame_rate: must be between 1/1001 and 1000 fps"):
        io.loads(text)


def test_durations_are_bounded_to_a_day() -> None:
    day = 24 * 3600 * 25
    with pytest.raises(pydantic.ValidationError, match=r"(?s)duration.*at most 24 h"):
        TextClip(text="x", duration=RationalTime(day + 1, 25))
    with pytest.raises(pydantic.ValidationError, match=r"(?s)start.*at most 24 h"):
        TextClip(text="x", duration=RationalTime(1, 25), start=RationalTime(day + 1, 25))
    p = scene(0)
    with pytest.raises(ProjectError, match="past the 24 h limit"):
        p.tracks[0].insert(TextClip(text="x", duration=RationalTime(50, 25)), day - 10)
    p.tracks[0].insert(TextClip(text="x", duration=RationalTime(10, 25)), day - 10)  # ends at 24 h: fine


def test_lookups_survive_items_replaced_by_hand() -> None:
    """Code that rewrites ``track.items`` in place (render's excerpt does) still finds items by id."""
    p = scene(3)
    v1 = p.tracks[0]
    v1.id_map()
    v1.items[:] = [
        i.model_copy(update={"start": RationalTime(i.start.to_frames(25) + 5, 25)}) for i in v1.items
    ]
    assert v1.item("clip_0001").start == RationalTime(25, 25)
    assert v1.find("clip_0002") is v1.items[2] and v1.find("nope") is None
    v1.split(30)
    assert [i.id for i in v1.items][:2] == ["clip_0000", "clip_0001"]
