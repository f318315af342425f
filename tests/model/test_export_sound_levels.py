"""FCP 7 XML and EDL exports sound as the project plays: a muted sound track and a clip at volume
0 are switched off (FCP 7's ``<enabled>FALSE</enabled>``; left out of an EDL), other levels (a
track's volume times its clip's) are FCP 7's ``Audio Levels`` filter and read back as the clip's
volume; an EDL, which has no levels, says which it left out. Before, both made muted and
turned-down sound audible again at full level."""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip, Project
from timeline_lab.studio import Studio

Setup = Callable[[Project, Studio, Path], None]


@pytest.fixture(scope="module")
def av_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("lv") / "av.mp4", width=64, height=48, rate=25, frames=50, tag=1)


def _project(studio: Studio, media: Path) -> Project:
    """V1 (picture only), A1 and A2 with a clip each at frames 0 and 10."""
    project = studio.new_project("lv", width=64, height=48, frame_rate=25)
    for name in ("A1", "A2"):
        track = project.add_track("audio", name)
        track.append(studio.clip(media, 0, 20))
    project.tracks[0].append(studio.clip(media, 0, 20).model_copy(update={"volume": 0.0}))
    return project


def _a2(project: Project) -> object:
    return next(t for t in project.tracks if t.name == "A2")


def _muted(p: Project, s: Studio, m: Path) -> None:
    _a2(p).configure(muted=True)  # type: ignore[attr-defined]


def _track_volume(v: float) -> Setup:
    def setup(p: Project, s: Studio, m: Path) -> None:
        _a2(p).configure(volume=v)  # type: ignore[attr-defined]

    return setup


def _clip_volume(v: float, track: float = 1.0) -> Setup:
    def setup(p: Project, s: Studio, m: Path) -> None:
        a2 = _a2(p)
        a2.update(a2.items[0].id, volume=v)  # type: ignore[attr-defined]
        if track != 1:
            a2.configure(volume=track)  # type: ignore[attr-defined]

    return setup


def _picture_sound(v: float) -> Setup:
    """The picture clip plays its sound at ``v`` (a linked sound clip in the file)."""

    def setup(p: Project, s: Studio, m: Path) -> None:
        v1 = p.tracks[0]
        v1.update(v1.items[0].id, volume=v)

    return setup


def _heard(project: Project) -> list[float]:
    """The level each clip is heard at (track volume times clip volume), loudest first, silent ones out."""
    levels = []
    for track in project.tracks:
        if track.muted or not track.enabled:
            continue
        for item in track.items:
            if isinstance(item, Clip) and item.enabled and item.media.has_audio:
                levels.append(round(track.volume * item.volume, 6))
    return sorted((x for x in levels if x > 0), reverse=True)


CASES = [
    (_muted, [1.0]),
    (_track_volume(0.0), [1.0]),
    (_track_volume(0.25), [1.0, 0.25]),
    (_clip_volume(0.0), [1.0]),
    (_clip_volume(0.5), [1.0, 0.5]),
    (_clip_volume(0.5, track=0.5), [1.0, 0.25]),
    (_clip_volume(2.0), [2.0, 1.0]),
    (_picture_sound(0.5), [1.0, 1.0, 0.5]),
]


@pytest.mark.parametrize(("setup", "want"), CASES)
def test_fcp7_xml_sounds_as_the_project(
    av_file: Path, tmp_path: Path, setup: Setup, want: list[float]
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, av_file)
    setup(project, studio, av_file)
    assert _heard(project) == want
    assert _heard(read_otio(write_otio(project, tmp_path / "cut.xml"))) == want


@pytest.mark.parametrize(("setup", "want"), CASES)
def test_an_edl_leaves_out_silent_sound_and_says_which_levels_it_lost(
    av_file: Path, tmp_path: Path, setup: Setup, want: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, av_file)
    setup(project, studio, av_file)
    with caplog.at_level(logging.WARNING):
        out = write_otio(project, tmp_path / "cut.edl")
    back = _heard(read_otio(out, rate=Fraction(25)))
    assert len(back) == len(want)  # every silent one left out, every heard one there
    lost = [x for x in want if x != 1]
    assert ("keeps no sound level" in caplog.text) == bool(lost)
