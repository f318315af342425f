"""CMX 3600 events of one track, timed exactly on the project's frames (OpenTimelineIO's writer sums
float times: mixed-rate clips overlapped by a frame, and it wrote speed changes' source spans divided
by the speed, reverse from the wrong end and M2 lines no reader takes).

Source times are written at the project rate, as an EDL has one rate: a clip's first source frame
as the first project frame inside that media frame (the import puts a source time back on the media
frame it falls in, so the same frames come back where a project frame is no longer than a media
frame). A speed change is its record span of source at the speed (an ``M2`` line in the fixed CMX
columns); reverse starts at the first frame it shows, its speed negative; a freeze is one frame at
speed 0.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from ..model.time import RationalTime
from ._otio_common import MAX_PICTURE_RATE, exact, exact_rate

__all__ = ["REEL_LENGTH", "Event", "Reels", "motion_line", "track_events"]

REEL_LENGTH = 32
"""Reel names as long as File32 EDLs keep them (Avid, Resolve and Premiere read them): CMX 3600's
own 8 cut camera files' names (``A001C002_230101_R1AB_CAMERA_A_01`` and ``..._02``) to one reel."""


@dataclass
class Reels:
    """The reel names of one EDL: each source's own (the reel it came with, else its file's name),
    cut to ``REEL_LENGTH`` and made distinct where different sources' cut names meet; in CMX 3600's
    8-character column, or File32's 32 where one is longer (see :meth:`of`)."""

    names: dict[tuple[str, str], str] = field(default_factory=dict)
    renamed: list[str] = field(default_factory=list)
    """What was renamed to stay distinct ("long name -> reel"), for the export to say once."""
    width: int = 8

    @classmethod
    def of(cls, clips: list[otio.schema.Clip]) -> Reels:
        """Every clip's reel named up front, so that each event's reel column is as wide."""
        reels = cls()
        for clip in clips:
            reels.reel(clip)
        reels.width = 8 if all(len(n) <= 8 for n in reels.names.values()) else REEL_LENGTH
        return reels

    @property
    def black(self) -> str:
        """The black (``BL``) reel in the column's width."""
        return "BL".ljust(self.width)

    def reel(self, clip: otio.schema.Clip) -> str:
        """The clip's reel, padded to the column's width."""
        kept = clip.metadata.get("cmx_3600", {}).get("reel")
        url = _url(clip)
        key = ("reel", str(kept)) if kept else ("file", url) if url else ("name", clip.name)
        if key not in self.names:
            self.names[key] = self._new(clip, kept, url)
        return self.names[key].ljust(self.width)

    def _new(self, clip: otio.schema.Clip, kept: Any, url: str) -> str:
        given = str(kept) if kept else PurePosixPath(unquote(urlparse(url).path)).stem if url else clip.name
        wanted = re.sub(r"[^A-Za-z0-9_]", "", given)
        name, n, taken = wanted[:REEL_LENGTH] or "AX", 1, set(self.names.values()) - {"AX"}
        while name in taken:
            n += 1
            name = f"{wanted[: REEL_LENGTH - len(str(n)) - 1]}_{n}"
        if name != wanted and name != "AX":
            self.renamed.append(f"{given} -> {name}")
        return name


@dataclass(frozen=True)
class Event:
    """One numbered event: its line(s) without the number (a dissolve has two), then its notes."""

    lines: list[str]
    notes: list[str]


@dataclass(frozen=True)
class _Span:
    """A clip's place in the EDL: project frames, source in/out in the EDL's timecode frames."""

    reel: str
    src_in: int
    src_out: int
    rec_in: int
    rec_out: int
    fps: Fraction | None  # the M2 speed in frames a second (None: plays at its own speed)


