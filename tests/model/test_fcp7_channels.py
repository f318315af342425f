"""FCP 7 and Resolve XML write a stereo clip as two sound tracks, one channel each (``<sourcetrack>
<trackindex>`` 1 and 2); a clip here plays all its file's channels, so both tracks played the whole
file and the sound came out twice as loud, with no note. The channels of one clip are one clip."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project
from timeline_lab.studio import Studio

from ._fcp7_xml import clipitem, file_xml, sequence

RATE = Fraction(24)
FRAMES = 48


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("fcp7-channels")
    return (
        make_clip(folder / "a.mov", width=64, height=48, rate=RATE, frames=FRAMES, tag=1, channels=2),
        make_clip(folder / "b.mov", width=64, height=48, rate=RATE, frames=FRAMES, tag=2, tone_hz=660),
    )


def _sound(cid: str, fid: str, start: int, end: int, src: int, channel: int | None) -> str:
    """A sound clip of file ``fid`` (declared on the picture track) playing ``channel`` (None: all)."""
    track = f"<sourcetrack><mediatype>audio</mediatype><trackindex>{channel}</trackindex></sourcetrack>"
    inner = f"<file id='{fid}'/>" + (track if channel is not None else "")
    return clipitem(cid, RATE, start, end, src, src + end - start, inner, FRAMES)


def _file(tmp_path: Path, media: tuple[Path, Path], audio: list[str], attrs: list[str] | None = None) -> Path:
    """Picture clips declaring both files, and the sound tracks ``audio``."""
    a = clipitem("va", RATE, 0, 20, 4, 24, file_xml(media[0], RATE, FRAMES, "01:00:00:00", "fa"), FRAMES)
    b = clipitem("vb", RATE, 20, 30, 0, 10, file_xml(media[1], RATE, FRAMES, None, "fb"), FRAMES)
    path = sequence(tmp_path / "s.xml", RATE, [a, b], audio)
    if attrs:  # Premiere's exploded stereo tracks: attributes on each sound <track>
        head, tail = path.read_text().split("</video><audio>")
        for x in attrs:
            tail = tail.replace("<track>", f"<track {x}>", 1)
        path.write_text(f"{head}</video><audio>{tail}")
    return path


def _import(path: Path) -> Project:
    logging.disable(logging.WARNING)
    try:
        return read_otio(path)
    finally:
        logging.disable(logging.NOTSET)


def _sound_layout(project: Project) -> list[list[tuple[str, int, int, int]]]:
    """Each sound track's clips as (file name, timeline start, frames, first source frame)."""
    return [
        [
            (
                Path(c.media.path).name,
                c.start.to_frames(RATE),
                c.frames(RATE),
                c.source_range.start.to_frames(RATE),
            )
            for c in t.items
        ]
        for t in project.tracks
        if t.kind == "audio"
    ]


A = ("a.mov", 0, 20, 4)
B = ("b.mov", 20, 10, 0)
CASES = [  # (sound tracks, what they read as)
    ([_sound("1", "fa", 0, 20, 4, 1), _sound("2", "fa", 0, 20, 4, 2)], [[A]]),
    ([_sound(str(n), "fa", 0, 20, 4, n) for n in (1, 2, 3, 4)], [[A]]),  # four channels, four tracks
    (
        [_sound("1", "fa", 0, 20, 4, 1) + _sound("b1", "fb", 20, 30, 0, 1), _sound("2", "fa", 0, 20, 4, 2)],
        [[A, B]],
    ),
    (  # the second track also holds a clip of its own: it stays, a gap where the channel was
        [_sound("1", "fa", 0, 20, 4, 1), _sound("2", "fa", 0, 20, 4, 2) + _sound("b2", "fb", 20, 30, 0, 1)],
        [[A], [B]],
    ),
    ([_sound("1", "fa", 0, 20, 4, 1), _sound("2", "fa", 0, 20, 4, 1)], [[A], [A]]),  # one channel twice
    ([_sound("1", "fa", 0, 20, 4, 1), _sound("2", "fa", 0, 20, 5, 2)], [[A], [("a.mov", 0, 20, 5)]]),
    ([_sound("1", "fa", 0, 20, 4, 1), _sound("2", "fa", 1, 21, 4, 2)], [[A], [("a.mov", 1, 20, 4)]]),
    ([_sound("1", "fa", 0, 20, 4, None), _sound("2", "fa", 0, 20, 4, None)], [[A], [A]]),  # no channels named
]


@pytest.mark.parametrize(("audio", "expected"), CASES)
def test_the_channels_of_one_clip_are_one_clip(
    media: tuple[Path, Path],
    tmp_path: Path,
    audio: list[str],
    expected: list[list[tuple[str, int, int, int]]],
) -> None:
    project = _import(_file(tmp_path, media, audio))
    assert _sound_layout(project) == expected
    gone = sum(a.count("<clipitem") for a in audio) - sum(len(t) for t in expected)
    merged = [n for n in project.metadata.get("import_notes", []) if "channel" in n]
    assert [n.split(" of a file")[0] for n in merged] == (
        [f"{gone} sound clip(s) playing one more channel"] if gone else []
    )


def test_premieres_exploded_stereo_stays_one_clip(media: tuple[Path, Path], tmp_path: Path) -> None:
    audio = [_sound("1", "fa", 0, 20, 4, 1), _sound("2", "fa", 0, 20, 4, 2)]
    attrs = [
        f'currentExplodedTrackIndex="{n}" totalExplodedTrackCount="2" premiereTrackType="Stereo"'
        for n in (0, 1)
    ]
    project = _import(_file(tmp_path, media, audio, attrs))
    assert _sound_layout(project) == [[A]]


def _peak(path: Path) -> float:
    with av.open(str(path)) as c:
        return max(float(np.abs(f.to_ndarray()).max()) for f in c.decode(audio=0))


def test_the_render_plays_the_file_once(media: tuple[Path, Path], tmp_path: Path) -> None:
    project = _import(
        _file(tmp_path, media, [_sound("1", "fa", 0, 20, 4, 1), _sound("2", "fa", 0, 20, 4, 2)])
    )
    studio = Studio(workspace=tmp_path)
    once = studio.new_project("once", width=64, height=48, frame_rate=RATE)
    once.add_track("audio").append(studio.clip(media[0], 4, 20))
    out, ref = tmp_path / "o.wav", tmp_path / "r.wav"
    studio.render(project, out, progress=False, frames=(0, 20))
    studio.render(once, ref, progress=False)
    assert _peak(out) == pytest.approx(_peak(ref), rel=0.02)
