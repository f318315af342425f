"""``render --range`` in timecode counts from the timeline's start timecode (an imported sequence's
01:00:00:00), as the editor shows it; frame numbers still count from 0, and a refused timecode says
where timecodes count from. Before, 01:00:00:02-01:00:00:08 was refused as past the timeline's end."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import pytest

from timeline_lab.cli import _frame_range
from timeline_lab.interchange._otio_common import START_TIME
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Project, RationalTime
from timeline_lab.model.timecode import format_timecode
from timeline_lab.studio import Studio

NTSC = Fraction(30000, 1001)
STARTS = [  # (rate, the start timecode in frames: none, 01:00:00:00, 10:00:00:00, an odd one)
    (Fraction(24), 0),
    (Fraction(24), 86400),
    (Fraction(25), 900000),
    (NTSC, 107892),  # 01:00:00;00 drop frame
    (Fraction(24000, 1001), 86400 + 37),
]


@pytest.fixture(scope="module")
def cam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("tc") / "cam.mp4", width=64, height=48, rate=24, frames=48, tag=1
    )


def _project(studio: Studio, cam: Path, rate: Fraction, start: int) -> Project:
    project = studio.new_project("tc", width=64, height=48, frame_rate=rate)
    project.tracks[0].append(studio.clip(cam, 0, 30))
    if start:
        project.metadata[START_TIME] = RationalTime(start, rate).to_json()
    return project


@pytest.mark.parametrize(("rate", "start"), STARTS)
@pytest.mark.parametrize(("first", "end"), [(2, 8), (0, 1), (10, 24)])
def test_timecodes_count_from_the_start_timecode(
    cam: Path, tmp_path: Path, rate: Fraction, start: int, first: int, end: int
) -> None:
    project = _project(Studio(workspace=tmp_path), cam, rate, start)
    tc = f"{format_timecode(start + first, rate)}-{format_timecode(start + end, rate)}"
    assert _frame_range(tc, project) == (first, end)
    assert _frame_range(f"{first}-{end}", project) == (first, end)  # frame numbers: from 0


@pytest.mark.parametrize(("rate", "start"), STARTS[1:])
def test_a_timecode_before_the_start_says_where_timecodes_count_from(
    cam: Path, tmp_path: Path, rate: Fraction, start: int
) -> None:
    project = _project(Studio(workspace=tmp_path), cam, rate, start)
    with pytest.raises(ValueError, match=r"timecodes count from the timeline's start, \d\d:00:0"):
        _frame_range(f"{format_timecode(2, rate)}-{format_timecode(8, rate)}", project)


def test_the_cli_renders_the_timecodes_the_editor_shows(cam: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    saved = studio.save(_project(studio, cam, Fraction(24), 86400), tmp_path / "p.tlproj")
    out = tmp_path / "part.mp4"
    cmd = [sys.executable, "-m", "timeline_lab", "render", str(saved), "-o", str(out), "-q"]
    r = subprocess.run(
        [*cmd, "--range", "01:00:00:02-01:00:00:08"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        assert [read_frame_index(f.to_ndarray(format="rgb24"))[0] for f in c.decode(video=0)] == list(
            range(2, 8)
        )
