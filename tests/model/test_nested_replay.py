"""Edits made inside a nested sequence are recorded in the outer project's history by their track's
id (model/operations.py finds it through ``all_tracks``), so they replay on a copy of the outer one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io
from timeline_lab.model.history import Operation

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def nested(depth: int) -> tuple[Project, Track]:
    """An outer project showing a sequence nested ``depth`` deep; the innermost sequence's track."""
    inner = Project(id=f"prj_{depth}", settings=ProjectSettings(frame_rate=25))
    track = inner.add_track(track=Track(id=f"trk_{depth}"))
    track.append(Clip(id="clip_i", media=A, source_range=TimeRange.from_frames(0, 50, 25)))
    track.append(Clip(id="clip_j", media=A, source_range=TimeRange.from_frames(100, 30, 25)))
    for level in range(depth - 1, -1, -1):
        outer = Project(id=f"prj_{level}", settings=ProjectSettings(frame_rate=25))
        v = outer.add_track(track=Track(id=f"trk_{level}"))
        v.append(outer.sequence_clip(inner, 0, 20))
        inner = outer
    inner.history.clear()
    return inner, track


EDITS: dict[str, Callable[[Track], Any]] = {
    "split": lambda t: t.split(10),
    "trim": lambda t: t.trim("clip_j", "out", -5),
    "slip": lambda t: t.slip("clip_j", 3),
    "update": lambda t: t.update("clip_i", opacity=0.5, effects=[{"kind": "blur", "params": {"sigma": 2}}]),
    "move": lambda t: t.move("clip_j", 90),
}


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_nested_edits_replay_on_a_copy_of_the_outer_project(depth: int, edit: str) -> None:
    outer, track = nested(depth)
    before = io.dumps(outer)
    seen: list[Operation] = []
    outer.subscribe(lambda op, how: seen.append(op) if how == "do" else None)
    EDITS[edit](track)
    assert len(outer.history) == 1 and seen
    after = io.dumps(outer)
    copy = io.loads(before)
    for op in seen:
        copy.apply(op.to_json())
    assert io.dumps(copy) == after
    copy.undo()
    assert io.dumps(copy) == before
