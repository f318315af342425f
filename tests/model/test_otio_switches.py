"""Clips and tracks switched off, and the empty time after the last clip, through FCP 7 XML and FCPX
XML (review 68, items 3 and 7): the readers kept ``<enabled>FALSE</enabled>`` / ``enabled="0"`` only
as metadata (or not at all) and ignored the sequence's duration; the writers wrote neither switch."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Project, RationalTime
from timeline_lab.studio import Studio

from ..render.conftest import decode_video


def _shown(studio: Studio, project: Project, out: Path) -> list[tuple[int, int] | None]:
    """Each rendered frame's (number, tag), None where black."""
    return [
        read_frame_index(f) if f.mean() > 8 else None
        for f in decode_video(studio.render(project, out, progress=False))
    ]


def _fcp7(path: Path, media: Path, timebase: int, ntsc: bool, tail: int) -> Path:
    """Clip on, clip off, a switched-off track above, and ``tail`` empty frames after the last clip."""
    rate = f"<rate><timebase>{timebase}</timebase><ntsc>{'TRUE' if ntsc else 'FALSE'}</ntsc></rate>"
    file_e = f"<file id='f1'><name>m</name><pathurl>{media.as_uri()}</pathurl>{rate}<duration>48</duration>"
    file_e += "<media><video/></media></file>"

    def item(cid: str, on: bool, start: int, end: int, src: int, f: str) -> str:
        flag = "TRUE" if on else "FALSE"
        return (
            f"<clipitem id='{cid}'><name>{cid}</name><enabled>{flag}</enabled><duration>48</duration>"
            f"{rate}<start>{start}</start><end>{end}</end><in>{src}</in><out>{src + end - start}</out>{f}"
            "</clipitem>"
        )

    ref = "<file id='f1'/>"
    xml = (
        f"<?xml version='1.0'?><xmeml version='4'><sequence id='s'><name>Seq</name>"
        f"<duration>{20 + tail}</duration>{rate}<media><video>"
        f"<track>{item('on', True, 0, 10, 0, file_e)}{item('off', False, 10, 20, 20, ref)}</track>"
        f"<track><enabled>FALSE</enabled>{item('top', True, 0, 5, 40, ref)}</track>"
        "</video></media></sequence></xmeml>"
    )
    path.write_text(xml)
    return path


@pytest.mark.parametrize(("timebase", "ntsc"), [(24, False), (25, False), (30, True)])
@pytest.mark.parametrize("tail", [0, 3])
def test_fcp7_switched_off_items_stay_off_and_the_duration_holds(
    tmp_path: Path, timebase: int, ntsc: bool, tail: int
) -> None:
    rate = Fraction(timebase * 1000, 1001) if ntsc else Fraction(timebase)
    media = make_clip(tmp_path / "m.mp4", width=64, height=48, rate=rate, frames=48, tag=1, audio=False)
    project = read_otio(_fcp7(tmp_path / "s.xml", media, timebase, ntsc, tail))
    assert project.settings.frame_rate == rate
    assert [i.enabled for i in project.tracks[0].items] == [True, False]
    assert [t.enabled for t in project.tracks] == [True, False]
    studio = Studio(workspace=tmp_path)
    assert _shown(studio, project, tmp_path / "o.mp4") == [(n, 1) for n in range(10)] + [None] * (10 + tail)


def _ours(studio: Studio, media: Path, rate: int, tail: int) -> Project:
    """A clip on, a clip off, a switched-off track over them, and ``tail`` empty frames at the end."""
    project = studio.new_project("switches", width=64, height=48, frame_rate=rate)
    v1 = project.tracks[0]
    v1.append(studio.clip(media, 2, 8))
    off = v1.append(studio.clip(media, 20, 6))
    v1.update(off.id, enabled=False)
    v1.append(studio.clip(media, 30, 4))
    v1.trailing_gap = RationalTime(tail, rate)
    top = project.add_track("video")
    top.append(studio.clip(media, 40, 5))
    top.configure(enabled=False)
    return project


@pytest.mark.parametrize("suffix", [".xml", ".fcpxml"])
@pytest.mark.parametrize(("rate", "tail"), [(24, 0), (24, 5), (25, 2)])
def test_switches_and_the_trailing_gap_survive_a_round_trip(
    tmp_path: Path, suffix: str, rate: int, tail: int
) -> None:
    media = make_clip(tmp_path / "m.mp4", width=64, height=48, rate=rate, frames=48, tag=1, audio=False)
    studio = Studio(workspace=tmp_path)
    project = _ours(studio, media, rate, tail)
    want = _shown(studio, project, tmp_path / "want.mp4")
    assert len(want) == 18 + tail
    back = read_otio(studio.save(project, tmp_path / f"cut{suffix}"), rate=Fraction(rate))
    assert _shown(studio, back, tmp_path / "got.mp4") == want
