"""An EDL carries no frame rate: without ``rate=`` it is read at its media's one rate, else refused
(review 64: our own 25 fps export came back at OpenTimelineIO's default 24 fps, its clips in
fractions of a frame)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import MediaError, ProjectFileError
from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio


@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001), Fraction(50), Fraction(24000, 1001)])
def test_an_edl_without_a_rate_takes_its_medias_rate(tmp_path: Path, rate: Fraction) -> None:
    clip = make_clip(tmp_path / "cam.mp4", width=64, height=48, rate=rate, frames=60, audio=False)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("e", width=64, height=48, frame_rate=rate)
    project.tracks[0].append(studio.clip(clip, 7, 20))
    project.tracks[0].append(studio.clip(clip, 40, 13))
    back = studio.open(studio.save(project, tmp_path / "cut.edl"))
    assert back.settings.frame_rate == rate
    got = [(i.source_range.start.to_frames(rate), i.frames(rate)) for i in back.tracks[0].items]
    assert got == [(7, 20), (40, 13)]
    assert studio.open(tmp_path / "cut.edl", rate=rate).settings.frame_rate == rate  # said: as said


def test_an_edl_over_media_of_several_rates_asks_for_one(tmp_path: Path) -> None:
    a = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30, audio=False)
    b = make_clip(tmp_path / "b.mp4", width=64, height=48, rate=30, frames=30, audio=False)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("e", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(a, 0, 10))
    project.tracks[0].append(studio.clip(b, 0, 10))
    edl = studio.save(project, tmp_path / "mixed.edl")
    with pytest.raises(
        ProjectFileError,
        match=r"mixed\.edl: an EDL carries no frame rate and its media are at 25, 30 fps; pass rate=",
    ):
        studio.open(edl)
    assert studio.open(edl, rate=25).settings.frame_rate == 25


def test_an_edl_whose_media_are_missing_names_them_and_the_rate(tmp_path: Path) -> None:
    """Its missing files come first (the rate is read from them), and rate= is still offered."""
    edl = tmp_path / "lost.edl"
    event = "001  lost     V     C        00:00:00:00 00:00:00:20 00:00:00:00 00:00:00:20"
    edl.write_text(f"TITLE: lost\n\n{event}\n* FROM CLIP NAME: lost.mp4\n")
    with pytest.raises(MediaError, match=r"1 media file\(s\) missing: lost\.mp4 .* or pass rate="):
        Studio(workspace=tmp_path).open(edl)
