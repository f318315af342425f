"""A recorded edit of a nested sequence carries its sequence path (``within``), so its replay edits
that sequence even where a track id repeats at another level or two copies of a sequence share
every track id, and a marker, track or name change of a sequence replays there, not on the outer
project; a record without the path (an older one) still replays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    Marker,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    io,
)
from timeline_lab.model.history import Operation

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def _timeline(pid: str, first: int) -> Project:
    """A project with track 'V1' (every level's track has that id) holding two clips."""
    p = Project(id=pid, name=pid, settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="V1"))
    v.append(Clip(id=f"{pid}_a", media=A, source_range=TimeRange.from_frames(first, 40, 25)))
    v.append(Clip(id=f"{pid}_b", media=A, source_range=TimeRange.from_frames(first + 100, 40, 25)))
    return p


def _document(depth: int, twins: bool) -> list[Project]:
    """The outer project first, then its sequences nested ``depth`` deep (and a twin of the first)."""
    levels = [_timeline(f"lvl{n}", 10 * n) for n in range(depth + 1)]
    for outer, inner in zip(reversed(levels[:-1]), reversed(levels[1:]), strict=True):
        outer.add_sequence(inner)
    if twins:
        twin = Project.model_validate(levels[1].model_dump(mode="json") | {"id": "twin", "name": "twin"})
        levels[0].add_sequence(twin)
        levels.append(twin)
    levels[0].history.clear()
    return levels


EDITS: dict[str, Callable[[Project, int], Any]] = {
    "split": lambda p, f: p.tracks[0].split(f),
    "trim": lambda p, f: p.tracks[0].trim(p.tracks[0].items[-1].id, "out", -f),
    "slip": lambda p, f: p.tracks[0].slip(p.tracks[0].items[0].id, f),
    "lift": lambda p, f: p.tracks[0].lift(p.tracks[0].items[-1].id),
    "marker": lambda p, f: p.add_marker(Marker(name="m", time=RationalTime.from_frames(f, 25))),
    "add_track": lambda p, f: p.add_track("audio", f"A{f}"),
    "set_track": lambda p, f: p.set_track("V1", name=f"pic {f}"),
    "rename": lambda p, f: p.apply({"op": "update_project", "changes": {"name": f"n{f}"}}),
}


@settings(max_examples=60, deadline=None)
@given(
    depth=st.integers(1, 3),
    twins=st.booleans(),
    edits=st.lists(
        st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, 9), st.integers(1, 30)), max_size=6
    ),
)
def test_replay_of_recorded_edits_is_the_live_document(
    depth: int, twins: bool, edits: list[tuple[str, int, int]]
) -> None:
    levels = _document(depth, twins)
    outer = levels[0]
    before = io.dumps(outer)
    seen: list[Operation] = []
    outer.subscribe(lambda op, how: seen.append(op) if how == "do" else None)
    for name, level, frame in edits:
        try:
            EDITS[name](levels[level % len(levels)], frame)
        except (ProjectError, IndexError):  # refused, or no clip left on the track to pick
            continue
    copy = io.loads(before)
    for op in seen:
        copy.apply(op.to_json())
    assert io.dumps(copy) == io.dumps(outer)
    for _ in seen:
        copy.undo()
    assert io.dumps(copy) == before


@pytest.mark.parametrize("level", [1, 2])
def test_a_record_without_its_path_still_replays(level: int) -> None:
    levels = _document(2, False)
    levels[level].tracks[0].id = f"IN{level}"  # an older record names a track only one level has
    outer = levels[0]
    before = io.dumps(outer)
    op = outer.apply({"op": "split", "track": f"IN{level}", "at": 7})
    assert op.to_json()["within"] == [s.id for s in levels[1 : level + 1]]
    copy = io.loads(before)
    copy.apply({"op": "split", "track": f"IN{level}", "at": 7})
    assert io.dumps(copy) == io.dumps(outer)


@pytest.mark.parametrize(
    ("within", "message"),
    [
        (["nope"], "within[0]: project 'lvl0' has no sequence 'nope'"),
        (["lvl1", "nope"], "within[1]: sequence 'lvl1' has no sequence 'nope'"),
        ("lvl1", "within: a list of nested sequence ids"),
        ([1], "within: a list of nested sequence ids"),
    ],
)
def test_a_bad_path_is_refused_by_name(within: object, message: str) -> None:
    outer = _document(2, False)[0]
    with pytest.raises(
        ProjectError, match="operation 'split': " + message.replace("[", r"\[").replace("]", r"\]")
    ):
        outer.apply({"op": "split", "track": "V1", "at": 7, "within": within})


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize(
    "command",
    [
        {"op": "update_project", "changes": {"name": "same"}},
        {"op": "update_settings", "changes": {"background": "#000000"}},
    ],
)
def test_apply_on_a_nested_sequence_returns_an_edit_that_changed_nothing(
    level: int, command: dict[str, Any]
) -> None:
    levels = _document(3, False)
    seq = levels[level]
    seq.apply({"op": "update_project", "changes": {"name": "same"}})
    op = seq.apply(command)  # its steps change nothing: the sequence's own listeners hear nothing
    assert op is levels[0].history.last and op.to_json()["within"] == seq.nesting_path()
