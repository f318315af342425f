"""An FCPX clip's sound level comes in (review 5, item C): ``<adjust-volume amount="-20dB"/>``, a clip
muted at Final Cut's -96 dB floor and a clip whose audio sources are all switched off imported at
volume 1 with no note. A constant level is the clip's volume now; what one volume cannot say is
noted; an amount that is not a level is refused naming the element."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip
from timeline_lab.studio import Studio

from .test_fcpx_elements import _at, _doc, _t

R = Fraction(25)
OFF, ON = '<audio-channel-source srcCh="1" active="0"/>', '<audio-channel-source srcCh="2"/>'


def _clip(name: str, k: int, inner: str, tag: str = "asset-clip") -> str:
    head = f'<{tag} ref="r2" offset="{_at(R, 10 * k)}" name="{name}" start="{_at(R, 10 * k)}" '
    return head + f'duration="{_t(10, R)}">{inner}</{tag}>'


@pytest.mark.parametrize(
    ("amount", "volume"),
    [("-20dB", 0.1), ("-6dB", 10 ** (-6 / 20)), ("0dB", 1.0), ("6dB", 10 ** (6 / 20)), ("-96dB", 0.0),
     ("-150dB", 0.0), ("-3.5dB", 10 ** (-3.5 / 20)), ("12", 10 ** (12 / 20))],
)  # fmt: skip
def test_a_constant_level_is_the_clips_volume(tmp_path: Path, amount: str, volume: float) -> None:
    spine = _clip("quiet", 0, f'<adjust-volume amount="{amount}"/>') + _clip("plain", 1, "")
    project = read_otio(_doc(tmp_path, R, spine))
    got = {c.name: c.volume for t in project.tracks for c in t.items if isinstance(c, Clip)}
    assert math.isclose(got["quiet"], volume, rel_tol=1e-9, abs_tol=1e-12)
    assert got["plain"] == 1.0
    assert "import_notes" not in project.metadata


@pytest.mark.parametrize(
    ("inner", "volume", "noted"),
    [
        ('<audio-channel-source srcCh="1, 2" role="dialogue" active="0"/>', 0.0, None),
        ('<audio-role-source role="dialogue.dialogue-1" active="0"/>', 0.0, None),
        (OFF + OFF.replace('"1"', '"2"'), 0.0, None),
        (OFF + ON, 1.0, "switched off"),
        (
            '<audio-channel-source srcCh="1, 2"><adjust-volume amount="-20dB"/></audio-channel-source>',
            0.1,
            None,
        ),
        (
            '<adjust-volume amount="-20dB"/><audio-channel-source srcCh="1, 2" active="1">'
            '<adjust-volume amount="20dB"/></audio-channel-source>',
            1.0,
            None,
        ),
        (
            '<audio-channel-source srcCh="1"><adjust-volume amount="-6dB"/></audio-channel-source>'
            '<audio-channel-source srcCh="2"/>',
            1.0,
            "their own levels",
        ),
        (
            '<adjust-volume><param name="amount"><keyframeAnimation><keyframe time="0s" value="-10dB"/>'
            '<keyframe time="1s" value="0dB"/></keyframeAnimation></param></adjust-volume>',
            1.0,
            "keyframed volume",
        ),
    ],
)
def test_switched_off_sources_are_silence_and_the_rest_is_noted(
    tmp_path: Path, inner: str, volume: float, noted: str | None
) -> None:
    project = read_otio(_doc(tmp_path, R, _clip("c", 0, inner)))
    (clip,) = [c for t in project.tracks for c in t.items if isinstance(c, Clip)]
    assert math.isclose(clip.volume, volume, rel_tol=1e-9)
    notes = " | ".join(project.metadata.get("import_notes", []))
    assert (noted in notes and '"c"' in notes) if noted else not notes


@pytest.mark.parametrize("where", ["clip", "audio"])
def test_a_clips_level_is_its_sounds(tmp_path: Path, where: str) -> None:
    """A ``<clip>`` (or its ``<audio>``) at -20 dB: its sound under its picture plays at 0.1."""
    level = '<adjust-volume amount="-20dB"/>'
    inner = (
        f'<video ref="r2" offset="{_at(R, 0)}" start="{_at(R, 0)}" duration="{_t(10, R)}"/>'
        f'<audio ref="r2" lane="-1" offset="{_at(R, 0)}" start="{_at(R, 0)}" duration="{_t(10, R)}">'
        f"{level if where == 'audio' else ''}</audio>{level if where == 'clip' else ''}"
    )
    spine = f'<clip name="c" offset="{_at(R, 0)}" start="{_at(R, 0)}" duration="{_t(10, R)}">{inner}</clip>'
    project = read_otio(_doc(tmp_path, R, spine))
    sound = [c.volume for t in project.tracks if t.kind == "audio" for c in t.items if isinstance(c, Clip)]
    assert sound == [pytest.approx(0.1)]


@pytest.mark.parametrize("amount", ["loud", "", "-dB", "nan", "1e999999dB x"])
def test_an_amount_that_is_no_level_is_refused_by_element(tmp_path: Path, amount: str) -> None:
    spine = _clip("bad", 0, f'<adjust-volume amount="{amount}"/>')
    with pytest.raises(ProjectFileError, match=r'cut\.fcpxml: .*<adjust-volume amount=.*<asset-clip> "bad"'):
        read_otio(_doc(tmp_path, R, spine))


@pytest.mark.parametrize("rate", ["25", "29.97"])
def test_our_export_writes_each_clips_volume_and_reads_it_back(tmp_path: Path, rate: str) -> None:
    """Picture clips (their sound on them) and sound-track clips at several volumes, silence included."""
    media = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=60, audio=True)
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("mix", width=64, height=48, frame_rate=rate)
    levels = [0.1, 0.5, 0.0, 1.0, 2.0, 10 ** (-30 / 20)]
    sound = p.add_track("audio", "A1")
    for k, level in enumerate(levels):
        p.tracks[0].append(studio.clip(media, 5 * k, 5).model_copy(update={"volume": level}))
        sound.append(studio.clip(media, 5 * k, 5).model_copy(update={"volume": level}))
    path = write_otio(p, tmp_path / "mix.fcpxml")
    amounts = [e.get("amount") for e in ElementTree.parse(path).getroot().iter("adjust-volume")]
    assert len(amounts) == 2 * (len(levels) - 1) and "-96dB" in amounts
    back = read_otio(path)
    for kind in ("video", "audio"):
        got = [c.volume for t in back.tracks if t.kind == kind for c in t.items if isinstance(c, Clip)]
        assert got == pytest.approx(levels, rel=1e-9, abs=1e-12), kind
