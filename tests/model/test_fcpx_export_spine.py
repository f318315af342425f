"""Our FCPX XML export's primary storyline and start timecode (review 5, items E and F): a project
whose first video track is empty, or ends before its sound, crashed the save (the writer found no
storyline element to hang the sound from); a timeline starting at 01:00:00:00 was written with no
``tcStart`` and read back from 0."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip, Project
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A picture clip (25 fps, 2 s) and a WAV (stereo, 48 kHz, 3 s)."""
    folder = tmp_path_factory.mktemp("fcpx-spine")
    with wave.open(str(folder / "music.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"\x10\x00\x20\x00" * 48000 * 3)
    picture = make_clip(folder / "cam.mp4", width=64, height=48, rate=25, frames=50, audio=False)
    return {"music": folder / "music.wav", "cam": picture}


def _clips(project: Project) -> list[tuple[str, int, int, int]]:
    """(track kind, start, media frame shown first, frames) of every clip, at the project rate."""
    r = project.settings.frame_rate
    return sorted(
        (t.kind, c.start.to_frames(r), c.source_frame_at(0, r), c.frames(r))
        for t in project.tracks
        for c in t.items
        if isinstance(c, Clip)
    )


@pytest.mark.parametrize("rate", ["25", "29.97"])
@pytest.mark.parametrize("sound_tracks", [1, 2, 3])
@pytest.mark.parametrize("picture", ["empty", "shorter", "none"])
def test_sound_past_the_storyline_is_saved_over_a_gap(
    media: dict[str, Path], tmp_path: Path, rate: str, sound_tracks: int, picture: str
) -> None:
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("pod", width=64, height=48, frame_rate=rate)
    if picture == "shorter":  # 10 frames of picture, the sound after it
        p.tracks[0].append(studio.clip(media["cam"], 5, 10))
    elif picture == "none":
        p.remove_track(p.tracks[0].id)
    for k in range(sound_tracks):
        track = p.add_track("audio", f"A{k + 1}")
        track.overwrite(studio.clip(media["music"], 4800 * k, 48000 + 9600 * k), 12 + 7 * k)  # (samples)
    path = write_otio(p, tmp_path / "pod.fcpxml")
    root = ElementTree.parse(path).getroot()
    (spine,) = root.iter("spine")
    assert sum(1 for c in root.iter("clip") if c.get("lane", "0").startswith("-")) == sound_tracks
    assert all(e.tag == "gap" for e in spine) == (picture != "shorter")
    back = read_otio(path)
    assert _clips(back) == _clips(p)


@pytest.mark.parametrize("rate", ["24", "25", "29.97"])
@pytest.mark.parametrize("start_frames", [0, 250, 86400, 107892])
def test_the_start_timecode_is_written_as_tc_start_and_read_back(
    media: dict[str, Path], tmp_path: Path, rate: str, start_frames: int
) -> None:
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("tc", width=64, height=48, frame_rate=rate)
    r = p.settings.frame_rate
    if start_frames:
        p.metadata["otio_start_time"] = {"value": start_frames, "rate": str(r)}
    p.tracks[0].append(studio.clip(media["cam"], 3, 10))
    p.tracks[0].overwrite(studio.clip(media["cam"], 20, 5), 14)
    p.add_track("video", "V2").overwrite(studio.clip(media["cam"], 30, 6), 4)  # connected, 4 frames in
    path = write_otio(p, tmp_path / "tc.fcpxml")
    (sequence,) = ElementTree.parse(path).getroot().iter("sequence")
    origin = Fraction(start_frames) / r
    assert Fraction(sequence.get("tcStart", "0s").removesuffix("s")) == origin
    offsets = [Fraction(e.get("offset", "").removesuffix("s")) - origin for e in sequence.find("spine")]
    assert offsets == [i.start.to_seconds() for i in p.tracks[0].items_with_gaps()]  # from tcStart
    back = read_otio(path)
    assert _clips(back) == _clips(p)
    kept = back.metadata.get("otio_start_time")
    assert (Fraction(kept["value"]) / Fraction(kept["rate"]) if kept else 0) == origin


@pytest.mark.parametrize("rate", [Fraction(24000, 1001), Fraction(25)])
@pytest.mark.parametrize("tc_start", [0, 10, 3600])
def test_final_cuts_tc_start_is_the_timelines_start_timecode(
    media: dict[str, Path], tmp_path: Path, rate: Fraction, tc_start: int
) -> None:
    origin = Fraction(round(tc_start * rate)) / rate
    at = f"{origin.numerator}/{origin.denominator}s"
    doc = tmp_path / "fc.fcpxml"
    doc.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n<fcpxml version="1.10"><resources>'
        f'<format id="r1" frameDuration="{rate.denominator}/{rate.numerator}s" width="64" height="48"/>'
        '<format id="r2" frameDuration="1/25s" width="64" height="48"/>'
        f'<asset id="a" name="cam" start="0s" duration="2s" hasVideo="1" format="r2" '
        f'src="{media["cam"].as_uri()}"/>'
        f'</resources><library><event name="e"><project name="p"><sequence format="r1" duration="1s" '
        f'tcStart="{at}"><spine><asset-clip ref="a" offset="{at}" name="c" duration="1s"/></spine>'
        "</sequence></project></event></library></fcpxml>"
    )
    project = read_otio(doc)
    assert project.settings.frame_rate == rate  # the sequence's, not its media's (25)
    kept = project.metadata.get("otio_start_time")
    assert (Fraction(kept["value"]) / Fraction(kept["rate"]) if kept else 0) == origin
    assert [c.start.to_frames(rate) for t in project.tracks for c in t.items] == [0]
