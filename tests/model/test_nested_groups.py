"""Nested ``project.group()``s (model/history.py): a refusal caught inside an inner group reverts only
what that inner group applied; the outer groups keep their edits and still record one undo step."""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def project() -> Project:
    p = Project(id="prj", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v"))
    v.append(Clip(id="clip_v", media=A, source_range=TimeRange.from_frames(0, 60, 25)))
    p.history.clear()
    return p


def trim(level: int) -> dict[str, Any]:
    return {"op": "trim", "track": "trk_v", "item_id": "clip_v", "edge": "out", "delta": -(level + 1)}


REFUSED = {"op": "split", "track": "trk_v", "at": 5000}


def nest(p: Project, level: int, depth: int, catch: int, kept: list[dict[str, Any]]) -> None:
    """Groups ``0..depth`` each trimming the clip; the innermost is refused, caught at ``catch``
    (which then trims once more); ``kept`` gathers the edits that should survive."""
    with p.group(f"g{level}"):
        p.apply(trim(level))
        kept.append(trim(level))
        if level == depth:
            p.apply(REFUSED)
        elif level == catch:
            mark = len(kept)
            with pytest.raises(ProjectError, match="split refused"):
                nest(p, level + 1, depth, catch, kept)
            del kept[mark:]
            p.apply(trim(10))
            kept.append(trim(10))
        else:
            nest(p, level + 1, depth, catch, kept)


@pytest.mark.parametrize(
    ("depth", "catch"), [(d, c) for d in range(1, 5) for c in range(d)] + [(2, -1), (3, -1)]
)
def test_a_caught_refusal_reverts_only_the_inner_groups(depth: int, catch: int) -> None:
    """The state equals the surviving edits applied plainly; undo and redo move it as one step."""
    p, reference = project(), project()
    before = io.dumps(p)
    kept: list[dict[str, Any]] = []
    if catch < 0:  # nobody catches: every group unwinds, nothing is recorded
        with pytest.raises(ProjectError, match="split refused"):
            nest(p, 0, depth, catch, kept)
        kept.clear()
    else:
        nest(p, 0, depth, catch, kept)
    for command in kept:
        reference.apply(command)
    after = io.dumps(p)
    assert after == io.dumps(reference)
    assert not p.history.grouping
    assert len(p.history) == (1 if kept else 0)
    if kept:
        p.undo()
        assert io.dumps(p) == before
        p.redo()
        assert io.dumps(p) == after
        p.undo()  # and a fresh edit still records normally afterwards
        p.apply(trim(0))
        assert len(p.history) == 1


def test_end_group_without_begin_is_still_refused() -> None:
    """The stack of groups stays balanced: one end too many is an error, not a silent no-op."""
    p = project()
    p.begin_group("a")
    p.begin_group("b")
    assert p.end_group() is None
    assert p.end_group() is None  # empty
    with pytest.raises(RuntimeError, match="end_group without begin_group"):
        p.end_group()
