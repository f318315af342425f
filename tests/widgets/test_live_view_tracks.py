"""widgets/_live_view.py: adding or removing a track patches that track alone (its entry, its items
and transitions, the new order), recomputing no other track's item views."""

from __future__ import annotations

import copy
import json
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


def _project(per_track: int) -> Project:
    p = Project(settings=ProjectSettings(frame_rate=25))
    for t in range(3):
        v = p.add_track(track=Track(id=f"V{t}"))
        for i in range(per_track):
            v.append(Clip(id=f"c{t}_{i}", media=A, source_range=TimeRange.from_frames(i % 50, 10, 25)))
        v.add_transition(Transition(from_clip=f"c{t}_0", to_clip=f"c{t}_1", duration=RationalTime(2, 25)))
    p.history.clear()
    return p


def _edit(p: Project, what: str) -> None:
    if what == "add_track":
        p.apply({"op": "add_track", "kind": "audio", "name": "new"})
        return
    if what == "add_track_with_clips":
        with p.group("add a track and fill it"):
            p.apply({"op": "add_track", "name": "filled"})
            t = p.tracks[-1]
            for i in range(3):
                t.append(Clip(id=f"n{i}", media=A, source_range=TimeRange.from_frames(0, 5, 25)))
        return
    track = {"remove_first": 0, "remove_middle": 1, "remove_last": 2}[what]
    p.apply({"op": "remove_track", "track_id": p.tracks[track].id})


@pytest.mark.parametrize(
    "what", ["add_track", "add_track_with_clips", "remove_first", "remove_middle", "remove_last"]
)
@pytest.mark.parametrize("per_track", [5, 300])
def test_a_track_added_or_removed_patches_that_track_alone(
    what: str, per_track: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _project(per_track)
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
    monkeypatch.setattr(_live_view, "view_of", None)  # the whole path is not taken
    for rev, action in enumerate(("edit", "undo", "redo", "undo"), start=1):
        calls = 0
        if action == "edit":
            _edit(p, what)
        else:
            getattr(p, action)()
        sent = {t["id"] for t in doc["tracks"]}
        most = sum(len(t.items) for t in p.tracks if t.id not in sent)  # the clips of tracks put back
        msg = live.update(rev)
        assert msg is not None and msg["kind"] == "patch"
        patch = msg["patch"]
        assert calls == most, (action, calls)
        if not most:
            assert len(json.dumps(patch)) < 1_000 + 20 * per_track, action  # (a removed track's ids)
        patch_doc(doc, copy.deepcopy(patch))
        assert doc == view_of(p, rev).to_json(), action
