"""FCPX XML as Final Cut writes it, laid out where its times say (review 68, items 3, 4, 5, 8, 9):
the adapter counted from 0 instead of ``tcStart`` (an hour of black), compared frame counts at
different rates (black and shifts around a 30 fps clip in a 24 fps project), read a ``<clip>``'s
own ``<audio lane="-1">`` as a second picture clip, dropped transitions and ``enabled="0"``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.studio import Studio

from ..render.conftest import decode_video


def _t(frames: int | Fraction, rate: Fraction) -> str:
    """``frames`` at ``rate`` as an FCPX time."""
    s = Fraction(frames) / rate
    return f"{s.numerator}s" if s.denominator == 1 else f"{s.numerator}/{s.denominator}s"


def _fcpx(path: Path, formats: dict[str, Fraction], assets: dict[str, tuple[Path, str]], seq: str) -> Path:
    """An FCPX 1.9 document: ``formats`` id -> rate, ``assets`` id -> (file, format), one project."""
    fmt = "".join(
        f'<format id="{k}" frameDuration="{_t(1, r)}" width="64" height="48"/>' for k, r in formats.items()
    )
    res = "".join(
        f'<asset id="{k}" name="{p.stem}" start="0s" duration="{_t(48, formats[f])}" hasVideo="1" '
        f'hasAudio="1" format="{f}" src="{p.as_uri()}"/>'
        for k, (p, f) in assets.items()
    )
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n<fcpxml version="1.9">'
        f'<resources>{fmt}{res}</resources><library><event name="ev"><project name="proj">{seq}'
        "</project></event></library></fcpxml>"
    )
    return path


def _shown(tmp_path: Path, project: Project) -> list[tuple[int, int] | None]:
    out = Studio(workspace=tmp_path).render(project, tmp_path / "out.mp4", progress=False)
    return [read_frame_index(f) if f.mean() > 8 else None for f in decode_video(out)]


def _media(tmp_path: Path, name: str, rate: Fraction, tag: int) -> Path:
    return make_clip(tmp_path / name, width=64, height=48, rate=rate, frames=48, tag=tag)


@pytest.mark.parametrize("rate", [Fraction(24), Fraction(25), Fraction(24000, 1001)])
@pytest.mark.parametrize("tc_start", [Fraction(0), Fraction(3600), Fraction(10)])
def test_the_story_counts_from_tc_start_and_switched_off_clips_stay_off(
    tmp_path: Path, rate: Fraction, tc_start: Fraction
) -> None:
    a, b = _media(tmp_path, "a.mp4", rate, 1), _media(tmp_path, "b.mp4", rate, 2)
    at = lambda frames: _t(tc_start * rate + frames, rate)  # noqa: E731 (on the sequence's clock)
    seq = (
        f'<sequence format="r1" duration="{_t(30, rate)}" tcStart="{_t(tc_start * rate, rate)}"><spine>'
        f'<asset-clip ref="a" offset="{at(0)}" name="a" start="{_t(10, rate)}" duration="{_t(10, rate)}"/>'
        f'<gap name="Gap" offset="{at(10)}" start="3600s" duration="{_t(10, rate)}">'
        f'<asset-clip ref="b" lane="1" offset="{_t(3600 * rate + 2, rate)}" name="conn" '
        f'start="{_t(30, rate)}" duration="{_t(5, rate)}"/></gap>'
        f'<asset-clip ref="b" offset="{at(20)}" name="off" start="{_t(40, rate)}" duration="{_t(8, rate)}" '
        'enabled="0"/></spine></sequence>'
    )
    project = read_otio(_fcpx(tmp_path / "p.fcpxml", {"r1": rate}, {"a": (a, "r1"), "b": (b, "r1")}, seq))
    assert [(i.name, i.enabled) for t in project.tracks for i in t.items] == [
        ("a", True),
        ("off", False),
        ("conn", True),
    ]
    want = [(n, 1) for n in range(10, 20)] + [None] * 2 + [(n, 2) for n in range(30, 35)] + [None] * 13
    assert _shown(tmp_path, project) == want


@pytest.mark.parametrize(("other", "frames"), [(Fraction(30), 30), (Fraction(25), 25), (Fraction(60), 60)])
def test_a_clip_at_another_rate_leaves_no_black_and_moves_nothing(
    tmp_path: Path, other: Fraction, frames: int
) -> None:
    r = Fraction(24)
    a, p = (
        _media(tmp_path, "a.mp4", r, 1),
        make_clip(tmp_path / "p.mp4", width=64, height=48, rate=other, frames=90, tag=2),
    )
    seq = (
        f'<sequence format="r1" duration="3s" tcStart="0s"><spine>'
        '<asset-clip ref="a" offset="0s" name="a" start="0s" duration="1s" format="r1"/>'
        f'<asset-clip ref="p" offset="1s" name="p" start="0s" duration="{_t(frames, other)}" format="r2"/>'
        '<asset-clip ref="a" offset="2s" name="a2" start="1s" duration="1s" format="r1"/></spine></sequence>'
    )
    doc = _fcpx(tmp_path / "m.fcpxml", {"r1": r, "r2": other}, {"a": (a, "r1"), "p": (p, "r2")}, seq)
    project = read_otio(doc)
    ((video),) = [t for t in project.tracks if t.kind == "video"]
    assert [(i.start.to_frames(r), i.frames(r)) for i in video.items] == [(0, 24), (24, 24), (48, 24)]
    shown = _shown(tmp_path, project)
    assert len(shown) == 72 and None not in shown
    assert shown[:24] == [(n, 1) for n in range(24)] and shown[48:] == [(n, 1) for n in range(24, 48)]
    assert [tag for _, tag in shown[24:48]] == [2] * 24


@pytest.mark.parametrize("rate", [Fraction(24), Fraction(25)])
@pytest.mark.parametrize("lane", ['lane="-1" ', ""])
def test_a_clips_own_audio_is_sound_under_it_not_a_second_picture(
    tmp_path: Path, rate: Fraction, lane: str
) -> None:
    a, b = _media(tmp_path, "a.mp4", rate, 1), _media(tmp_path, "b.mp4", rate, 2)
    seq = (
        f'<sequence format="r1" duration="2s" tcStart="0s"><spine>'
        f'<clip name="synced" offset="0s" duration="1s" start="0s" format="r1">'
        f'<video ref="a" offset="0s" duration="2s" start="0s"/>'
        f'<audio ref="a" {lane}offset="0s" duration="2s" start="0s" role="dialogue"/></clip>'
        '<asset-clip ref="b" offset="1s" name="b" start="0s" duration="1s" format="r1"/></spine></sequence>'
    )
    project = read_otio(_fcpx(tmp_path / "c.fcpxml", {"r1": rate}, {"a": (a, "r1"), "b": (b, "r1")}, seq))
    layout = {t.kind: [(i.name, i.start.to_frames(rate)) for i in t.items] for t in project.tracks}
    n = int(rate)
    assert layout == {"audio": [("synced", 0)], "video": [("synced", 0), ("b", n)]}
    assert _shown(tmp_path, project) == [(k, 1) for k in range(n)] + [(k, 2) for k in range(n)]


@pytest.mark.parametrize(("before", "after"), [(4, 4), (2, 6), (6, 2), (1, 1)])
def test_a_transition_is_a_dissolve_around_its_cut(tmp_path: Path, before: int, after: int) -> None:
    r = Fraction(24)
    a, b = _media(tmp_path, "a.mp4", r, 1), _media(tmp_path, "b.mp4", r, 2)
    seq = (
        f'<sequence format="r1" duration="{_t(40, r)}" tcStart="0s"><spine>'
        f'<asset-clip ref="a" offset="0s" name="a" start="{_t(10, r)}" duration="{_t(20, r)}"/>'
        f'<transition name="Cross Dissolve" offset="{_t(20 - before, r)}" '
        f'duration="{_t(before + after, r)}"/>'
        f'<asset-clip ref="b" offset="{_t(20, r)}" name="b" start="{_t(10, r)}" duration="{_t(20, r)}"/>'
        "</spine></sequence>"
    )
    project = read_otio(_fcpx(tmp_path / "t.fcpxml", {"r1": r}, {"a": (a, "r1"), "b": (b, "r1")}, seq))
    ((video),) = [t for t in project.tracks if t.kind == "video"]
    (tr,) = video.transitions
    first, second = video.items
    assert isinstance(first, Clip) and isinstance(second, Clip)
    assert (tr.from_clip, tr.to_clip) == (first.id, second.id)
    assert (tr.in_offset.to_frames(r), tr.duration.to_frames(r)) == (before, before + after)
    assert "import_notes" not in project.metadata
    shown = _shown(tmp_path, project)
    assert shown[: 20 - before] == [(n, 1) for n in range(10, 30 - before)]
    assert shown[20 + after :] == [(n, 2) for n in range(10 + after, 30)]
