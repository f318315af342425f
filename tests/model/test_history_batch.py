"""Project.apply_all: a batch of operations applies whole or not at all, history included."""

from __future__ import annotations

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, Project, RationalTime, TimeRange
from timeline_lab.model.media_ref import MediaReference


def project_with_clips() -> Project:
    whole = TimeRange(RationalTime(0, 25), RationalTime(250, 25))
    ref = MediaReference(path="/m.mp4", rate=25, available_range=whole)
    p = Project()
    t = p.add_track("video", "V1")
    for _ in range(3):
        t.append(Clip(media=ref, source_range=TimeRange(RationalTime(0, 25), RationalTime(20, 25))))
    return p


def test_a_refused_batch_leaves_nothing_to_redo() -> None:
    p = project_with_clips()
    t = p.tracks[0]
    p.undo()  # something the user could redo before the batch
    before = p.model_dump(mode="json")
    stacks = p.history.stacks()
    bad = [
        {"op": "split", "track": t.id, "at": 10},
        {"op": "move", "track": t.id, "item_id": "nope", "to": 0},
    ]
    with pytest.raises(ProjectError, match="nope"):
        p.apply_all(bad)
    assert p.model_dump(mode="json") == before
    assert p.history.stacks() == stacks  # the earlier redo is still there, the split is not
    p.redo()
    assert len(t.items) == 3


def test_a_good_batch_records_each_operation() -> None:
    p = project_with_clips()
    t = p.tracks[0]
    done = p.apply_all([{"op": "split", "track": t.id, "at": 10}, {"op": "split", "track": t.id, "at": 30}])
    assert [o.op for o in done] == ["split", "split"] and len(t.items) == 5
