"""A track trimmed shorter than its clips, in a stack (or timeline) whose range spans all the clips:
it shows only its trimmed range, then nothing (it showed its clips past its end)."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.interchange.otio import from_otio
from timeline_lab.model.items import Clip

from ._otio_parts import ORT, OTR, otio_clip


@pytest.mark.parametrize(("lengths", "trim"), [((1, 2), 1), ((2, 3), 2), ((3, 3), 4), ((1, 1, 4), 3)])
def test_the_track_shows_its_trimmed_range_only(cam: Path, lengths: tuple[int, ...], trim: int) -> None:
    total = sum(lengths)
    tl = otio.schema.Timeline(name="t", global_start_time=ORT(0, 24))
    track = otio.schema.Track()
    for n in lengths:
        track.append(otio_clip(cam.as_uri(), 0, n))
    track.source_range = OTR(ORT(0, 24), ORT(trim, 24))
    tl.tracks.append(track)
    tl.tracks.source_range = OTR(ORT(0, 24), ORT(total, 24))  # the stack spans all the clips
    project = from_otio(tl)
    clips = [i for i in project.tracks[0].items if isinstance(i, Clip)]
    shown = sum(c.frames(project.settings.frame_rate) for c in clips)
    assert shown == trim
    assert project.duration().to_frames(24) == total  # the rest of the stack's range: nothing
