"""insert_gap's ``at`` is a timeline frame (model/_operation_args.py GapArgs): before 0 is refused
by name, not taken as a shift of the whole track."""

from __future__ import annotations

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def project() -> Project:
    p = Project(id="prj", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v"))
    v.append(Clip(id="clip_a", media=A, source_range=TimeRange.from_frames(0, 20, 25)))
    p.history.clear()
    return p


@pytest.mark.parametrize("at", [-1, -4, -20, -(10**9)])
def test_a_gap_before_the_timeline_start_is_refused(at: int) -> None:
    p = project()
    before = io.dumps(p)
    with pytest.raises(ProjectError, match=r"operation 'insert_gap': at: .*greater than or equal to 0"):
        p.apply({"op": "insert_gap", "track": "trk_v", "at": at, "frames": 3})
    assert io.dumps(p) == before
    assert len(p.history) == 0


@pytest.mark.parametrize(("at", "start"), [(0, 3), (10, 0), (20, 0)])
def test_a_gap_at_or_after_frame_0_still_opens(at: int, start: int) -> None:
    p = project()
    p.apply({"op": "insert_gap", "track": "trk_v", "at": at, "frames": 3})
    assert p.tracks[0].items[0].start.to_frames(25) == start
