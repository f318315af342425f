"""Source times on the media's own clock (review 61, item 1): a camera file whose first frame is
01:00:00:00 is cut at 01:00:00:04 in an EDL or an XML, both when one is read and when one is
written; a tool that counted from the file's first frame still reads as it did."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import Project, RationalTime
from timeline_lab.studio import Studio

# (rate, the file's start timecode, how an EDL says that rate's timecode)
CLOCKS = [
    (Fraction(24), "01:00:00:00", "NON-DROP FRAME"),
    (Fraction(25), "00:59:58:10", "NON-DROP FRAME"),
    (Fraction(30000, 1001), "00:10:00;00", "DROP FRAME"),
]


def _timecoded(folder: Path, rate: Fraction, timecode: str) -> Path:
    """Camera-like media: 30 frames at ``rate`` whose first frame is ``timecode`` (a tmcd track)."""
    from timeline_lab.media.synth import make_clip

    plain = make_clip(folder / "plain.mp4", width=64, height=48, rate=rate, frames=30, audio=False)
    out = folder / "cam.mov"
    with av.open(str(plain)) as src, av.open(str(out), "w") as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        stream.metadata["timecode"] = timecode
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    return out


@pytest.fixture(scope="module", params=CLOCKS, ids=["24@01h", "25@0059", "2997df@10m"])
def camera(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Fraction, str]:
    rate, timecode, _fcm = request.param
    return _timecoded(tmp_path_factory.mktemp("tc"), rate, timecode), rate, timecode


def _tc(timecode: str, rate: Fraction, plus: int) -> str:
    """``timecode`` ``plus`` frames later, written as the EDL writer writes it."""
    t = RationalTime.from_timecode(timecode, rate) + RationalTime(plus, rate)
    return t.to_timecode(rate)


def _edl(path: Path, media: Path, rate: Fraction, cuts: list[tuple[str, str, str, str]]) -> Path:
    """An Avid-style EDL of ``media`` with events (source in, source out, record in, record out)."""
    fcm = "DROP FRAME" if ";" in cuts[0][0] else "NON-DROP FRAME"
    lines = ["TITLE: AVID CUT", f"FCM: {fcm}", ""]
    for n, (si, so, ri, ro) in enumerate(cuts, 1):
        lines += [f"{n:03d}  CAM      V     C        {si} {so} {ri} {ro}", f"* FROM CLIP: {media}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _frames(project: Project) -> list[tuple[int, int]]:
    """Each clip of the first track as (first source frame, frames)."""
    r = project.settings.frame_rate
    return [(i.source_range.start.to_frames(r, "nearest"), i.frames(r)) for i in project.tracks[0].items]


def test_an_edl_source_timecode_is_on_the_medias_clock(
    camera: tuple[Path, Fraction, str], tmp_path: Path
) -> None:
    media, rate, tc = camera
    cuts = [
        (_tc(tc, rate, 4), _tc(tc, rate, 14), _tc("00:00:00:00", rate, 0), _tc("00:00:00:00", rate, 10)),
        (_tc(tc, rate, 20), _tc(tc, rate, 28), _tc("00:00:00:00", rate, 10), _tc("00:00:00:00", rate, 18)),
    ]
    project = read_otio(_edl(tmp_path / "cut.edl", media, rate, cuts), rate=rate)
    assert _frames(project) == [(4, 10), (20, 8)]


def test_an_edl_counted_from_the_files_first_frame_still_reads(
    camera: tuple[Path, Fraction, str], tmp_path: Path
) -> None:
    """Source times before the start timecode: a tool that knew no timecode counted from frame 0."""
    media, rate, _tc0 = camera
    zero = _tc("00:00:00:00", rate, 0)
    cuts = [(_tc(zero, rate, 4), _tc(zero, rate, 14), zero, _tc(zero, rate, 10))]
    assert _frames(read_otio(_edl(tmp_path / "cut.edl", media, rate, cuts), rate=rate)) == [(4, 10)]


@pytest.mark.parametrize("suffix", [".edl", ".xml", ".fcpxml"])
def test_an_export_writes_source_times_on_the_medias_clock(
    camera: tuple[Path, Fraction, str], tmp_path: Path, suffix: str
) -> None:
    media, rate, tc = camera
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("tc", width=64, height=48, frame_rate=rate)
    project.tracks[0].append(studio.clip(media, 4, 10))
    project.tracks[0].append(studio.clip(media, 20, 8))
    out = write_otio(project, tmp_path / f"cut{suffix}")
    if suffix == ".edl":
        text = out.read_text()
        assert f"{_tc(tc, rate, 4)} {_tc(tc, rate, 14)}" in text
        assert f"{_tc(tc, rate, 20)} {_tc(tc, rate, 28)}" in text
    assert _frames(read_otio(out, rate=rate)) == [(4, 10), (20, 8)]


def test_our_otio_says_the_medias_clock(camera: tuple[Path, Fraction, str], tmp_path: Path) -> None:
    """Other OTIO tools see the start timecode; our own import still comes back identical."""
    import opentimelineio as otio

    media, rate, tc = camera
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("tc", width=64, height=48, frame_rate=rate)
    project.tracks[0].append(studio.clip(media, 4, 10))
    out = write_otio(project, tmp_path / "cut.otio")
    clip = otio.adapters.read_from_file(str(out)).find_clips()[0]
    start = RationalTime.from_timecode(tc, rate).to_frames(rate)
    assert clip.media_reference.available_range.start_time.to_frames() == start
    assert clip.source_range.start_time.to_frames() == start + 4
    assert read_otio(out).model_dump(mode="json") == project.model_dump(mode="json")
