"""widgets/_live_view.py: a marker added, changed or removed crosses the comm as one splice of the
markers' list, not the whole list (at thousands of markers a rename sent them all)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from timeline_lab.model import Marker, Project, ProjectSettings, RationalTime, Track
from timeline_lab.widgets._live_view import LiveView
from timeline_lab.widgets.view import view_of

from .test_live_view import patch_doc


def _project(markers: int) -> Project:
    p = Project(settings=ProjectSettings(frame_rate=25))
    p.add_track(track=Track(id="V1"))
    for k in range(markers):
        p.add_marker(Marker(id=f"mk{k}", time=RationalTime(3 * k, 25), name=f"m{k}"))
    p.history.clear()
    return p


def _ops(markers: int) -> list[list[dict[str, Any]]]:
    mid = f"mk{markers // 2}"
    return [
        [{"op": "add_marker", "marker": {"id": "new", "time": {"value": 7, "rate": 25}, "name": "new"}}],
        [{"op": "update_marker", "marker_id": mid, "changes": {"name": "renamed"}}],
        [{"op": "update_marker", "marker_id": mid, "changes": {"time": {"value": 1, "rate": 25}}}],
        [{"op": "remove_marker", "marker_id": mid}],
        [
            {"op": "remove_marker", "marker_id": "mk0"},
            {"op": "add_marker", "marker": {"id": "x", "time": {"value": 2, "rate": 25}}},
        ],
    ]


@pytest.mark.parametrize("edit", range(5))
@pytest.mark.parametrize("markers", [3, 2000])
def test_a_marker_edit_sends_a_splice_not_the_list(edit: int, markers: int) -> None:
    p = _project(markers)
    live = LiveView(p)
    p.subscribe(live.note)
    doc = view_of(p).to_json()
    for rev, action in enumerate(("edit", "undo", "redo"), start=1):
        if action == "edit":
            p.apply_all(_ops(markers)[edit], name="marker edit")
        else:
            getattr(p, action)()
        msg = live.update(rev)
        assert msg is not None and msg["kind"] == "patch"
        assert msg["patch"]["markers"] is None
        assert len(json.dumps(msg)) < 1_500, action
        patch_doc(doc, copy.deepcopy(msg["patch"]))
        assert doc == view_of(p, rev).to_json(), action
