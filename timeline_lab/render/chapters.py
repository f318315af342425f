"""Chapters from the timeline's markers: container chapters (MP4, MKV) and YouTube's chapter list.

Which markers are chapters follows the desktop editors: Resolve exports the markers of one colour,
Premiere its "chapter" markers. ``select`` is ``"auto"`` (point markers, which people place with
the M key; span markers such as recognition hits are regions, not chapters), ``"all"``, ``"none"``
or a ``#rrggbb`` colour. A chapter runs from its marker to the next one (the last to the end).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from ..model import Project
from ..model.marker import Marker

if TYPE_CHECKING:
    from av.container.core import Chapter as AvChapter

__all__ = [
    "CHAPTER_CONTAINERS",
    "Chapter",
    "chapters",
    "check_select",
    "container_chapters",
    "youtube_chapters",
]

CHAPTER_CONTAINERS = frozenset({"mp4", "mov", "ipod", "matroska", "webm"})
"""Containers PyAV writes chapters into (MP4/MOV as a QuickTime chapter track, Matroska natively)."""
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_YOUTUBE_MIN_CHAPTERS = 3
_YOUTUBE_MIN_SECONDS = 10


@dataclass(frozen=True)
class Chapter:
    """A titled span of the output, in exact project frames."""

    start: int
    end: int
    title: str


def _chosen(marker: Marker, select: str) -> bool:
    if select == "all":
        return True
    if select == "auto":
        return marker.duration.value == 0
    return marker.color.lower() == select.lower()


def check_select(select: str) -> None:
    """Refuse a chapter choice that is not one of the known ones (named, like other settings)."""
    if select not in ("auto", "all", "none") and not _COLOUR.match(select):
        msg = f"chapters: expected 'auto', 'all', 'none' or a colour like '#ffcc00', got {select!r}"
        raise ValueError(msg)


def chapters(project: Project, select: str = "auto") -> list[Chapter]:
    """The chapters the chosen markers make, in time order, within the project's length.

    Markers at or past the end are left out, and of markers on the same frame the first names the
    chapter. When the first chapter starts after frame 0 the opening stays outside any chapter.
    Whitespace in a title (line breaks, tabs, runs of spaces) becomes one space: a chapter title is
    one line of a YouTube description and of a player's chapter menu.
    """
    check_select(select)
    if select == "none":
        return []
    rate = project.settings.frame_rate
    end = max((t.frames() for t in project.tracks), default=0)
    starts: dict[int, str] = {}
    for marker in (m for m in project.markers if _chosen(m, select)):
        frame = marker.time.to_frames(rate)
        if 0 <= frame < end and frame not in starts:
            starts[frame] = " ".join((marker.name or marker.note).split())  # one line: a list entry
    frames = sorted(starts)
    ends = [*frames[1:], end][: len(frames)]
    return [
        Chapter(f, e, starts[f] or f"Chapter {n + 1}")
        for n, (f, e) in enumerate(zip(frames, ends, strict=True))
    ]


def container_chapters(found: Iterable[Chapter], rate: Fraction) -> list[AvChapter]:
    """Chapters as PyAV's ``OutputContainer.set_chapters`` takes them (time base 1/rate: exact).

    MP4 stores chapter times in milliseconds, so there they are exact to the nearest millisecond.
    FFmpeg's MOV/MP4 muxer writes chapters back to back from 0 (each lasts until the next starts),
    so when the first chapter starts later an untitled one covers the opening; every container gets
    it, so all renders carry the same chapters.
    """
    base = Fraction(rate.denominator, rate.numerator)
    spans = [(c.start, c.end, {"title": c.title}) for c in found]
    if spans and spans[0][0] > 0:
        spans.insert(0, (0, spans[0][0], {"title": ""}))
    return [
        {"id": n + 1, "start": start, "end": end, "time_base": base, "metadata": meta}
        for n, (start, end, meta) in enumerate(spans)
    ]


def _stamp(frame: int, rate: Fraction, hours: bool) -> str:
    secs = int(Fraction(frame) / rate)  # YouTube reads whole seconds: the chapter's second, floored
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if hours else f"{m}:{s:02d}"


def youtube_chapters(project: Project, select: str = "auto", *, strict: bool = True) -> str:
    """The chapter list to paste into a YouTube description (``0:00 Intro`` per line).

    YouTube shows chapters only when the first starts at 0:00, there are at least three, and each
    lasts at least ten seconds; ``strict`` raises naming the first rule broken (and the marker),
    ``strict=False`` returns the list anyway.
    """
    found = chapters(project, select)
    rate = project.settings.frame_rate
    if strict:
        _youtube_rules(found, rate)
    hours = bool(found) and found[-1].start / rate >= 3600
    return "".join(f"{_stamp(c.start, rate, hours)} {c.title}\n" for c in found)


def _youtube_rules(found: list[Chapter], rate: Fraction) -> None:
    if len(found) < _YOUTUBE_MIN_CHAPTERS:
        need = _YOUTUBE_MIN_CHAPTERS
        msg = f"chapters: YouTube needs at least {need} chapters, the markers make {len(found)}"
        raise ProjectError(msg)
    if found[0].start != 0:
        first = found[0].start
        msg = f"chapters: YouTube needs the first chapter at 0:00; the first marker is at frame {first}"
        raise ProjectError(msg)
    for c in found:
        if (c.end - c.start) / rate < _YOUTUBE_MIN_SECONDS:
            secs = float((c.end - c.start) / rate)
            msg = f"chapters: {c.title!r} lasts {secs:.2f} s; YouTube needs at least {_YOUTUBE_MIN_SECONDS} s"
            raise ProjectError(msg)
