"""widgets/_live_view.py: a track's entry crosses the comm with its item ids as one splice of the
list the browser holds (a split, insert, undo or mute at thousands of clips re-sent every id)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track
from timeline_lab.widgets._live_view import LiveView
from timeline_lab.widgets.view import view_of

from .test_live_view import patch_doc

A = MediaReference(
    path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 4000, 25), has_audio=True
)


def _project(clips: int) -> Project:
    p = Project(settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="V1"))
    for i in range(clips):
        v.append(Clip(id=f"c{i:05}", media=A, source_range=TimeRange.from_frames(i % 50, 10, 25)))
    p.history.clear()
    return p


NEW = Clip(id="new", media=A, source_range=TimeRange.from_frames(0, 5, 25)).model_dump(mode="json")


def _edits(clips: int) -> list[dict[str, Any]]:
    mid = clips // 2
    return [
        {"op": "split", "track": "V1", "at": 10 * mid + 4},
        {"op": "split", "track": "V1", "at": 3},
        {"op": "lift", "track": "V1", "item_id": f"c{mid:05}"},
        {"op": "ripple_delete", "track": "V1", "item_id": f"c{clips - 1:05}"},
        {"op": "set_track", "track": "V1", "changes": {"muted": True}},
        {"op": "insert", "track": "V1", "at": 10 * mid, "item": NEW},
    ]


@pytest.mark.parametrize("edit", range(6))
@pytest.mark.parametrize("clips", [6, 3000])
def test_a_track_entry_sends_a_splice_of_its_item_ids(edit: int, clips: int) -> None:
    p = _project(clips)
    live = LiveView(p)
    p.subscribe(live.note)
    doc = view_of(p).to_json()
    for rev, action in enumerate(("edit", "undo", "redo"), start=1):
        if action == "edit":
            p.apply(_edits(clips)[edit])
        else:
            getattr(p, action)()
        msg = live.update(rev)
        assert msg is not None and msg["kind"] == "patch"
        for entry in msg["patch"]["tracks"]:
            assert "items" not in entry
        assert len(json.dumps(msg["patch"]["tracks"])) < 500, action
        assert len(json.dumps({**msg["patch"], "moved": []})) < 3_000, action  # (a ripple's moved ids aside)
        patch_doc(doc, copy.deepcopy(msg["patch"]))
        assert doc == view_of(p, rev).to_json(), action