def track_events(
    track: otio.schema.Track, channel: str, rate: Fraction, drop: bool, start: int, reels: Reels
) -> list[Event]:
    """The events of one track: each enabled clip, a dissolve as its two-line event; record times
    from ``start`` (the timeline's start timecode, in project frames), reels named by ``reels``
    (one for the whole EDL)."""
    children = list(track)
    if children and isinstance(children[-1], otio.schema.Transition):  # a fade out at the end: to black
        zero = otio.opentime.RationalTime(0, float(rate))
        children.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(zero, zero)))
    places = _places(children, rate, start)
    events: list[Event] = []
    for k, child in enumerate(children):
        if isinstance(child, otio.schema.Transition):
            continue
        before = children[k - 1] if k and isinstance(children[k - 1], otio.schema.Transition) else None
        if not _shown(child) and before is None:
            continue  # a gap or a switched-off clip: no event
        span = _span(child, children, k, places, rate, reels)
        if before is None:
            events.append(
                Event([_line(span, channel, "C", rate, drop)], _notes(child, span, "FROM", rate, drop))
            )
            continue
        outgoing = children[k - 2] if k >= 2 and _shown(children[k - 2]) else None
        length = _frames(before.in_offset, rate) + _frames(before.out_offset, rate)
        if outgoing is not None:
            a = _span(outgoing, children, k - 2, places, rate, reels)
            cut = _Span(a.reel, a.src_out, a.src_out, a.rec_out, a.rec_out, None)
            notes = [n for n in _notes(outgoing, a, "FROM", rate, drop) if not n.startswith("M2")]
        else:
            cut = _Span(reels.black, 0, 0, span.rec_in, span.rec_in, None)
            notes = []
        lines = [_line(cut, channel, "C", rate, drop), _line(span, channel, f"D {length:03d}", rate, drop)]
        to = _notes(child, span, "TO", rate, drop)
        motion = [n for n in to if n.startswith("M2")]
        events.append(Event(lines, motion + notes + [n for n in to if n not in motion]))
    return events


def _shown(child: Any) -> bool:
    """A clip an event is written for (gaps and switched-off clips are none)."""
    return isinstance(child, otio.schema.Clip) and bool(child.enabled)


def _places(children: list[Any], rate: Fraction, start: int) -> dict[int, tuple[int, int]]:
    """Record [in, out) in project frames (from ``start``) of each child but transitions, from the
    exact sum of the lengths before it, rounded as the import rounds them (no drift, no overlap)."""
    elapsed, places = Fraction(0), {}
    for k, child in enumerate(children):
        if isinstance(child, otio.schema.Transition):
            continue
        first = _nearest(elapsed * rate)
        elapsed += exact(child.trimmed_range().duration).to_seconds()
        places[k] = (start + first, start + _nearest(elapsed * rate))
    return places


