"""A timeline's start timecode (OTIO's global_start_time, an editor's 01:00:00:00) survives an import
and is written back, exactly, at the rates editors use (29.97 drop-frame too)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import RationalTime
from timeline_lab.studio import Studio

from ._otio_parts import ORT, otio_clip

# (rate as OTIO writes it, the start timecode)
STARTS = [
    (24.0, "01:00:00:00"),
    (25.0, "10:00:00:00"),
    (30000 / 1001, "01:00:00;00"),  # drop frame
    (30000 / 1001, "00:59:59;29"),
    (24000 / 1001, "00:00:10:05"),
    (50.0, "23:59:59:49"),
    (60000 / 1001, "01:00:00;02"),
]


def _timeline(cam: Path, rate: float, timecode: str) -> otio.schema.Timeline:
    start = otio.opentime.from_timecode(timecode, rate)
    tl = otio.schema.Timeline(name="tc", global_start_time=start)
    track = otio.schema.Track(kind="Video")
    tl.tracks.append(track)
    track.append(otio_clip(cam.as_uri(), 2, 10))
    return tl


@pytest.mark.parametrize(("rate", "timecode"), STARTS)
def test_the_start_timecode_round_trips(cam: Path, tmp_path: Path, rate: float, timecode: str) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, rate, timecode), str(src))
    project = read_otio(src)
    assert project.tracks[0].items[0].start == RationalTime(0, project.settings.frame_rate)  # ours from 0
    out = write_otio(project, tmp_path / "out.otio")
    back = otio.adapters.read_from_file(str(out)).global_start_time
    assert back.to_timecode(rate) == timecode
    assert back.value == otio.opentime.from_timecode(timecode, rate).value
    again = read_otio(out)  # our own file: kept again, and again written back
    written = write_otio(again, tmp_path / "again.otio")
    assert otio.adapters.read_from_file(str(written)).global_start_time.to_timecode(rate) == timecode


def test_kept_through_a_project_file(cam: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, 25.0, "01:00:00:00"), str(src))
    studio = Studio(workspace=tmp_path)
    studio.save(studio.open(src), tmp_path / "p.tlproj")
    out = studio.save(studio.open(tmp_path / "p.tlproj"), tmp_path / "out.otio")
    assert otio.adapters.read_from_file(str(out)).global_start_time.to_timecode() == "01:00:00:00"


def test_a_timeline_from_zero_stays_at_zero(cam: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.otio"
    tl = _timeline(cam, 24.0, "00:00:00:00")
    otio.adapters.write_to_file(tl, str(src))
    project = read_otio(src)
    assert "otio_start_time" not in project.metadata
    back = otio.adapters.read_from_file(str(write_otio(project, tmp_path / "o.otio"))).global_start_time
    assert back == ORT(0, 24)


@pytest.mark.parametrize("bad", ["01:00:00:00", {"value": 1.5, "rate": 24}, {"value": 1, "rate": 0}, [1]])
def test_a_damaged_kept_start_is_named(cam: Path, tmp_path: Path, bad: object) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, 24.0, "01:00:00:00"), str(src))
    project = read_otio(src)
    project.metadata["otio_start_time"] = bad
    with pytest.raises(ProjectError, match=r"metadata\.otio_start_time"):
        write_otio(project, tmp_path / "o.otio")


def test_a_start_between_frames_of_the_project_rate_is_kept_exact(cam: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.otio"
    tl = _timeline(cam, 24.0, "00:00:00:00")
    tl.global_start_time = ORT(3600 * 48000 + 1, 48000)  # a sound editor's sample clock
    otio.adapters.write_to_file(tl, str(src))
    project = read_otio(src, rate=Fraction(24))
    back = otio.adapters.read_from_file(str(write_otio(project, tmp_path / "o.otio"))).global_start_time
    assert Fraction(back.value) * 48000 / Fraction(back.rate) == pytest.approx(3600 * 48000 + 1)
