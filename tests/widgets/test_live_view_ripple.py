"""widgets/_live_view.py: a ripple moves the views of the items after the edit, recomputing none of
them, and names them in the patch's compact ``moved`` groups (what the browser's patchDoc applies)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
)
from timeline_lab.widgets import _live_view
from timeline_lab.widgets._live_view import LiveView
from timeline_lab.widgets.view import view_of

from .test_live_view import patch_doc

A = MediaReference(
    path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 4000, 25), has_audio=True
)


def _project(clips: int) -> tuple[Project, Track]:
    p = Project(settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="V1"))
    for i in range(clips):
        v.append(Clip(id=f"c{i}", media=A, source_range=TimeRange.from_frames(100 + i % 50, 20, 25)))
    v.add_transition(Transition(from_clip="c5", to_clip="c6", duration=RationalTime(4, 25)))
    p.add_track(track=Track(id="V2")).append(
        Clip(id="other", media=A, source_range=TimeRange.from_frames(0, 9, 25))
    )
    p.history.clear()
    return p, v


EDITS: list[dict[str, Any]] = [
    {"op": "trim", "item_id": "c1", "edge": "out", "delta": -3, "ripple": True},
    {"op": "trim", "item_id": "c1", "edge": "out", "delta": 4, "ripple": True},
    {"op": "trim", "item_id": "c2", "edge": "in", "delta": 2, "ripple": True},
    {"op": "ripple_delete", "item_id": "c3"},
    {"op": "insert_gap", "at": 45, "frames": 7},
]


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("clips", [40, 400])
def test_a_ripple_recomputes_no_moved_view_and_sends_them_as_moved(
    edit: dict[str, Any], clips: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    p, _ = _project(clips)
    live = LiveView(p)
    p.subscribe(live.note)
    doc = view_of(p).to_json()
    calls = 0
    real = _live_view.item_view

    def counted(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args)

    monkeypatch.setattr(_live_view, "item_view", counted)
    for rev, action in enumerate(("apply", "undo", "redo"), start=1):
        if action == "apply":
            p.apply({**edit, "track": "V1"})
        else:
            getattr(p, action)()
        calls = 0
        msg = live.update(rev)
        assert msg is not None and msg["kind"] == "patch"
        patch = msg["patch"]
        assert calls <= 3, (action, calls)  # the edited clip (and a split's half), not the ones after it
        assert len(patch["items"]) <= 3
        assert sum(len(ids) for _, ids in patch["moved"]) >= clips - 8
        patch_doc(doc, copy.deepcopy(patch))
        assert doc == view_of(p, rev).to_json()
