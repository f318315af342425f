"""An edit's work does not grow with its track (issue 14's goal, flat as the track grows), counted,
not timed: lookups by id, applied ripples (item copies), whole flushes, transitions looked at and
the list elements scanned to place a block or a transition are the same on a track of 300 clips as
on one of 3,000, transitions every fourth cut, after a ripple near the start left every later block
with a pending offset. The scan of every transition (cut_into, check_around, split, delete, move,
remove) and each transition's clip lookups made them grow with the track, and so did finding a
block or a transition's index by scanning the list of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from fractions import Fraction
from typing import Any, ClassVar
from unittest import mock

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
    _item_blocks,
)
from timeline_lab.model._item_blocks import Blocks

RATE = Fraction(25)
LEN = 20
MEDIA = MediaReference(
    path="/media/a.mp4", rate=25, has_audio=True, available_range=TimeRange.from_frames(0, 400, 25)
)
SIZES = (300, 3000)
COPIES = 4 * 64  # a few blocks' items (blocks hold at most 64)


def clip(name: str, start: int | None = None, frames: int = LEN) -> Clip:
    c = Clip(id=name, media=MEDIA, source_range=TimeRange.from_frames(100, frames, 25))
    return c if start is None else c.model_copy(update={"start": RationalTime.from_frames(start, 25)})


def dissolve(name: str, a: str, b: str) -> Transition:
    return Transition(id=name, from_clip=a, to_clip=b, duration=RationalTime.from_frames(6, 25))


def track_of(n: int, track_id: str = "trk_0") -> Track:
    """``n`` clips back to back, a dissolve on every fourth cut (into clip 4j)."""
    items = [clip(f"{track_id}_c{k:05d}", k * LEN) for k in range(n)]
    trs = [dissolve(f"{track_id}_x{k:05d}", items[k - 1].id, items[k].id) for k in range(4, n, 4)]
    return Track(id=track_id, items=items, transitions=trs)


def project_of(n: int) -> tuple[Project, Track]:
    p = Project(settings=ProjectSettings(frame_rate=RATE), tracks=[track_of(n)])
    p.tracks[0].trim_out(p.tracks[0].items[2].id, -1, ripple=True)  # every later block: an offset
    p.history.clear()
    return p, p.tracks[0]


class _Scanned(list[Any]):
    """A list that counts the elements its ``index`` scans (a lookup by position in a long list)."""

    counts: ClassVar[Counter[str]] = Counter()

    def index(self, value: Any, *args: Any) -> int:
        try:
            found = super().index(value, *args)
        except ValueError:
            _Scanned.counts["scanned"] += len(self)
            raise
        _Scanned.counts["scanned"] += found + 1
        return found


def watch_scans(track: Track) -> None:
    """Count the scans of the lists that find a block or a transition's position (in C: not calls)."""
    items, transitions = track._items(), track._transitions()
    object.__setattr__(items, "_tok", _Scanned(items._tok))
    object.__setattr__(transitions, "_keys", _Scanned(transitions._keys))


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """Counts of the work an edit does that could grow with the track."""
    counts: ClassVar[Counter[str]] = Counter()
    find, flush, shifted, handles = Track.find, Blocks.flush, _item_blocks.shifted, Transition.handles

    def count(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kw: Any) -> Any:
            counts[name] += 1
            return fn(*args, **kw)

        return counted

    def read(self: Transition, name: str) -> Any:
        counts["transition reads"] += 1  # a scan of every transition reads each one's clip ids
        return object.__getattribute__(self, name)

    _Scanned.counts = counts
    with (
        mock.patch.object(Transition, "__getattribute__", read),
        mock.patch.object(Track, "find", count("find", find)),
        mock.patch.object(Blocks, "flush", count("flush", flush)),
        mock.patch.object(_item_blocks, "shifted", count("copies", shifted)),
        mock.patch.object(Transition, "handles", count("handles", handles)),
    ):
        yield counts


def _mid(track: Track) -> int:
    """A clip in the middle that a dissolve leads into (index 4j)."""
    return len(track.items) // 8 * 4


def _insert(t: Track) -> None:
    t.insert(clip("new"), t.items[_mid(t) + 1].start.to_frames(RATE) + 5)


def _pair(t: Track) -> tuple[str, str]:
    """Two clips with no transition between them."""
    return t.items[_mid(t) + 1].id, t.items[_mid(t) + 2].id


def _insert_at_dissolve(t: Track) -> None:
    t.insert(clip("new"), t.items[_mid(t)].start.to_frames(RATE))


EDITS: dict[str, Callable[[Track], object]] = {
    "append": lambda t: t.append(clip("new")),
    "insert": _insert,
    "insert at a dissolve (refused)": _insert_at_dissolve,
    "overwrite": lambda t: t.overwrite(clip("new", frames=5), t.items[_mid(t)].start.to_frames(RATE) + 2),
    "split after a dissolve": lambda t: t.split(t.items[_mid(t)].start.to_frames(RATE) + 10),
    "split before a dissolve": lambda t: t.split(t.items[_mid(t) - 1].start.to_frames(RATE) + 10),
    "trim ripple": lambda t: t.trim_out(t.items[_mid(t) + 1].id, -2, ripple=True),
    "ripple delete": lambda t: t.ripple_delete(t.items[_mid(t)].id),
    "lift": lambda t: t.lift(t.items[_mid(t) - 1].id),
    "move": lambda t: t.move(t.items[_mid(t)].id, t.items_end() + 10),
    "slide": lambda t: t.slide(t.items[_mid(t) + 2].id, 1),
    "add transition": lambda t: t.add_transition(dissolve("new_x", *_pair(t))),
    "remove transition": lambda t: t.remove_transition(t.transitions[len(t.transitions) // 2].id),
}


def work(n: int, edit: Callable[[Track], object]) -> list[Counter[str]]:
    """The counts of the edit, its undo and its redo on a track of ``n`` clips."""
    p, t = project_of(n)
    watch_scans(t)
    out = []
    for step in (lambda: edit(t), p.undo, p.redo):
        with counting() as counts, suppress(ProjectError):
            step()
        out.append(counts)
    return out


@pytest.mark.parametrize("name", list(EDITS))
def test_an_edit_costs_the_same_on_a_ten_times_longer_track(name: str) -> None:
    small, big = (work(n, EDITS[name]) for n in SIZES)
    for short, long in zip(small, big, strict=True):
        assert long["flush"] == short["flush"] == 0
        assert long["find"] == short["find"]
        assert long["handles"] == short["handles"]
        assert long["transition reads"] == short["transition reads"]
        assert long["scanned"] <= 2 * short["scanned"] + 64
        assert long["copies"] <= COPIES and short["copies"] <= COPIES
