"""widgets/_sync_lock.py: a three-point insert and a paste insert ripple every unlocked track alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab import Studio, titles
from timeline_lab.model import Project
from timeline_lab.model.io import dumps
from timeline_lab.widgets._three_point import three_point_edit
from timeline_lab.widgets.clipboard import copy, paste_ops


def _project(studio: Studio, media: dict[str, Path], locked: bool) -> Project:
    """V1 picture and A1 its sound (0..30 and 30..50), a caption at 12..22, A2 ending at frame 4."""
    p = studio.new_project("sync", width=160, height=120, frame_rate=25)
    v1 = p.tracks[0]
    a1 = p.add_track("audio", "A1")
    a2 = p.add_track("audio", "A2")
    for track in (v1, a1):
        track.append(studio.clip(media["pal"], 0, 30, name="one"))
        track.append(studio.clip(media["pal"], 5, 20, name="two"))
    a2.append(studio.clip(media["pal"], 0, 4, name="early"))
    titles.place(p, titles.caption(p, "said here", duration=10), at=12)
    if locked:
        a1.configure(locked=True)
    return p


def _layout(p: Project) -> dict[str, list[tuple[str, int, int]]]:
    rate = p.settings.frame_rate
    return {t.name: [(i.label(), i.start.to_frames(rate), i.frames(rate)) for i in t.items] for t in p.tracks}


def _shifted(items: list[tuple[str, int, int]], at: int, by: int) -> list[tuple[str, int, int]]:
    """What a track's items become when ``by`` frames open at ``at`` (the item there split)."""
    out = []
    for name, start, n in items:
        if start >= at:
            out.append((name, start + by, n))
        elif start + n > at:
            out += [(name, start, at - start), (name, at + by, start + n - at)]
        else:
            out.append((name, start, n))
    return out


@pytest.mark.parametrize("at", [0, 10, 12, 17, 30, 49, 50])
@pytest.mark.parametrize("locked", [False, True])
def test_three_point_insert_ripples_every_unlocked_track(
    studio: Studio, media: dict[str, Path], at: int, locked: bool
) -> None:
    p = _project(studio, media, locked)
    before, saved = _layout(p), dumps(p)
    ref = studio.media(media["ntsc"])
    clip, _ = three_point_edit(p, ref, 3, 14, at, p.tracks[0].id, "insert")
    n = clip.frames(p.settings.frame_rate)
    after = _layout(p)
    assert after["V1"] == sorted([*_shifted(before["V1"], at, n), (ref.name, at, n)], key=lambda x: x[1])
    assert after["A1"] == (before["A1"] if locked else _shifted(before["A1"], at, n))
    assert after["A2"] == _shifted(before["A2"], at, n)  # ends at 4: rippled only when it reaches ``at``
    caption = next(name for name in after if name.startswith("caption"))
    assert after[caption] == _shifted(before[caption], at, n)
    p.undo()  # one undo step
    assert dumps(p) == saved


@pytest.mark.parametrize("at", [0, 12, 17, 40])
@pytest.mark.parametrize("locked", [False, True])
def test_paste_insert_ripples_the_same_tracks_as_a_three_point_insert(
    studio: Studio, media: dict[str, Path], at: int, locked: bool
) -> None:
    p = _project(studio, media, locked)
    v1 = p.tracks[0]
    data = copy(p, [v1.items[1].id])
    before, saved = _layout(p), dumps(p)
    with p.group("paste"):
        for op in paste_ops(p, data, v1.id, at, "insert"):
            p.apply(op)
    after = _layout(p)
    assert after["A1"] == (before["A1"] if locked else _shifted(before["A1"], at, 20))
    assert after["A2"] == _shifted(before["A2"], at, 20)
    caption = next(name for name in after if name.startswith("caption"))
    assert after[caption] == _shifted(before[caption], at, 20)
    p.undo()
    assert dumps(p) == saved


def test_overwrite_moves_no_other_track(studio: Studio, media: dict[str, Path]) -> None:
    p = _project(studio, media, locked=False)
    before = _layout(p)
    three_point_edit(p, studio.media(media["ntsc"]), 3, 14, 10, p.tracks[0].id, "overwrite")
    after = _layout(p)
    assert {k: v for k, v in after.items() if k != "V1"} == {k: v for k, v in before.items() if k != "V1"}
