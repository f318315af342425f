"""Sound of picture-track clips (review 68, item 1): in OpenTimelineIO and every editor it comes from
a clip on a picture track is picture only, its sound is a linked clip on a sound track. A foreign
picture-track clip came in with its media's sound, so a linked clip was heard twice and a clip whose
sound was deleted in the editor was heard anyway; our exports to formats without our metadata now
write the picture's sound as a linked sound track, so they sound as the project does."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip, Project
from timeline_lab.studio import Studio

from ..render.conftest import decode_audio

ORT, OTR = otio.opentime.RationalTime, otio.opentime.TimeRange
NO_CHANNEL_PICK = "(a clip cannot play one channel of a file; turn down the ones that repeat it)"
RATES = [Fraction(24), Fraction(25), Fraction(30000, 1001)]


def _media(folder: Path, rate: Fraction, tag: int) -> Path:
    return make_clip(folder / f"m{tag}.mp4", width=64, height=48, rate=rate, frames=24, tag=tag)


def _loudness(path: Path, rate: Fraction, spans: list[tuple[int, int]]) -> list[float]:
    """RMS of the rendered sound over each frame span (its first and last frame left out)."""
    pcm, sr = decode_audio(path)
    return [
        float(np.sqrt(np.mean(pcm[:, int((a + 1) / rate * sr) : int((b - 1) / rate * sr)] ** 2)))
        for a, b in spans
    ]


def _clip(path: Path, rate: Fraction, clock: int, n: int) -> otio.schema.Clip:
    r = float(rate)
    avail = OTR(ORT(clock, r), ORT(24, r))
    ref = otio.schema.ExternalReference(target_url=path.as_uri(), available_range=avail)
    span = OTR(ORT(clock + 2, r), ORT(n, r))
    return otio.schema.Clip(name=path.stem, media_reference=ref, source_range=span)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("clock", [0, 86400])
def test_a_foreign_picture_clip_is_silent_and_its_linked_sound_heard_once(
    tmp_path: Path, rate: Fraction, clock: int, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = _media(tmp_path, rate, 1), _media(tmp_path, rate, 2)
    tl = otio.schema.Timeline(name="linked")
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    v1.extend([_clip(a, rate, clock, 12), _clip(b, rate, 0, 12)])
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    a1.append(_clip(a, rate, clock, 12))
    tl.tracks.extend([v1, a1])
    otio.adapters.write_to_file(tl, str(tmp_path / "t.otio"))
    studio = Studio(workspace=tmp_path)
    with caplog.at_level(logging.WARNING):
        project = studio.open(tmp_path / "t.otio", rate=rate)
    assert [c.volume for c in project.tracks[0].items] == [0, 0]
    assert caplog.text.count("2 clip(s) on picture tracks imported silent") == 1
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    linked, deleted = _loudness(out, rate, [(0, 12), (12, 24)])
    assert linked == pytest.approx(0.354, abs=0.02)  # the tone once (twice was ~0.7)
    assert deleted < 0.01


def _ours(studio: Studio, a: Path, b: Path) -> Project:
    """Picture-track clips with their sound (one quieter, one off), and a gap between them."""
    project = studio.new_project("own", width=64, height=48, frame_rate=24)
    v1 = project.tracks[0]
    v1.append(studio.clip(a, 0, 10))
    v1.append(studio.clip(b, 0, 8))
    v1.append(studio.clip(a, 12, 6))
    v1.update(v1.items[1].id, volume=0.5)
    v1.update(v1.items[2].id, volume=0.0)
    return project


@pytest.mark.parametrize("suffix", [".otio", ".xml", ".fcpxml", ".edl"])
def test_our_picture_clips_sound_the_same_after_a_round_trip(tmp_path: Path, suffix: str) -> None:
    a, b = _media(tmp_path, Fraction(24), 1), _media(tmp_path, Fraction(24), 2)
    studio = Studio(workspace=tmp_path)
    project = _ours(studio, a, b)
    spans = [(0, 10), (10, 18), (18, 24)]
    want = _loudness(studio.render(project, tmp_path / "want.mp4", progress=False), Fraction(24), spans)
    back = read_otio(studio.save(project, tmp_path / f"cut{suffix}"), rate=Fraction(24))
    got = _loudness(studio.render(back, tmp_path / "got.mp4", progress=False), Fraction(24), spans)
    if suffix == ".otio":  # our metadata: the same clips, sound and all
        assert got == pytest.approx(want, abs=1e-4)
    elif suffix in (".xml", ".fcpxml"):  # FCP 7's Audio Levels, FCPX's adjust-volume: the levels kept
        assert got == pytest.approx(want, abs=0.02)
    else:  # an EDL keeps no volume: each heard clip's sound once, the silent one silent
        assert got == pytest.approx([want[0], want[0], 0.0], abs=0.02)


@pytest.mark.parametrize(
    ("channels", "said"),
    [(["AA"], "A1, A2"), (["A", "A2"], "A1, A2"), (["A", "A2", "A3"], "A1, A2, A3"), (["A"], None)],
)
def test_an_edl_channel_of_a_file_is_said_to_play_the_whole_file(
    tmp_path: Path, channels: list[str], said: str | None
) -> None:
    """Clips cannot play one channel of a file (the model has no channel pick): said, not hidden."""
    a = _media(tmp_path, Fraction(24), 1)
    lines = ["TITLE: aa", "FCM: NON-DROP FRAME", "", "001  A001     V     C        "]
    lines[-1] += "00:00:00:00 00:00:00:12 01:00:00:00 01:00:00:12"
    lines += [f"* FROM CLIP: {a}", ""]
    for n, ch in enumerate(channels, 2):
        lines += [f"{n:03d}  A001     {ch:5} C        00:00:00:00 00:00:00:12 01:00:00:00 01:00:00:12"]
        lines += [f"* FROM CLIP: {a}", ""]
    (tmp_path / "aa.edl").write_text("\n".join(lines))
    notes = read_otio(tmp_path / "aa.edl", rate=Fraction(24)).metadata.get("import_notes", [])
    want = f"sound channel(s) {said} name the same file(s): each plays the file's whole sound"
    assert [n for n in notes if "whole sound" in n] == ([f"{want} {NO_CHANNEL_PICK}"] if said else [])


def test_final_cut_pro_x_storyline_clips_keep_their_sound(tmp_path: Path) -> None:
    """An FCPX asset-clip plays its picture and its sound (FCPX has no linked sound clips); a
    ``<clip>`` with its own ``<audio>`` plays that sound once, not its picture's too."""
    a = _media(tmp_path, Fraction(25), 1)
    asset = (
        f'<asset id="r2" name="a" start="0s" duration="48/25s" hasVideo="1" format="r1" hasAudio="1" '
        f'audioSources="1" audioChannels="2" audioRate="48000" src="{a.as_uri()}"/>'
    )
    spine = (
        '<asset-clip ref="r2" offset="0s" name="a" start="2/25s" duration="10/25s" format="r1"/>'
        '<clip offset="10/25s" name="c" start="0s" duration="10/25s" format="r1">'
        '<video ref="r2" offset="0s" start="12/25s" duration="10/25s"/>'
        '<audio ref="r2" lane="-1" offset="0s" start="12/25s" duration="10/25s"/></clip>'
    )
    (tmp_path / "p.fcpxml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE fcpxml><fcpxml version="1.9"><resources>'
        '<format id="r1" frameDuration="100/2500s" width="64" height="48"/>' + asset + "</resources>"
        '<library><event name="e"><project name="p"><sequence format="r1" duration="20/25s" tcStart="0s">'
        "<spine>" + spine + "</spine></sequence></project></event></library></fcpxml>"
    )
    studio = Studio(workspace=tmp_path)
    project = read_otio(tmp_path / "p.fcpxml")
    heard = [(t.kind, i.volume) for t in project.tracks for i in t.items if isinstance(i, Clip)]
    assert sorted(heard) == [("audio", 1.0), ("video", 0.0), ("video", 1.0)]
    alone = studio.new_project("alone", width=64, height=48, frame_rate=25)
    alone.tracks[0].append(studio.clip(a, 2, 10))
    want = _loudness(studio.render(alone, tmp_path / "want.mp4", progress=False), Fraction(25), [(0, 10)])
    got = _loudness(
        studio.render(project, tmp_path / "got.mp4", progress=False), Fraction(25), [(0, 10), (10, 20)]
    )
    assert got == pytest.approx([want[0], want[0]], abs=0.02)
