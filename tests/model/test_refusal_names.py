"""Refusals of item edits name the item (kind, label, id) and the track (model/editing.py, track.py)."""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
)

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 200, 25))


def build() -> tuple[Project, Track, Track, Clip, TextClip]:
    """A clip on V1 and a title on V2."""
    p = Project(settings=ProjectSettings(frame_rate=25))
    v1, v2 = p.add_track(track=Track(name="V1")), p.add_track(track=Track(name="V2"))
    c = v1.append(Clip(id="clip_a", media=A, source_range=TimeRange.from_frames(0, 20, 25)))
    t = v2.append(TextClip(id="text_t", text="Title", duration=RationalTime(10, 25)))
    assert isinstance(c, Clip) and isinstance(t, TextClip)
    return p, v1, v2, c, t


@pytest.mark.parametrize(
    ("track", "item", "op", "expected"),
    [
        (1, "text_t", {"op": "update", "changes": {"speed": 2}},
         ("update refused: text 'Title' (text_t) on tracks[1] (V2): speed:", "Extra inputs")),
        (0, "clip_a", {"op": "update", "changes": {"opacity": 3}},
         ("update refused: clip 'a.mp4' (clip_a) on tracks[0] (V1): opacity:", "less than or equal to 1")),
        (0, "clip_a", {"op": "update", "changes": {"volume": -1}},
         ("clip 'a.mp4' (clip_a) on tracks[0] (V1): volume:",)),
        (1, "text_t", {"op": "update", "changes": {"x": 5}},
         ("text 'Title' (text_t) on tracks[1] (V2): x:",)),
        (1, "clip_a", {"op": "trim", "edge": "in", "delta": 2},
         ("trim refused: tracks[1] (V2): no item with id 'clip_a'",)),
        (0, "text_t", {"op": "lift"}, ("tracks[0] (V1): no item with id 'text_t'",)),
    ],
)  # fmt: skip
def test_refusal_names_item_and_track(
    track: int, item: str, op: dict[str, Any], expected: tuple[str, ...]
) -> None:
    """The message says which item on which track; the project is left as it was."""
    p, *_ = build()
    before = p.model_dump()
    with pytest.raises(ProjectError) as info:
        p.apply({**op, "track": p.tracks[track].id, "item_id": item})
    for part in expected:
        assert part in str(info.value)
    assert p.model_dump() == before
