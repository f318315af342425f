"""Muting, locking, soloing, renaming or turning a track's level is a field set: it no longer
re-validates every item and transition of the track (1.3-1.6 s at 16,000 clips). A change of kind
or trailing gap, which can break the track, is still checked whole and refused by name."""

from __future__ import annotations

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    TimeRange,
    Transition,
)
from timeline_lab.model.time import RationalTime

MEDIA = MediaReference(path="/m/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def _project(clips: int = 40) -> Project:
    p = Project(settings=ProjectSettings(frame_rate=25))
    v = p.add_track("video", "V1")
    for k in range(clips):
        v.append(Clip(media=MEDIA, source_range=TimeRange.from_frames(10 + k % 5, 8, 25)))
    p.apply({"op": "set_track", "track": v.id, "changes": {"trailing_gap": {"value": 6, "rate": 25}}})
    last = v.items[-1]
    v.add_transition(Transition(from_clip=last.id, to_clip=None, duration=RationalTime(4, 25)))
    return p


@pytest.mark.parametrize(
    "changes",
    [{"muted": True}, {"locked": True}, {"solo": True}, {"name": "Dialogue"}, {"volume": 0.5},
     {"enabled": False}, {"muted": True, "name": "x", "volume": 2.0}],
)  # fmt: skip
def test_a_field_set_checks_nothing_else(monkeypatch: pytest.MonkeyPatch, changes: dict[str, object]) -> None:
    p = _project()
    seen: list[object] = []
    whole = Project._check
    monkeypatch.setattr(Project, "_check", lambda self, *a: seen.append(a) or whole(self, *a))
    p.set_track(p.tracks[0].id, **changes)
    assert seen == []
    assert all(getattr(p.tracks[0], k) == v for k, v in changes.items())
    p.undo()
    assert all(getattr(p.tracks[0], k) != v for k, v in changes.items())


def test_what_can_break_the_track_is_still_checked() -> None:
    p = _project()
    v = p.tracks[0]
    with pytest.raises(ProjectError, match=r"empty track there has 0 frames"):
        p.set_track(v.id, trailing_gap=RationalTime(0, 25))  # the fade to black has nowhere to go
    assert v.trailing_gap == RationalTime(6, 25)
    p.set_track(v.id, trailing_gap=RationalTime(10, 25))
    text = p.add_track("video", "T")
    from timeline_lab.model import TextClip

    text.append(TextClip(text="hi", duration=RationalTime(10, 25)))
    with pytest.raises(ProjectError):
        p.set_track(text.id, kind="audio")  # a title cannot be on a sound track
    assert text.kind == "video"
