"""Pure editing algorithms on a track's item list; the Track records and validates around them."""

from __future__ import annotations

import hashlib
from collections.abc import Set as AbstractSet
from fractions import Fraction

from ..errors import ProjectError
from .items import Clip, Item, Spanned, TextClip
from .keyframes import plays_backwards, shift_keyframes
from .speed_ramp import is_ramped
from .time import RationalTime, TimeRange
from .transition import Transition

__all__ = [
    "end_frame",
    "find",
    "move_edge",
    "placed",
    "split_at",
    "split_id",
    "split_pieces",
    "start_frame",
]


def start_frame(item: Item, rate: Fraction) -> int:
    """First timeline frame of ``item``."""
    start = item.start
    if start.rate == rate:  # the usual case, kept cheap: lookups by time bisect on it
        value = start.value
        return value.numerator // value.denominator
    return start.to_frames(rate)


def end_frame(item: Item, rate: Fraction) -> int:
    """First timeline frame after ``item``."""
    return start_frame(item, rate) + item.frames(rate)


def find(items: list[Item], item_id: str) -> int:
    """Index of the item with ``item_id``; a clear error when it is not on this track."""
    for i, item in enumerate(items):
        if item.id == item_id:
            return i
    raise ProjectError(f"no item with id {item_id!r} on this track")


def _at(frame: int, rate: Fraction) -> RationalTime:
    return RationalTime.from_frames(frame, rate)


def placed(item: Item, frame: int, rate: Fraction) -> Item:
    """Copy of ``item`` starting at ``frame``."""
    return item.model_copy(update={"start": _at(frame, rate)})


def _reversed(item: Item) -> bool:
    """Whether the picture plays its span backwards: a timeline edge then cuts the source's other end."""
    return isinstance(item, Clip) and plays_backwards(item)


def _source_from(item: Spanned, frames: int, rate: Fraction) -> TimeRange:
    """The source from ``frames`` frames (at the clip's speed) after its in point to its out point."""
    off = item.source_offset(frames, rate)
    src = item.source_range
    if src.duration - off <= RationalTime(0):
        raise ProjectError(f"clip {item.label()!r}: trimming {abs(frames)} frames leaves nothing")
    return TimeRange(src.start + off, src.duration - off)


def _source_to(item: Spanned, delta: int, rate: Fraction) -> TimeRange:
    """The source with its out point moved ``delta`` frames (at the clip's speed) later."""
    src = item.source_range
    if isinstance(item, Clip) and item.keyframes and is_ramped(item):
        # a ramp's speed varies: measure the new length from the in point along the ramp
        dur = item.source_offset(item.frames(rate) + delta, rate)
    else:
        dur = src.duration + item.source_offset(delta, rate)
    if dur <= RationalTime(0):
        raise ProjectError(f"clip {item.label()!r}: trimming {abs(delta)} frames leaves nothing")
    return TimeRange(src.start, dur)


def _held(clip: Clip, n: int) -> int | None:
    """The frame of the clip's span (0..n-1, at its speed) that its first enabled freeze shows."""
    flips = 0
    for fx in clip.effects:
        if fx.enabled and fx.kind == "reverse":
            flips += 1
        elif fx.enabled and fx.kind == "freeze":
            k = min(int(fx.params["frame"]), n - 1)
            return n - 1 - k if flips % 2 else k
    return None


def _refrozen(old: Item, new: Item, cut: int, rate: Fraction) -> Item:
    """Keep a freeze on the frame it held, ``new``'s span starting ``cut`` frames into ``old``'s.

    A freeze's ``frame`` counts from the span's start, so it drops by the frames cut off there;
    a held frame the new span lacks pulls the span over it (the picture stays; the piece's sound,
    which a freeze does not hold, then starts that much earlier or later).
    """
    if not (isinstance(old, Clip) and isinstance(new, Clip)) or all(
        fx.kind != "freeze" for fx in old.effects
    ):
        return new
    held, m = _held(old, old.frames(rate)), new.frames(rate)
    if held is not None and not 0 <= held - cut < m:
        to = held if held < cut else held - m + 1
        moved = new.source_range.shifted(old.source_offset(to - cut, rate))
        # within the media (the piece's rounding may reach past the clip's span, and its end)
        span = old.media.available_range
        over = moved.end_exclusive() - span.end_exclusive()
        if over > RationalTime(0, over.rate):
            moved = moved.shifted(-over)
        under = span.start - moved.start
        if under > RationalTime(0, under.rate):
            moved = moved.shifted(under)
        by = moved.start - new.source_range.start
        new = new.model_copy(
            update={
                "source_range": moved,
                "keyframes": shift_keyframes(new.keyframes, by, backwards=plays_backwards(new)),
            }
        )
        cut = to
    effects, flips, first = [], 0, True
    for fx in new.effects:
        if fx.kind == "freeze":
            if fx.enabled and first and held is not None:
                k = held - cut
                frame, first = (m - 1 - k if flips % 2 else k), False
            else:  # holds nothing now (disabled, or after the first): keep its source frame if it can
                frame = max(0, int(fx.params["frame"]) - cut)
            fx = fx.model_copy(update={"params": {**fx.params, "frame": frame}})
        elif fx.enabled and fx.kind == "reverse":
            flips += 1
        effects.append(fx)
    return new.model_copy(update={"effects": effects})


