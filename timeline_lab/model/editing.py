"""The editing algorithms, as steps of a Transaction on tracks kept in start order.

Each costs a few O(log n) lookups plus the items it actually replaces or shifts; the Transaction
records the steps (the operation's undo) and validates around what they touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import ProjectError, first_error
from .edits import end_frame, move_edge, placed, split_pieces, start_frame
from .items import Clip, Item
from .speed_ramp import SPEED, is_ramped
from .time import TimeRange
from .validation import _check_transitions  # one transition checked alone: does it still fit

if TYPE_CHECKING:
    from .track import Track
    from .transaction import Transaction
    from .transition import Transition

__all__ = [
    "append",
    "cut_into",
    "gap_frame",
    "insert_at",
    "lift",
    "move",
    "overwrite_at",
    "ripple_delete",
    "roll",
    "slide",
    "slip",
    "split",
    "trim",
    "update",
]


def append(tx: Transaction, track: Track, item: Item) -> None:
    """Place ``item`` right after the last item."""
    tx.insert(track, placed(item, track.items_end(), track.rate))


def split(tx: Transaction, track: Track, frame: int) -> str | None:
    """Cut the item under ``frame`` in two; the new right half's id (None: nothing to cut there)."""
    rate = track.rate
    item = track.item_at(frame)
    if item is None or start_frame(item, rate) == frame:
        return None
    left, right = split_pieces(item, frame, rate, track.id_map().keys())
    tx.replace(track, item, left)
    tx.insert(track, right)
    transitions = track._transitions()
    for tr in transitions.at(item.id):
        if tr.from_clip == item.id:
            j = transitions.position(tr)
            tx.replace_transition(track, j, tr.model_copy(update={"from_clip": right.id}))
    return right.id


def insert_at(tx: Transaction, track: Track, item: Item, frame: int) -> None:
    """Insert ``item`` at ``frame``, splitting what is there and rippling later items right."""
    hit = cut_into(track, frame)
    if hit is not None:  # the transition's clips would be parted: say where the insert can go
        tr = hit[0]
        names = " and ".join(repr(track.item(c).label()) for c in (tr.from_clip, tr.to_clip) if c)
        raise ProjectError(
            f"{track.describe()}: an insert at frame {frame} would cut into the {tr.kind} of {names}; "
            f"insert at frame {gap_frame(track, frame)} (before it), or remove the {tr.kind} first"
        )
    split(tx, track, frame)
    tx.shift(track, track.first_from(frame), item.frames(track.rate))
    tx.insert(track, placed(item, frame, track.rate))


def cut_into(track: Track, at: int) -> tuple[Transition, int] | None:
    """The first transition a gap opened at ``at`` would cut into, and the frame to open it at instead:
    the transition's first frame on a clip (before a cut with nothing before it, the from-clip's start),
    so its clips move together.

    A transition's frames lie on its clips, so only the transitions of the items at ``at`` and at
    ``at - 1`` can hold it: O(log n), whatever the track's length and its number of transitions."""
    rate, items, transitions = track.rate, track._items(), track._transitions()
    hits: list[tuple[Transition, int]] = []
    for k in sorted({items.index_at(at, rate), items.index_at(at - 1, rate)} - {-1}):
        for tr in transitions.at(items[k].id):
            a, b = _near(track, k, tr.from_clip), _near(track, k, tr.to_clip)
            if a is None and b is None:
                continue
            cut = end_frame(a, rate) if a is not None else start_frame(b, rate)  # type: ignore[arg-type]
            after, before = tr.handles(rate)
            first = cut - before if a is not None else cut
            end = cut + after if b is not None else cut
            if first < at < end or (a is not None and b is not None and at == cut):
                hits.append((tr, first if first < at else start_frame(a, rate)))  # type: ignore[arg-type]
    # the first in the track's list, as a scan of every transition found it
    return min(hits, key=lambda hit: transitions.position(hit[0]), default=None)


def _near(track: Track, k: int, item_id: str | None) -> Item | None:
    """The item with ``item_id``, looked for first at and beside index ``k`` (a transition's clips are
    neighbours), so no lookup by id walks the blocks."""
    if item_id is None:
        return None
    items = track.items
    for j in (k, k - 1, k + 1):
        if 0 <= j < len(items) and items[j].id == item_id:
            return items[j]
    return track.find(item_id)


def gap_frame(track: Track, frame: int) -> int:
    """Where on ``track`` a gap for an insert at ``frame`` opens: ``frame``, or, when that is inside a
    transition or at its cut, that transition's first frame (its clips move together, as a sync-locked
    track does in an NLE), earlier still while that is inside another one."""
    while (hit := cut_into(track, frame)) is not None:
        frame = hit[1]
    return frame


def overwrite_at(tx: Transaction, track: Track, item: Item, frame: int) -> None:
    """Place ``item`` at ``frame``, replacing whatever lies under it (no ripple)."""
    rate = track.rate
    end = frame + item.frames(rate)
    split(tx, track, frame)
    split(tx, track, end)
    items, k = track.items, track.first_from(frame)
    while k < len(items) and start_frame(items[k], rate) < end and end_frame(items[k], rate) <= end:
        tx.delete(track, k)
    tx.insert(track, placed(item, frame, rate))


