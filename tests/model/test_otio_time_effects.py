"""Time effects on export (review 61, item 5): a freeze goes out as OpenTimelineIO's FreezeFrame
holding the frame it holds (it was never written), an EDL carries it as a freeze frame event, and
the FCP 7 / FCPX XML writers, which keep no time effects, are named once in the log."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.interchange._otio_common import KEY
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import Project
from timeline_lab.model.items import Clip
from timeline_lab.model.properties import Effect
from timeline_lab.studio import Studio


def _frozen(studio: Studio, cam: Path, frame: int, speed: int) -> Project:
    """A clip of ``cam`` from source frame 6 at ``speed``, holding its clip frame ``frame``, then one more."""
    project = studio.new_project("freeze", width=176, height=144, frame_rate=24)
    clip = studio.clip(cam, 6, 12 * speed, name="held", speed=speed)
    project.tracks[0].append(
        clip.model_copy(update={"effects": [Effect(kind="freeze", params={"frame": frame})]})
    )
    project.tracks[0].append(studio.clip(cam, 30, 6, name="after"))
    return project


def _foreign(path: Path) -> Path:
    """The file as another tool sees it: our metadata removed everywhere."""
    tl = otio.adapters.read_from_file(str(path))
    for obj in [tl, tl.tracks, *tl.tracks.find_children()]:
        obj.metadata.pop(KEY, None)
    otio.adapters.write_to_file(tl, str(path))
    return path


def _held(clip: Clip) -> tuple[list[str], int, int]:
    """(effects, the source frame held, timeline frames) of an imported freeze."""
    assert [fx.params.get("frame") for fx in clip.effects if fx.kind == "freeze"] == [0]
    return [fx.kind for fx in clip.effects], clip.source_range.start.to_frames(24), clip.frames(Fraction(24))


@pytest.mark.parametrize("speed", [1, 2])
@pytest.mark.parametrize("frame", [0, 3, 11])
def test_a_freeze_goes_out_as_a_freeze_frame(cam: Path, tmp_path: Path, frame: int, speed: int) -> None:
    project = _frozen(Studio(workspace=tmp_path), cam, frame, speed)
    out = write_otio(project, tmp_path / "cut.otio")
    clip = otio.adapters.read_from_file(str(out)).find_clips()[0]
    assert [type(fx).__name__ for fx in clip.effects] == ["FreezeFrame"]
    assert clip.source_range.start_time.to_frames() == 6 + frame * speed
    back = read_otio(_foreign(out))
    assert _held(back.tracks[0].items[0]) == (["freeze"], 6 + frame * speed, 12)  # type: ignore[arg-type]
    assert back.tracks[0].items[1].start.to_frames(24) == 12


@pytest.mark.parametrize("frame", [0, 5])
def test_an_edl_keeps_a_freeze(cam: Path, tmp_path: Path, frame: int) -> None:
    project = _frozen(Studio(workspace=tmp_path), cam, frame, 1)
    out = write_otio(project, tmp_path / "cut.edl")
    assert "FREEZE FRAME" in out.read_text()
    back = read_otio(out, rate=Fraction(24))
    assert _held(back.tracks[0].items[0]) == (["freeze"], 6 + frame, 12)  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", [".xml", ".fcpxml"])
def test_time_effects_an_xml_cannot_hold_are_named(
    cam: Path, tmp_path: Path, suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _frozen(studio, cam, 2, 1)
    project.tracks[0].append(studio.clip(cam, 0, 12, name="fast", speed=2))
    backwards = studio.clip(cam, 0, 6, name="backwards")
    project.tracks[0].append(backwards.model_copy(update={"effects": [Effect(kind="reverse")]}))
    with caplog.at_level(logging.WARNING):
        write_otio(project, tmp_path / f"cut{suffix}")
    (line,) = [r.getMessage() for r in caplog.records if "time effects" in r.getMessage()]
    assert '"held", "fast", "backwards"' in line and '"after"' not in line
    caplog.clear()
    plain = studio.new_project("plain", width=176, height=144, frame_rate=24)
    plain.tracks[0].append(studio.clip(cam, 0, 12))
    with caplog.at_level(logging.WARNING):
        write_otio(plain, tmp_path / f"plain{suffix}")
    assert "time effects" not in caplog.text


def test_what_the_fcpx_writer_drops_is_named(
    cam: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Transitions and timeline markers: OpenTimelineIO's FCPX XML writer keeps neither."""
    from timeline_lab.model import Marker, RationalTime
    from timeline_lab.model.transition import Transition

    studio = Studio(workspace=tmp_path)
    project = studio.new_project("dissolve", width=176, height=144, frame_rate=24)
    a = project.tracks[0].append(studio.clip(cam, 4, 12, name="a"))
    b = project.tracks[0].append(studio.clip(cam, 24, 12, name="b"))
    project.tracks[0].add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(4, 24)))
    project.markers.append(Marker(time=RationalTime(3, 24), name="m1"))
    with caplog.at_level(logging.WARNING):
        write_otio(project, tmp_path / "cut.fcpxml")
    assert '1 transition(s) and timeline marker(s) "m1" left out' in caplog.text
    project.markers.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        write_otio(project, tmp_path / "cut2.fcpxml")
    assert "cut2.fcpxml: 1 transition(s) left out (the FCPX XML writer keeps neither)" in caplog.text


@pytest.mark.parametrize("frame", [0, 5])
def test_our_own_freeze_comes_back_identical(cam: Path, tmp_path: Path, frame: int) -> None:
    """The FreezeFrame's range starts at the held frame; our import does not take that for a slip."""
    project = _frozen(Studio(workspace=tmp_path), cam, frame, 2)
    back = read_otio(write_otio(project, tmp_path / "cut.otio"))
    assert back.model_dump(mode="json") == project.model_dump(mode="json")
