"""FCP 7 XML cannot place a transition's cut off its middle (``<alignment>`` is start, center or
end): an asymmetric dissolve is written centred, so its cut moves. Said once, naming the
transition and by how many frames, which is where a reader puts the cut. Before: silent."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import RationalTime, Transition
from timeline_lab.studio import Studio


@pytest.mark.parametrize(("before", "after"), [(2, 4), (4, 2), (1, 6), (3, 3), (0, 6), (6, 0), (2, 3)])
def test_an_off_centre_cut_is_said_with_where_it_goes(
    cam: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, before: int, after: int
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("asym", width=64, height=48, frame_rate=24)
    v = project.tracks[0]
    x = v.append(studio.clip(cam, 10, 16))
    y = v.append(studio.clip(cam, 20, 16))
    cut = RationalTime(before + after, 24)
    v.add_transition(
        Transition(from_clip=x.id, to_clip=y.id, duration=cut, in_offset=RationalTime(before, 24))
    )
    with caplog.at_level(logging.WARNING):
        out = write_otio(project, tmp_path / "cut.xml")
    moved = read_otio(out).tracks[0].items[1].start.to_frames(24) - 16
    said = [r.getMessage() for r in caplog.records if "places a transition's cut" in r.getMessage()]
    if before and after and (before + after) // 2 != before:  # (2, 3): its middle is its cut
        assert len(said) == 1 and f"({before} before the cut, {after} after: cut {moved:+d})" in said[0]
        assert moved != 0
    else:
        assert said == [] and moved == 0
