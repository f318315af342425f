"""Our FCPX XML export names each asset as the media it is (review h3, items 1 and 5): every asset had
the sequence's format, so a 25 fps file's clip from frame 7 on a 29.97 timeline came back from frame
6 (its start rounded on the sequence's frames), every picture asset said ``hasAudio="0"`` (Final Cut
imports such clips silent), a sound file got a video format, and a ``<clip>``'s ``<video>`` sat at 0
on the clip's clock instead of at its asset's timecode, where the clip's ``start`` counts from."""

from __future__ import annotations

import subprocess
import wave
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project
from timeline_lab.studio import Studio

RATES = {"23.976": Fraction(24000, 1001), "25": Fraction(25), "29.97": Fraction(30000, 1001)}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A clip with sound at each rate, one without sound, and a WAV (mono, 44.1 kHz)."""
    folder = tmp_path_factory.mktemp("fcpx-assets")
    made = {
        name: make_clip(folder / f"cam {name}.mp4", width=64, height=48, rate=rate, frames=75, tag=k)
        for k, (name, rate) in enumerate(RATES.items())
    }
    made["mute"] = make_clip(folder / "mute.mov", width=48, height=32, rate=25, frames=30, audio=False)
    with wave.open(str(folder / "music.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\x10\x00" * 44100 * 3)
    made["music"] = folder / "music.wav"
    return made


def _shown(project: Project) -> list[list[tuple[int, list[int]]]]:
    """Each track's clips: where each starts and the media frame each of its frames shows."""
    r = project.settings.frame_rate
    return [
        [(c.start.to_frames(r), [c.source_frame_at(k, r) for k in range(c.frames(r))]) for c in t.items]
        for t in project.tracks
    ]


@pytest.mark.parametrize("project_rate", list(RATES))
@pytest.mark.parametrize("media_rate", list(RATES))
def test_clips_at_any_media_rate_come_back_on_their_own_frames(
    media: dict[str, Path], tmp_path: Path, project_rate: str, media_rate: str
) -> None:
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("mix", width=64, height=48, frame_rate=project_rate)
    for first in (0, 7, 10, 13, 17, 21, 33):
        p.tracks[0].append(studio.clip(media[media_rate], first, 11))
    back = read_otio(write_otio(p, tmp_path / "mix.fcpxml"))
    assert _shown(back) == _shown(p)


def _assets(path: Path) -> dict[str, dict[str, str]]:
    root = ElementTree.parse(path).getroot()
    return {a.get("name", ""): dict(a.attrib) for a in root.iter("asset")}


def _formats(path: Path) -> dict[str, dict[str, str]]:
    root = ElementTree.parse(path).getroot()
    return {f.get("id", ""): dict(f.attrib) for f in root.iter("format")}


@pytest.mark.parametrize("project_rate", ["25", "29.97"])
def test_each_asset_has_its_medias_format_picture_and_sound(
    media: dict[str, Path], tmp_path: Path, project_rate: str
) -> None:
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("snd", width=64, height=48, frame_rate=project_rate)
    p.tracks[0].append(studio.clip(media["23.976"], 0, 10, name="cam"))
    p.tracks[0].append(studio.clip(media["mute"], 0, 10, name="mute"))
    music = p.add_track("audio", "Music")
    music.append(studio.clip(media["music"], 0, 44100, name="music"))
    out = write_otio(p, tmp_path / "snd.fcpxml")
    assets, formats = _assets(out), _formats(out)
    cam, mute, wav = assets["cam"], assets["mute"], assets["music"]
    assert (cam["hasVideo"], cam["hasAudio"], cam["audioChannels"], cam["audioRate"]) == (
        "1",
        "1",
        "2",
        "48000",
    )
    assert cam["audioSources"] == "1"
    assert formats[cam["format"]]["frameDuration"] == "1001/24000s"
    assert (formats[cam["format"]]["width"], formats[cam["format"]]["height"]) == ("64", "48")
    assert (mute["hasVideo"], mute["hasAudio"]) == ("1", "0") and "audioRate" not in mute
    assert formats[mute["format"]]["frameDuration"] == "1/25s"
    assert (formats[mute["format"]]["width"], formats[mute["format"]]["height"]) == ("48", "32")
    assert "format" not in wav and (wav["hasVideo"], wav["hasAudio"]) == ("0", "1")
    assert (wav["audioChannels"], wav["audioRate"]) == ("1", "44100")
    sequence = ElementTree.parse(out).getroot().find(".//sequence")
    assert sequence is not None
    seq_format = formats[sequence.get("format", "")]
    assert (seq_format["width"], seq_format["height"]) == ("64", "48")
    back = read_otio(out)
    assert (back.settings.width, back.settings.height) == (64, 48)
    assert sorted(_shown(back)) == sorted(_shown(p))


@pytest.mark.parametrize(("rate", "timecode"), [("25", "01:00:00:00"), ("29.97", "00:10:00:00")])
def test_a_clips_video_sits_at_its_assets_timecode(tmp_path: Path, rate: str, timecode: str) -> None:
    """Final Cut writes ``<video offset=S start=S>`` with S the asset's start: the clip's ``start`` is on
    that clock (at offset 0 its video would lie an hour before the part the clip shows)."""
    plain = make_clip(tmp_path / "plain.mp4", width=64, height=48, rate=RATES[rate], frames=60)
    cam = tmp_path / "tc cam.mov"
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(plain),
            "-c",
            "copy",
            "-timecode",
            timecode,
            str(cam),
        ],
        check=True,
    )
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("tc", width=64, height=48, frame_rate=rate)
    p.tracks[0].append(studio.clip(cam, 10, 30, name="cam"))
    out = write_otio(p, tmp_path / "tc.fcpxml")
    root = ElementTree.parse(out).getroot()
    asset, video = root.find(".//asset"), root.find(".//clip/video")
    assert asset is not None and video is not None
    assert asset.get("start") not in (None, "0s")
    assert video.get("offset") == video.get("start") == asset.get("start")
    assert _shown(read_otio(out)) == _shown(p)
