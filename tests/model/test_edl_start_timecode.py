"""An EDL's start timecode (the hour its record times count from: an editor's 01:00:00:00) is the
project's start timecode on import, and the export's record times count from the project's start
timecode. Before, the import found the hour and dropped it (export recorded from 00:00:00:00), and
a project kept with 01:00:00:00 from FCP 7 XML or OTIO exported its EDL from 00:00:00:00 too."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange._otio_common import START_TIME
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import RationalTime
from timeline_lab.model.timecode import DROP_FRAME_RATES, format_timecode, timecode_frames
from timeline_lab.studio import Studio

NTSC = Fraction(30000, 1001)
CASES = [  # (rate, drop frame, the hour the record times count from)
    (Fraction(24), False, "01:00:00:00"),
    (Fraction(25), False, "10:00:00:00"),
    (NTSC, True, "01:00:00;00"),
    (NTSC, False, "01:00:00:00"),
    (Fraction(24000, 1001), False, "01:00:00:00"),
    (Fraction(24), False, "00:00:00:00"),
]
_EVENT = re.compile(r"^\d{3}\s+\S+\s+V\s+C\s+\S+ \S+ (\S+) (\S+)$", re.M)


def _edl(path: Path, cam: Path, rate: Fraction, drop: bool, hour: int, lead: int) -> Path:
    """Two 10-frame events of ``cam``, the first ``lead`` frames past ``hour``."""
    tc = lambda n: format_timecode(n, rate, drop)  # noqa: E731
    lines = ["TITLE: tc", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    for k in range(2):
        rec = hour + lead + 10 * k
        lines += [f"{k + 1:03d}  AX       V     C        {tc(2)} {tc(12)} {tc(rec)} {tc(rec + 10)}"]
        lines += [f"* FROM CLIP: {cam.as_uri()}", ""]
    path.write_text("\n".join(lines))
    return path


def _records(edl: Path, rate: Fraction) -> list[tuple[int, int]]:
    return [(timecode_frames(a, rate), timecode_frames(b, rate)) for a, b in _EVENT.findall(edl.read_text())]


@pytest.mark.parametrize(("rate", "drop", "hour_tc"), CASES)
@pytest.mark.parametrize("lead", [0, 5])
def test_the_edls_start_timecode_is_kept_and_written_back(
    cam: Path, tmp_path: Path, rate: Fraction, drop: bool, hour_tc: str, lead: int
) -> None:
    hour = timecode_frames(hour_tc, rate)
    edl = _edl(tmp_path / "in.edl", cam, rate, drop, hour, lead)
    project = read_otio(edl, rate=rate)
    kept = project.metadata.get(START_TIME)
    assert (RationalTime.from_json(kept).to_frames(rate) if kept else 0) == hour
    assert project.tracks[0].items[0].start.to_frames(rate) == lead  # the project itself counts from 0
    out = write_otio(project, tmp_path / "out.edl")
    assert _records(out, rate) == [(hour + lead, hour + lead + 10), (hour + lead + 10, hour + lead + 20)]
    if drop != bool(DROP_FRAME_RATES.get(rate)):
        return  # written in the rate's default count (29.97: drop-frame), where another hour is nearest
    again = read_otio(out, rate=rate)
    assert again.metadata.get(START_TIME) == kept
    assert [i.start for i in again.tracks[0].items] == [i.start for i in project.tracks[0].items]


@pytest.mark.parametrize(("rate", "start"), [(Fraction(24), 86400), (Fraction(25), 90000), (NTSC, 107892)])
def test_a_projects_start_timecode_is_where_its_edl_records_from(
    cam: Path, tmp_path: Path, rate: Fraction, start: int
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("tc", width=64, height=48, frame_rate=rate)
    project.tracks[0].append(studio.clip(cam, 0, 10))
    project.metadata[START_TIME] = RationalTime(start, rate).to_json()
    out = write_otio(project, tmp_path / "out.edl")
    assert _records(out, rate)[0][0] == start
