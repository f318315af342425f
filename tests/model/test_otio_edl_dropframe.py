"""An EDL carries no rate; one timed in drop-frame timecode (HH:MM:SS;FF, ``FCM: DROP FRAME``) is
29.97's: our own 29.97 EDL reopened at 24 fps and was refused (its clip past the media's end)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio


def test_a_2997_edl_reopens_at_2997(tmp_path: Path) -> None:
    v = make_clip(tmp_path / "v.mp4", width=160, height=120, rate="30000/1001", frames=30, tag=1)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=160, height=120, frame_rate="30000/1001")
    project.tracks[0].append(studio.clip(v, 3, 20))
    studio.save(project, tmp_path / "cut.edl")
    back = studio.open(tmp_path / "cut.edl")
    assert back.settings.frame_rate == Fraction(30000, 1001)
    assert back.duration().to_frames(back.settings.frame_rate) == 20


def test_a_non_drop_edl_keeps_the_default_rate(tmp_path: Path) -> None:
    v = make_clip(tmp_path / "v.mp4", width=160, height=120, rate=24, frames=30, tag=1)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=160, height=120, frame_rate=24)
    project.tracks[0].append(studio.clip(v, 3, 20))
    studio.save(project, tmp_path / "cut.edl")
    assert studio.open(tmp_path / "cut.edl").settings.frame_rate == 24
