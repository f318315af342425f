"""An EDL's sequence starts at the whole hour of timecode its first event is recorded at, counted in
the EDL's frames: at NTSC rates an hour of non-drop-frame timecode is not 3600 s (01:00:00:00 at
23.976 is 86400 frames, 3603.6 s), and an import taking it as 3600 s opened Resolve's, Avid's and
Premiere's 23.976 EDLs with 86 frames of black first (108 at 29.97), every clip shifted."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip

RATES = [
    (Fraction(24000, 1001), False),
    (Fraction(24), False),
    (Fraction(25), False),
    (Fraction(30000, 1001), False),
    (Fraction(30000, 1001), True),
    (Fraction(50), False),
    (Fraction(60000, 1001), False),
    (Fraction(60000, 1001), True),
]
MEDIA_FRAMES = 40


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[Fraction, Path]:
    """A short clip at each rate, named by its rate (the EDLs name their media by clip name)."""
    folder = tmp_path_factory.mktemp("edl-ntsc")
    return {
        rate: make_clip(
            folder / f"m{rate.numerator}_{rate.denominator}.mov",
            width=64,
            height=48,
            rate=rate,
            frames=MEDIA_FRAMES,
            tag=k,
        )
        for k, rate in enumerate(sorted({r for r, _ in RATES}))
    }


def _tc(frames: int, rate: Fraction, drop_frame: bool) -> str:
    """``frames`` as the timecode an editor writes at ``rate`` (its frames counted as the EDL counts)."""
    return otio.opentime.to_timecode(otio.opentime.RationalTime(frames, float(rate)), float(rate), drop_frame)


def _edl(
    folder: Path, name: str, rate: Fraction, drop_frame: bool, hour: int, lead: int, sound_lead: int
) -> Path:
    """Two picture events and one sound event, the first recorded ``lead`` frames after ``hour``:00:00:00
    (the sound ``sound_lead`` frames after it), as Resolve, Avid and Premiere write them."""
    origin = otio.opentime.from_timecode(f"{hour:02d}:00:00{';' if drop_frame else ':'}00", float(rate))
    at = int(origin.value)

    def event(n: int, channel: str, src: int, length: int, rec: int) -> str:
        times = (src, src + length, at + rec, at + rec + length)
        tcs = " ".join(_tc(t, rate, drop_frame) for t in times)
        return f"{n:03d}  AX       {channel:5} C        {tcs}\n* FROM CLIP NAME: {name}\n\n"

    text = f"TITLE: Timeline 1\nFCM: {'DROP FRAME' if drop_frame else 'NON-DROP FRAME'}\n\n"
    text += event(1, "V", 2, 10, lead) + event(2, "V", 20, 8, lead + 10)
    text += event(3, "A", 5, 12, sound_lead)
    path = folder / f"cut_{rate.numerator}_{hour}_{int(drop_frame)}_{lead}_{sound_lead}.edl"
    path.write_text(text)
    return path


def _starts(path: Path, rate: Fraction | None, folder: Path) -> list[list[int]]:
    """Each track's clips' first timeline frames."""
    logging.disable(logging.WARNING)
    try:
        project = read_otio(path, rate=rate, search=[folder])
    finally:
        logging.disable(logging.NOTSET)
    r = project.settings.frame_rate
    return [[c.start.to_frames(r) for c in t.items] for t in project.tracks]


@pytest.mark.parametrize(("rate", "drop_frame"), RATES, ids=lambda v: str(v))
@pytest.mark.parametrize("hour", [0, 1, 10])
def test_the_first_event_at_the_hour_starts_the_timeline(
    media: dict[Fraction, Path], tmp_path: Path, rate: Fraction, drop_frame: bool, hour: int
) -> None:
    path = _edl(tmp_path, media[rate].name, rate, drop_frame, hour, lead=0, sound_lead=0)
    assert _starts(path, rate, media[rate].parent) == [[0, 10], [0]]


@pytest.mark.parametrize(("rate", "drop_frame"), RATES, ids=lambda v: str(v))
@pytest.mark.parametrize("hour", [0, 1, 10])
def test_events_past_the_hour_keep_their_distance_from_it(
    media: dict[Fraction, Path], tmp_path: Path, rate: Fraction, drop_frame: bool, hour: int
) -> None:
    path = _edl(tmp_path, media[rate].name, rate, drop_frame, hour, lead=7, sound_lead=3)
    assert _starts(path, rate, media[rate].parent) == [[7, 17], [3]]


@pytest.mark.parametrize(("rate", "drop_frame"), [r for r in RATES if not r[1]], ids=lambda v: str(v))
def test_a_rate_guessed_from_the_media_counts_the_same_hour(
    media: dict[Fraction, Path], tmp_path: Path, rate: Fraction, drop_frame: bool
) -> None:
    path = _edl(tmp_path, media[rate].name, rate, drop_frame, 1, lead=0, sound_lead=5)
    assert _starts(path, None, media[rate].parent) == [[0, 10], [5]]
