"""A constant speed change in FCP 7 / Premiere / Resolve XML (a ``Time Remap`` filter: ``speed`` in
percent, ``reverse``) is the clip's speed: it imported at 100% (the wrong source frames), noted only
as "effect 'Effect' is not rendered"."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.studio import Studio

from ..render.conftest import decode_video
from ._fcp7_xml import clipitem, file_xml, sequence

MEDIA_FRAMES = 120


def remap(
    speed: str, reverse: str = "FALSE", variable: str = "0", enabled: str = "TRUE", keys: str = ""
) -> str:
    """A Time Remap filter as Premiere and Resolve write it."""
    return (
        f"<filter><enabled>{enabled}</enabled><effect><name>Time Remap</name><effectid>timeremap</effectid>"
        "<effectcategory>motion</effectcategory><effecttype>motion</effecttype><mediatype>video</mediatype>"
        "<parameter><parameterid>variablespeed</parameterid><name>variablespeed</name>"
        f"<value>{variable}</value></parameter>"
        "<parameter><parameterid>speed</parameterid><name>speed</name><valuemin>-100000</valuemin>"
        f"<valuemax>100000</valuemax><value>{speed}</value>{keys}</parameter>"
        f"<parameter><parameterid>reverse</parameterid><name>reverse</name><value>{reverse}</value></parameter>"
        "<parameter><parameterid>frameblending</parameterid><name>frameblending</name><value>FALSE</value>"
        "</parameter></effect></filter>"
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[Fraction, Path]:
    folder = tmp_path_factory.mktemp("fcp7-speed")
    return {
        r: make_clip(
            folder / f"m{k}.mov", width=64, height=48, rate=r, frames=MEDIA_FRAMES, tag=k + 1, audio=False
        )
        for k, r in enumerate([Fraction(24), Fraction(30000, 1001), Fraction(25)])
    }


def _import(path: Path) -> Project:
    logging.disable(logging.WARNING)
    try:
        return read_otio(path)
    finally:
        logging.disable(logging.NOTSET)


def _file(tmp_path: Path, media: Path, rate: Fraction, timeline: int, src: int, source: int, fx: str) -> Path:
    """A plain clip, then one at timeline frames 10..10+``timeline`` showing media ``src``..``src+source``."""
    timecode = "01:00:00;00" if rate.denominator == 1001 else "01:00:00:00"
    first = clipitem("plain", rate, 0, 10, 0, 10, file_xml(media, rate, MEDIA_FRAMES, timecode), MEDIA_FRAMES)
    changed = clipitem("fx", rate, 10, 10 + timeline, src, src + source, "<file id='f1'/>" + fx, MEDIA_FRAMES)
    return sequence(tmp_path / "s.xml", rate, [first, changed])


SPEEDS = [  # (speed, reverse parameter, timeline frames, source frames, speed, reversed)
    ("50", "FALSE", 40, 20, Fraction(1, 2), False),
    ("200", "FALSE", 10, 20, Fraction(2), False),
    ("25", "FALSE", 40, 10, Fraction(1, 4), False),
    ("100", "TRUE", 20, 20, Fraction(1), True),
    ("50", "TRUE", 40, 20, Fraction(1, 2), True),
    ("-100", "FALSE", 20, 20, Fraction(1), True),  # reverse written as a negative speed
    ("-50", "TRUE", 40, 20, Fraction(1, 2), True),  # and as both
]


@pytest.mark.parametrize("rate", [Fraction(24), Fraction(30000, 1001), Fraction(25)], ids=str)
@pytest.mark.parametrize(("speed", "reverse", "timeline", "source", "want", "backwards"), SPEEDS)
def test_a_constant_time_remap_is_the_clips_speed(
    media: dict[Fraction, Path],
    tmp_path: Path,
    rate: Fraction,
    speed: str,
    reverse: str,
    timeline: int,
    source: int,
    want: Fraction,
    backwards: bool,
) -> None:
    path = _file(tmp_path, media[rate], rate, timeline, 30, source, remap(speed, reverse))
    project = _import(path)
    clip = project.tracks[0].items[1]
    assert isinstance(clip, Clip)
    assert clip.speed == want
    assert [e.kind for e in clip.effects] == (["reverse"] if backwards else [])
    assert clip.source_range.start.to_frames(rate) == 30
    assert clip.source_range.duration.to_frames(rate) == source
    assert (clip.start.to_frames(rate), clip.frames(rate)) == (10, timeline)
    assert project.metadata.get("import_notes") is None


@pytest.mark.parametrize(
    ("fx", "note"),
    [
        (remap("50", variable="1"), "'Time Remap (variable speed)' is not rendered"),
        (remap("50", keys="<keyframe><when>0</when><value>50</value></keyframe>"), "(variable speed)"),
        (remap("50", enabled="FALSE"), "'Time Remap' is not rendered"),
    ],
)
def test_a_time_remap_it_cannot_play_is_named_in_the_note(
    media: dict[Fraction, Path], tmp_path: Path, fx: str, note: str
) -> None:
    rate = Fraction(24)
    project = _import(_file(tmp_path, media[rate], rate, 20, 30, 20, fx))
    clip = project.tracks[0].items[1]
    assert isinstance(clip, Clip) and clip.speed == 1
    notes = project.metadata.get("import_notes") or []
    assert len(notes) == 1 and note in notes[0] and notes[0].startswith("tracks[0][1]")


@pytest.mark.parametrize(
    ("speed", "reverse", "shown"),
    [("50", "FALSE", [30, 30, 31, 31, 32, 32]), ("100", "TRUE", [35, 34, 33, 32, 31, 30])],
)
def test_the_render_shows_the_remapped_frames(
    media: dict[Fraction, Path], tmp_path: Path, speed: str, reverse: str, shown: list[int]
) -> None:
    rate = Fraction(24)
    project = _import(_file(tmp_path, media[rate], rate, 6, 30, len(set(shown)), remap(speed, reverse)))
    out = Studio(workspace=tmp_path).render(project, tmp_path / "o.mp4", progress=False, frames=(10, 16))
    assert [read_frame_index(f)[0] for f in decode_video(out)] == shown