def trim(tx: Transaction, track: Track, item_id: str, edge: str, delta: int, ripple: bool) -> None:
    """Move one edge of an item by ``delta`` frames; ripple shifts the items after it."""
    rate = track.rate
    old = track.item(item_id)
    old_end = end_frame(old, rate)
    new = move_edge(old, edge, delta, rate)
    if ripple and edge == "in":
        new = placed(new, start_frame(old, rate), rate)
    tx.replace(track, old, new)
    if ripple:
        tx.shift(track, track.first_from(old_end), -delta if edge == "in" else delta)


def lift(tx: Transaction, track: Track, item_id: str) -> Item:
    """Remove an item and leave a gap."""
    return tx.delete(track, track.index_of(item_id))


def ripple_delete(tx: Transaction, track: Track, item_id: str) -> Item:
    """Remove an item and close the gap it leaves."""
    item = lift(tx, track, item_id)
    tx.shift(track, track.first_from(end_frame(item, track.rate)), -item.frames(track.rate))
    return item


def move(tx: Transaction, track: Track, item_id: str, frame: int, dest: Track) -> None:
    """Move an item to ``frame`` on ``dest``: on its own track its transitions that still fit stay
    (a fade, a dissolve with a clip still adjacent), as an NLE keeps them; to another track none go."""
    if dest is not track:
        item = lift(tx, track, item_id)
        tx.insert(dest, placed(item, frame, track.rate))
        return
    k = track.index_of(item_id)
    item = track.items[k]
    tx.delete_only(track, k)
    tx.insert(track, placed(item, frame, track.rate))
    transitions = track._transitions()
    for tr in reversed(transitions.at(item_id)):
        j = transitions.position(tr)
        if not _fits(track, j):
            tx.remove_transition(track, j)


def _fits(track: Track, index: int) -> bool:
    """Whether the transition at ``index`` is valid where its clips now are (checked on its own)."""
    try:
        _check_transitions(track, track.rate, "track", [(index, track.transitions[index])])
    except ProjectError:
        return False
    return True


def slip(tx: Transaction, track: Track, item_id: str, delta: int) -> None:
    """Show other source frames in the same timeline span (a ramp's: its span re-measured along the
    ramp from the new in point, so the clip keeps its length)."""
    clip = track.item(item_id)
    if not isinstance(clip, Clip):
        raise ProjectError(f"slip: {item_id!r} is not a media clip")
    rate = track.rate
    shifted = clip.source_range.shifted(clip.source_offset(delta, rate))
    new = clip.model_copy(update={"source_range": shifted})
    if is_ramped(clip):
        span = TimeRange(shifted.start, new.source_offset(clip.frames(rate), rate))
        new = new.model_copy(update={"source_range": span})
    tx.replace(track, clip, new)


def _neighbours(track: Track, item: Item) -> tuple[Item | None, Item | None]:
    """The items that end where ``item`` starts and start where it ends (None: a gap or the edge)."""
    rate, items = track.rate, track.items
    k = track.position(item)
    before = items[k - 1] if k and end_frame(items[k - 1], rate) == start_frame(item, rate) else None
    after = items[k + 1] if k + 1 < len(items) else None
    if after is not None and start_frame(after, rate) != end_frame(item, rate):
        after = None
    return before, after


def slide(tx: Transaction, track: Track, item_id: str, delta: int) -> None:
    """Move an item between its neighbours, trimming them so nothing else moves."""
    rate = track.rate
    item = track.item(item_id)
    before, after = _neighbours(track, item)
    if before is not None:
        tx.replace(track, before, move_edge(before, "out", delta, rate))
    tx.replace(track, item, placed(item, start_frame(item, rate) + delta, rate))
    if after is not None:
        tx.replace(track, after, move_edge(after, "in", delta, rate))


def roll(tx: Transaction, track: Track, item_id: str, delta: int) -> None:
    """Move the edit point after ``item_id`` by ``delta`` frames (both sides trimmed)."""
    rate = track.rate
    item = track.item(item_id)
    after = _neighbours(track, item)[1]
    if after is None:
        raise ProjectError(f"roll: nothing starts where {item_id!r} ends")
    tx.replace(track, item, move_edge(item, "out", delta, rate))
    tx.replace(track, after, move_edge(after, "in", delta, rate))


def update(tx: Transaction, track: Track, item_id: str, changes: dict[str, Any]) -> None:
    """Change fields of an item (validated as a whole new item); a constant ``speed`` given to a
    speed-ramped clip replaces its ramp, as Premiere's Speed/Duration replaces time remapping."""
    old = track.item(item_id)
    if isinstance(old, Clip) and "speed" in changes and "keyframes" not in changes and is_ramped(old):
        changes = changes | {"keyframes": {k: v for k, v in old.keyframes.items() if k != SPEED}}
    try:
        new = type(old).model_validate(old.model_dump() | changes)
    except ValidationError as exc:  # name the item: the refusal's field path alone does not
        where, msg = first_error(exc)
        field = f"{where}: " if where else ""  # a whole-item check has no field path
        raise ProjectError(
            f"{old.type} {old.label()!r} ({old.id}) on {track.describe()}: {field}{msg}"
        ) from None
    tx.replace(track, old, new)