def _with_head_moved(item: Item, delta: int, rate: Fraction) -> Item:
    """Move the in point ``delta`` frames later (negative: earlier), keeping the content in place."""
    start = _at(start_frame(item, rate) + delta, rate)
    if isinstance(item, Spanned):
        if _reversed(item):  # the timeline's head shows the source's end
            new = item.model_copy(update={"start": start, "source_range": _source_to(item, -delta, rate)})
            return _refrozen(item, new, 0, rate)
        new = item.model_copy(update={"start": start, "source_range": _source_from(item, delta, rate)})
        return _refrozen(item, new, delta, rate)
    frames = item.frames(rate) - delta
    if frames <= 0:
        raise ProjectError(f"text {item.label()!r}: trimming {delta} frames leaves nothing")
    # a title's keyframes are on its own clock: they move back by the frames cut off, so its
    # animation stays where it was on the timeline
    shift = _at(delta, rate)
    keyframes = {
        k: [kf.model_copy(update={"time": kf.time - shift}) for kf in v] for k, v in item.keyframes.items()
    }
    return item.model_copy(update={"start": start, "duration": _at(frames, rate), "keyframes": keyframes})


def _with_tail_moved(item: Item, delta: int, rate: Fraction) -> Item:
    """Move the out point ``delta`` frames later (negative: earlier)."""
    if isinstance(item, Spanned):
        if _reversed(item):  # the timeline's tail shows the source's start
            new = item.model_copy(update={"source_range": _source_from(item, -delta, rate)})
            return _refrozen(item, new, -delta, rate)
        new = item.model_copy(update={"source_range": _source_to(item, delta, rate)})
        return _refrozen(item, new, 0, rate)
    frames = item.frames(rate) + delta
    if frames <= 0:
        raise ProjectError(f"text {item.label()!r}: trimming {delta} frames leaves nothing")
    return item.model_copy(update={"duration": _at(frames, rate)})


def move_edge(item: Item, edge: str, delta: int, rate: Fraction) -> Item:
    """Trim or extend one edge of ``item`` by ``delta`` frames ('in' or 'out')."""
    if edge == "in":
        return _with_head_moved(item, delta, rate)
    if edge == "out":
        return _with_tail_moved(item, delta, rate)
    raise ProjectError(f"edge must be 'in' or 'out', got {edge!r}")


def split_id(item_id: str, frame: int, taken: AbstractSet[str] = frozenset()) -> str:
    """Deterministic id for the right half of a split, so replaying an edit gives the same ids."""
    prefix = item_id.split("_")[0]
    for n in range(1000):
        digest = hashlib.sha1(f"{item_id}@{frame}#{n}".encode()).hexdigest()[:8]
        if f"{prefix}_{digest}" not in taken:
            return f"{prefix}_{digest}"
    raise ProjectError(f"cannot find a free id for a split of {item_id!r}")


def _first(item: Spanned, frames: int, rate: Fraction) -> TimeRange:
    """The source's first ``frames`` frames (at the clip's speed)."""
    return TimeRange(item.source_range.start, item.source_offset(frames, rate))


def _head(item: Item, frames: int, rate: Fraction) -> Item:
    """The first ``frames`` timeline frames of ``item``; its source ends exactly where the rest begins."""
    if isinstance(item, Spanned):
        if _reversed(item):  # they show the source's end
            cut = item.frames(rate) - frames
            return _refrozen(
                item, item.model_copy(update={"source_range": _source_from(item, cut, rate)}), cut, rate
            )
        return _refrozen(item, item.model_copy(update={"source_range": _first(item, frames, rate)}), 0, rate)
    return item.model_copy(update={"duration": _at(frames, rate)})


def _without_fade(item: Item, edge: str) -> Item:
    """A fade belongs to the item's outer edge: after a split only the half at that edge keeps it."""
    if isinstance(item, TextClip):
        field = f"fade_{edge}_frames"
        return item.model_copy(update={field: 0}) if getattr(item, field) else item
    kind = f"fade_{edge}"
    if isinstance(item, Clip) and any(fx.kind == kind for fx in item.effects):
        return item.model_copy(update={"effects": [fx for fx in item.effects if fx.kind != kind]})
    return item


def split_pieces(item: Item, frame: int, rate: Fraction, taken: AbstractSet[str]) -> tuple[Item, Item]:
    """The two halves of ``item`` cut at timeline ``frame`` (inside it); the right half gets a new id.

    Each half shows exactly the frames it showed before: a reversed clip's left half takes the
    source's end, and a freeze keeps its held frame in both.
    """
    k = frame - start_frame(item, rate)
    left = _head(item, k, rate)
    if isinstance(item, Spanned) and _reversed(
        item
    ):  # the source's start, up to where the left half's begins
        span = _first(item, item.frames(rate) - k, rate)
        right = _refrozen(
            item, item.model_copy(update={"start": _at(frame, rate), "source_range": span}), 0, rate
        )
    else:
        right = _with_head_moved(item, k, rate)
    new_id = split_id(item.id, frame, taken)
    right = _without_fade(right, "in").model_copy(update={"id": new_id})
    return _without_fade(left, "out"), right


def split_at(items: list[Item], transitions: list[Transition], frame: int, rate: Fraction) -> str | None:
    """Cut the item under ``frame`` in two (in place); returns the new right half's id, if any."""
    for i, item in enumerate(items):
        s, e = start_frame(item, rate), end_frame(item, rate)
        if s < frame < e:
            left, right = split_pieces(item, frame, rate, {o.id for o in items})
            items[i : i + 1] = [left, right]
            for j, tr in enumerate(transitions):
                if tr.from_clip == item.id:
                    transitions[j] = tr.model_copy(update={"from_clip": right.id})
            return right.id
    return None
