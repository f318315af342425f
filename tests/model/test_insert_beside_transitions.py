"""An insert that would part a transition's clips (at its cut or inside it) is refused saying where
it can go and leaves the project as it was (it said "'A' and 'B' are not adjacent"); an insert at the
frame it names, or anywhere outside the transition, goes in."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
    io,
)

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 2000, 25))


def _scene(length: int, alignment: str) -> tuple[Project, Track]:
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track(track=Track(id="trk_v"))
    a = t.append(Clip(name="A", media=MEDIA, source_range=TimeRange.from_frames(100, 30, 25)))
    b = t.append(Clip(name="B", media=MEDIA, source_range=TimeRange.from_frames(300, 30, 25)))
    t.add_transition(
        Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(length, 25), alignment=alignment)  # type: ignore[arg-type]
    )
    p.history.clear()
    return p, t


@settings(max_examples=60, deadline=None)
@example(length=6, alignment="start", at=30)
@example(length=6, alignment="end", at=30)
@example(length=6, alignment="center", at=27)
@given(
    length=st.integers(1, 12), alignment=st.sampled_from(["center", "start", "end"]), at=st.integers(0, 60)
)
def test_an_insert_never_parts_a_transition(length: int, alignment: str, at: int) -> None:
    p, t = _scene(length, alignment)
    before = {"center": length // 2, "start": 0, "end": length}[alignment]  # frames of it before the cut
    first, end = 30 - before, 30 + length - before  # (an oracle written apart from the model)
    saved = io.dumps(p)
    new = Clip(name="N", media=MEDIA, source_range=TimeRange.from_frames(500, 5, 25))
    if first < at < end or at == 30:
        with pytest.raises(ProjectError, match="would cut into the dissolve of 'A' and 'B'") as info:
            t.insert(new, at)
        assert io.dumps(p) == saved and not p.history.can_undo
        there = int(re.search(r"; insert at frame (\d+)", str(info.value)).group(1))  # type: ignore[union-attr]
        # before the transition, or before its from-clip when the transition starts at the cut
        assert there == (first if first < at and first != 30 else 0)
        at = there
    t.insert(new, at)  # where it was allowed, or where the refusal said
    assert t.item(new.id).start.to_frames(25) == at and len(t.transitions) == 1
