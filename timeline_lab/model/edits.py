"""Pure editing algorithms on a track's item list; the Track records and validates around them."""

from __future__ import annotations

import hashlib
from collections.abc import Set as AbstractSet
from fractions import Fraction

from ..errors import ProjectError
from .items import Clip, Item, Spanned
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


def _with_head_moved(item: Item, delta: int, rate: Fraction) -> Item:
    """Move the in point ``delta`` frames later (negative: earlier), keeping the content in place."""
    start = _at(start_frame(item, rate) + delta, rate)
    if isinstance(item, Spanned):
        off = item.source_offset(delta, rate)
        src = item.source_range
        if src.duration - off <= RationalTime(0):
            raise ProjectError(f"clip {item.label()!r}: trimming {delta} frames leaves nothing")
        rng = TimeRange(src.start + off, src.duration - off)
        return item.model_copy(update={"start": start, "source_range": rng})
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
        src = item.source_range
        if isinstance(item, Clip) and item.keyframes and is_ramped(item):
            # a ramp's speed varies: measure the new length from the in point along the ramp
            dur = item.source_offset(item.frames(rate) + delta, rate)
        else:
            dur = src.duration + item.source_offset(delta, rate)
        if dur <= RationalTime(0):
            raise ProjectError(f"clip {item.label()!r}: trimming {delta} frames leaves nothing")
        return item.model_copy(update={"source_range": TimeRange(src.start, dur)})
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


def _head(item: Item, frames: int, rate: Fraction) -> Item:
    """The first ``frames`` timeline frames of ``item``; its source ends exactly where the rest begins."""
    if isinstance(item, Spanned):
        src = item.source_range
        return item.model_copy(
            update={"source_range": TimeRange(src.start, item.source_offset(frames, rate))}
        )
    return item.model_copy(update={"duration": _at(frames, rate)})


def _without_effects(item: Item, kind: str) -> Item:
    """A fade belongs to the clip's outer edge: after a split only the half at that edge keeps it."""
    if isinstance(item, Clip) and any(fx.kind == kind for fx in item.effects):
        return item.model_copy(update={"effects": [fx for fx in item.effects if fx.kind != kind]})
    return item


def split_pieces(item: Item, frame: int, rate: Fraction, taken: AbstractSet[str]) -> tuple[Item, Item]:
    """The two halves of ``item`` cut at timeline ``frame`` (inside it); the right half gets a new id."""
    k = frame - start_frame(item, rate)
    left = _without_effects(_head(item, k, rate), "fade_out")
    new_id = split_id(item.id, frame, taken)
    right = _without_effects(_with_head_moved(item, k, rate), "fade_in").model_copy(update={"id": new_id})
    return left, right


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
