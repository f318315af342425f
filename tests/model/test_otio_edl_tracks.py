"""EDL export and import keep every track an EDL holds and where each starts (review 61, item 2):
the picture track wherever it lies in the stack, the sound tracks as A, A2..., and a leading gap as
the first event's record-in (the adapter wrote the first track only, and a re-import moved every
clip to the start)."""

from __future__ import annotations

import logging
import struct
import wave
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import Project, RationalTime
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of a 48 kHz WAV (a music file, timed in samples)."""
    path = tmp_path_factory.mktemp("edl-sound") / "music.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(struct.pack("<h", 1000) * 96000)
    return path


def _layout(project: Project) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """Each track's kind and its clips as (name, first timeline frame, frames)."""
    r = project.settings.frame_rate
    return [(t.kind, [(i.name, i.start.to_frames(r), i.frames(r)) for i in t.items]) for t in project.tracks]


def _project(studio: Studio, cam: Path, sound: Path, order: str) -> Project:
    """Tracks in ``order`` (v: picture, a: the camera's sound, m: music) with clips at distinct places."""
    project = studio.new_project("mix", width=176, height=144, frame_rate=24)
    video = project.tracks[0]
    project.tracks.clear()
    for n, kind in enumerate(order):
        track = video if kind == "v" else project.add_track("audio")
        if kind == "v":
            project.tracks.append(track)
            track.append(studio.clip(cam, 0, 12, name="pic").model_copy(update={"volume": 0.0}))
            track.append(studio.clip(cam, 20, 10, name="pic2").model_copy(update={"volume": 0.0}))
        elif kind == "a":
            track.append(studio.clip(cam, 4, 16, name=f"cam sound {n}"))
        else:
            track.append(studio.clip(sound, 0, 12000, name="music"))
            track.append(studio.clip(sound, 24000, 24000, name="music 2"))
    return project


@pytest.mark.parametrize("order", ["va", "av", "vam", "mav", "m"])
def test_an_edl_keeps_picture_and_sound_tracks(cam: Path, sound: Path, tmp_path: Path, order: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, cam, sound, order)
    out = write_otio(project, tmp_path / "cut.edl")
    back = read_otio(out, rate=Fraction(24))
    want = sorted(_layout(project), key=lambda t: t[0] != "video")  # the EDL lists the picture first
    assert [(k, [(s, n) for _, s, n in c]) for k, c in _layout(back)] == [
        (k, [(s, n) for _, s, n in c]) for k, c in want
    ]
    channels = {line.split()[2] for line in out.read_text().splitlines() if line[:3].isdigit()}
    sounds = len(order.replace("v", ""))
    assert channels == {*(["V"] if "v" in order else []), *["A", "A2", "A3"][:sounds]}


def test_a_track_an_edl_cannot_hold_is_named(
    cam: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("subs", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(cam, 0, 12))
    project.add_track("subtitle", "English")
    with caplog.at_level(logging.WARNING):
        write_otio(project, tmp_path / "cut.edl")
    assert '"English"' in caplog.text and "left out" in caplog.text


@pytest.mark.parametrize("rate", [24, 25])
@pytest.mark.parametrize("lead", [1, 10, 48])
def test_a_leading_gap_survives_an_edl(cam: Path, tmp_path: Path, rate: int, lead: int) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("gaps", width=176, height=144, frame_rate=rate)
    track = project.tracks[0]
    track.overwrite(studio.clip(cam, 0, 12, name="a"), RationalTime(lead, rate))
    track.overwrite(studio.clip(cam, 20, 12, name="b"), RationalTime(lead + 17, rate))
    back = read_otio(write_otio(project, tmp_path / "cut.edl"), rate=Fraction(rate))
    ((_, clips),) = _layout(project)
    assert _layout(back) == [("video", clips), ("audio", clips)]  # the picture's sound as a linked track


def _avid(path: Path, cam: Path, records: list[tuple[str, str]]) -> Path:
    """An Avid EDL cutting 12 frames of ``cam`` at each record (in, out)."""
    lines = ["TITLE: AVID", "FCM: NON-DROP FRAME", ""]
    for n, (rec_in, rec_out) in enumerate(records, 1):
        lines += [f"{n:03d}  CAM      V     C        00:00:00:00 00:00:00:12 {rec_in} {rec_out}"]
        lines += [f"* FROM CLIP: {cam}"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("records", "starts"),
    [
        ([("01:00:00:00", "01:00:00:12")], [0]),  # an Avid sequence starts at 01:00:00:00
        ([("01:00:00:10", "01:00:00:22")], [10]),
        ([("00:00:02:00", "00:00:02:12"), ("00:00:03:00", "00:00:03:12")], [48, 72]),
        ([("10:00:00:05", "10:00:00:17")], [5]),
        ([("00:59:58:00", "00:59:58:12")], [0]),  # a leader before the hour: the first event starts it
    ],
)
def test_an_edl_record_in_past_the_hour_is_a_leading_gap(
    cam: Path, tmp_path: Path, records: list[tuple[str, str]], starts: list[int]
) -> None:
    back = read_otio(_avid(tmp_path / "avid.edl", cam, records), rate=Fraction(24))
    assert [i.start.to_frames(24) for i in back.tracks[0].items] == starts