def _nearest(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def _frames(t: otio.opentime.RationalTime, rate: Fraction) -> int:
    return _nearest(exact(t).to_seconds() * rate)


def _span(
    child: Any, children: list[Any], k: int, places: dict[int, tuple[int, int]], rate: Fraction, reels: Reels
) -> _Span:
    """Where a clip (or the black a dissolve goes to) is recorded and what source it plays, its head
    lengthened by the dissolve into it and its tail shortened by the one out of it (EDL layout)."""
    head = _frames(children[k - 1].in_offset, rate) if k and _transition(children[k - 1]) else 0
    tail = (
        _frames(children[k + 1].in_offset, rate)
        if k + 1 < len(children) and _transition(children[k + 1])
        else 0
    )
    r0, r1 = places[k]
    rec_in, rec_out = r0 - head, r1 - tail
    if not _shown(child):  # the black a dissolve goes to
        return _Span(reels.black, 0, rec_out - rec_in, rec_in, rec_out, None)
    n, length = r1 - r0, rec_out - rec_in
    speed, freeze = _speed(child)
    start = exact(child.source_range.start_time).to_seconds()
    first = _media_frame_start(start, child) * rate  # the first source frame's start, in project frames
    if freeze:
        src_in = math.ceil(first)
        return _Span(reels.reel(child), src_in, src_in + 1, rec_in, rec_out, Fraction(0))
    s = abs(speed)
    if speed < 0:  # the first frame shown is the range's last one, and the head plays after it
        src_in = math.ceil(first + (n - 1) * s) + _nearest(head * s)
        src_out = max(src_in - _nearest(length * s), 0)
    else:
        src_in = max(math.ceil(first) - _nearest(head * s), 0)
        src_out = src_in + _nearest(length * s)
    return _Span(reels.reel(child), src_in, src_out, rec_in, rec_out, None if speed == 1 else speed * rate)


def _transition(child: Any) -> bool:
    return isinstance(child, otio.schema.Transition)


def _speed(clip: otio.schema.Clip) -> tuple[Fraction, bool]:
    """The clip's speed (negative: reversed) and whether it holds one frame."""
    for fx in clip.effects:
        if isinstance(fx, otio.schema.FreezeFrame) or (
            isinstance(fx, otio.schema.LinearTimeWarp) and fx.time_scalar == 0
        ):
            return Fraction(0), True
        if isinstance(fx, otio.schema.LinearTimeWarp):
            return Fraction(fx.time_scalar).limit_denominator(10_000), False
    return Fraction(1), False


def _media_frame_start(seconds: Fraction, clip: otio.schema.Clip) -> Fraction:
    """The start of the media frame shown at ``seconds`` (the media's own frame grid)."""
    avail = clip.media_reference.available_range if clip.media_reference is not None else None
    if avail is None or avail.start_time.rate > MAX_PICTURE_RATE:  # sound: timed on the project's frames
        return seconds
    media_rate = exact_rate(avail.start_time.rate)
    return Fraction(math.floor(seconds * media_rate), media_rate)


def _url(clip: otio.schema.Clip) -> str:
    return str(getattr(clip.media_reference, "target_url", "") or "")


def _timecode(frames: int, rate: Fraction, drop: bool) -> str:
    return RationalTime.from_frames(frames, rate).to_timecode(rate, drop)


def _line(span: _Span, channel: str, edit: str, rate: Fraction, drop: bool) -> str:
    """An event line (without its number) in CMX 3600's fixed columns."""
    times = (span.src_in, span.src_out, span.rec_in, span.rec_out)
    tcs = " ".join(_timecode(t, rate, drop) for t in times)
    return f"{span.reel:8} {channel:5} {edit:8} {tcs}"


def motion_line(reel: str, fps: Fraction, trigger: str) -> str:
    """An ``M2`` line in the fixed CMX columns: reel, speed in frames a second (``-025.0``), trigger."""
    speed = f"{'-' if fps < 0 else ' '}{float(abs(fps)):05.1f}"
    return f"M2   {reel:8}      {speed} {trigger}"


def _notes(clip: Any, span: _Span, side: str, rate: Fraction, drop: bool) -> list[str]:
    """The notes under an event: its speed, the clip's name and file, other tools' notes it kept."""
    if not _shown(clip):
        return []
    notes = [] if span.fps is None else [motion_line(span.reel, span.fps, _timecode(span.src_in, rate, drop))]
    freeze = span.fps == 0
    notes.append(f"* {side} CLIP NAME:  {clip.name}{' FF' if freeze else ''}")
    notes += ["* * FREEZE FRAME"] * freeze
    if url := _url(clip):
        notes.append(f"* {side} CLIP: {url}")
    kept = clip.metadata.get("cmx_3600", {}).get("comments", [])
    return notes + [f"* {c}" for c in kept if not str(c).startswith(_OWN_NOTES)]


_OWN_NOTES = ("FROM CLIP", "TO CLIP", "OTIO TRUNCATED REEL NAME", "FREEZE FRAME")
"""Notes this writer writes itself: a kept copy from an imported EDL would say them twice."""
