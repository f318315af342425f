"""A transition must cover at least one frame at the project rate (model/validation.py): shorter ones
are refused naming the transition, in add_transition, update_transition and a rate change."""

from __future__ import annotations

from fractions import Fraction

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    io,
)
from timeline_lab.model.transition import Transition

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def project(rate: int = 25) -> tuple[Project, Track]:
    p = Project(id="prj", settings=ProjectSettings(frame_rate=rate))
    v = p.add_track(track=Track(id="trk_v"))
    v.append(Clip(id="clip_a", media=A, source_range=TimeRange.from_frames(10, 20, 25)))
    v.append(Clip(id="clip_b", media=A, source_range=TimeRange.from_frames(100, 20, 25)))
    return p, v


ONE, FOUR = RationalTime(1, 25), RationalTime(4, 25)
SHORT = [RationalTime(1, 1000), RationalTime(1, 60), RationalTime(Fraction(1, 3), 25)]


@pytest.mark.parametrize("duration", SHORT)
@pytest.mark.parametrize("alignment", ["center", "start", "end"])
def test_adding_a_transition_under_a_frame_is_refused(duration: RationalTime, alignment: str) -> None:
    p, v = project()
    before = io.dumps(p)
    tr = Transition(id="tr_1", from_clip="clip_a", to_clip="clip_b", duration=duration, alignment=alignment)
    with pytest.raises(ProjectError, match=r"'tr_1'.*under one frame at 25 fps"):
        v.add_transition(tr)
    assert io.dumps(p) == before


@pytest.mark.parametrize("duration", SHORT)
def test_updating_a_transition_to_under_a_frame_is_refused(duration: RationalTime) -> None:
    p, v = project()
    v.add_transition(Transition(id="tr_1", from_clip="clip_a", to_clip="clip_b", duration=FOUR))
    before = io.dumps(p)
    with pytest.raises(ProjectError, match=r"'tr_1'.*under one frame"):
        p.apply(
            {
                "op": "update_transition",
                "track": "trk_v",
                "transition_id": "tr_1",
                "changes": {"duration": duration.to_json()},
            }
        )
    assert io.dumps(p) == before


def test_one_frame_still_passes() -> None:
    _, v = project()
    v.add_transition(Transition(id="tr_1", from_clip="clip_a", to_clip="clip_b", duration=ONE))
    assert len(v.transitions) == 1
