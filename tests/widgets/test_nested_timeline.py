"""A timeline widget on a nested sequence, or on the project showing it: an edit made in either is
the document's one undo step, and both views follow it (the parent's nested clip redrawn)."""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets.view import view_of

from .conftest import record

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def _nested() -> tuple[Project, Project]:
    parent = Project(name="parent", settings=ProjectSettings(frame_rate=25))
    parent.add_track(track=Track(name="V1"))
    inner = Project(name="inner", settings=ProjectSettings(frame_rate=25))
    inner.add_track(track=Track(name="in"))
    for n in range(3):
        inner.tracks[0].append(Clip(media=MEDIA, source_range=TimeRange.from_frames(10 * n, 10, 25)))
    parent.tracks[0].append(parent.sequence_clip(inner, 0, 20))
    parent.history.clear()
    return parent, inner


def _ready(project: Project) -> tuple[TimelineWidget, Any]:
    w = TimelineWidget(project)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    return w, sent


@pytest.mark.parametrize(
    "op",
    [
        {"op": "slip", "delta": 3},
        {"op": "trim", "edge": "out", "delta": -4, "ripple": True},  # 26 frames: still past 20
        {"op": "ripple_delete"},  # 20 frames: exactly what the parent shows
        {"op": "lift"},  # the last clip lifted: 20 frames
    ],
)
def test_an_edit_in_the_sequences_widget_is_the_documents_step(op: dict[str, Any]) -> None:
    parent, inner = _nested()
    outer, _ = _ready(parent)
    w, sent = _ready(inner)
    before = io.dumps(parent)
    track = inner.tracks[0]
    edit = {**op, "track": track.id, "item_id": track.items[2].id}
    w._on_msg(w, {"kind": "edit", "seq": 1, "ops": [edit]}, [])
    assert sent.kinds()[-1] == "ack"
    assert parent.history.last is not None and parent.history.last.op == op["op"]
    outer._send_patch()  # what the coalescer sends soon after
    assert view_of(parent, 0).items == outer._live.view(0).items  # the parent's view followed it
    w._on_msg(w, {"kind": "undo"}, [])  # undone from the sequence's widget: the document's last step
    assert io.dumps(parent) == before
    outer._send_patch()
    assert view_of(parent, 0).items == outer._live.view(0).items


def test_a_refused_edit_names_the_parents_clip_and_changes_nothing() -> None:
    parent, inner = _nested()
    w, sent = _ready(inner)
    before = io.dumps(parent)
    track = inner.tracks[0]
    edit = {"op": "ripple_delete", "track": track.id, "item_id": track.items[0].id}
    w._on_msg(w, {"kind": "edit", "seq": 2, "ops": [edit, {**edit, "item_id": track.items[1].id}]}, [])
    message = str(sent[-1][0])
    assert "would be 10 frames long" in message and "tracks[0] (V1).items[0] 'inner'" in message
    assert io.dumps(parent) == before and not parent.history.can_undo
