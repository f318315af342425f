"""A track: an ordered lane of clips (or text) plus the transitions between its adjacent clips."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    field_serializer,
)

from ..errors import ProjectError
from . import editing, edits
from ._base import Model, TimelineTime, new_id
from .item_list import ItemList
from .items import Clip, Gap, Item, SequenceClip, TextClip
from .time import RationalTime
from .transition import Transition
from .transition_list import TransitionList

if TYPE_CHECKING:
    from .project import Project
    from .transaction import Transaction

__all__ = ["FRAME_BOUND", "Track", "TrackKind"]

TrackKind = Literal["video", "audio", "subtitle"]
FrameLike = RationalTime | int
TrackItem = Annotated[Clip | TextClip | SequenceClip, Field(discriminator="type")]


def _current(value: Any) -> Any:
    """pydantic-core reads a list's storage directly: an ItemList is handed over as current items."""
    return list(value) if isinstance(value, ItemList) else value


FRAME_BOUND = 2**53
"""Largest frame number or count an edit takes: far past a day at any frame rate, and refused by
name instead of overflowing the item index's machine integers (2**63) mid-edit."""


class Track(Model):
    """Clips placed at explicit frame positions; gaps are whatever lies between them."""

    id: str = Field(default_factory=lambda: new_id("trk"))
    kind: TrackKind = "video"
    name: str = ""
    enabled: bool = True
    locked: bool = False
    muted: bool = False
    solo: bool = False
    volume: float = Field(1.0, ge=0, le=16)
    items: Annotated[list[TrackItem], BeforeValidator(_current), AfterValidator(ItemList)] = Field(
        default_factory=ItemList
    )
    transitions: Annotated[list[Transition], AfterValidator(TransitionList)] = Field(
        default_factory=TransitionList
    )
    trailing_gap: TimelineTime = Field(
        default=RationalTime(0),
        description="empty time kept after the last item (OpenTimelineIO's trailing gap); edits keep it",
    )

    _project: Project | None = PrivateAttr(default=None)

    # No return annotation on purpose: pydantic would take it as the field's serialised schema.
    @field_serializer("items", mode="wrap")
    def _flushed(self, items: list[Item], handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        """pydantic-core serialises a list from its storage: apply pending ripples first."""
        return handler(items.flush() if isinstance(items, ItemList) else items)

    def _items(self) -> ItemList:
        """The items as an ItemList (a list set without validation, by ``model_construct``, becomes one)."""
        found = self.__dict__["items"]
        if type(found) is not ItemList:
            found = self.__dict__["items"] = ItemList(found)
        return found

    def _transitions(self) -> TransitionList:
        """The transitions as a TransitionList (one set by ``model_construct`` becomes one)."""
        found = self.__dict__["transitions"]
        if type(found) is not TransitionList:
            found = self.__dict__["transitions"] = TransitionList(found)
        return found

    # --- reading ------------------------------------------------------------------------
    @property
    def rate(self) -> Fraction:
        """The owning project's frame rate (edits need it to place things on the grid)."""
        if self._project is None:
            raise ProjectError(f"track {self.id!r} is not in a project; use project.add_track()")
        return self._project.settings.frame_rate

    def item(self, item_id: str) -> Item:
        """The item with ``item_id``."""
        return self.items[self.index_of(item_id)]

    def frames(self) -> int:
        """Length of the track in frames (end of its last item, then its trailing gap)."""
        return self.items_end() + self.trailing_gap.to_frames(self.rate)

    def items_end(self) -> int:
        """First frame after the last item (where ``append`` places the next one); O(1)."""
        return self._items().end_frame(self.rate)

    def duration(self) -> RationalTime:
        """Length of the track on the project frame grid."""
        return RationalTime.from_frames(self.frames(), self.rate)

    def items_with_gaps(self) -> Iterator[Item | Gap]:
        """Items in time order with explicit Gap objects filling the holes."""
        rate, cursor = self.rate, 0
        for item in sorted(self.items, key=lambda i: i.start):
            s = edits.start_frame(item, rate)
            if s > cursor:
                yield Gap(
                    start=RationalTime.from_frames(cursor, rate),
                    duration=RationalTime.from_frames(s - cursor, rate),
                )
            yield item
            cursor = edits.end_frame(item, rate)
        if self.trailing_gap.value > 0:
            yield Gap(start=RationalTime.from_frames(cursor, rate), duration=self.trailing_gap)

    def item_at(self, when: FrameLike) -> Item | None:
        """The item on screen at ``when`` (None over a gap); O(log n)."""
        items = self._items()
        k = items.index_at(self._frame(when, "when"), self.rate)
        return items[k] if k >= 0 else None

    # --- lookups (items are kept in start order) -----------------------------------------
    def id_map(self) -> Mapping[str, Item]:
        """Items by id (a live view, kept in step with every change to the items)."""
        return self._items().ids()

    def first_from(self, frame: int) -> int:
        """Index of the first item starting at or after ``frame``; O(log n)."""
        return self._items().bisect_start(frame, self.rate)

    def position(self, item: Item) -> int:
        """Index of this very ``item`` object (-1 when it is not, or no longer, on the track)."""
        return self._items().position(item)

    def index_of(self, item_id: str) -> int:
        """Index of the item with ``item_id``; a clear error when it is not on this track."""
        _expect_id(item_id, "item_id", "clip")
        k = self._items().index_of_id(item_id)
        if k < 0:
            raise ProjectError(f"{self.describe()}: no item with id {item_id!r} on this track")
        return k

    def find(self, item_id: str) -> Item | None:
        """The item with ``item_id`` (None when it is not on this track)."""
        items = self._items()
        k = items.index_of_id(item_id)
        return items[k] if k >= 0 else None

    def describe(self) -> str:
        """How messages name this track (``tracks[1] (V2)``)."""
        index = self._project.tracks.index(self) if self._project is not None else -1
        return f"tracks[{index}] ({self.name or self.id})"

    # --- editing (each call is one undoable operation) ----------------------------------
    def append(self, item: Item) -> Item:
        """Place ``item`` right after the last item."""
        _placeable(item)
        self._edit(
            "append", {"item": item.model_dump(mode="json")}, lambda tx: editing.append(tx, self, item)
        )
        return self.items[-1]

    def insert(self, item: Item, at: FrameLike) -> Item:
        """Insert ``item`` at ``at``, splitting what is there and rippling later items right."""
        _placeable(item)
        f = self._frame(at, "at")
        args = {"item": item.model_dump(mode="json"), "at": f}
        self._edit("insert", args, lambda tx: editing.insert_at(tx, self, item, f))
        return self.item(item.id)

    def overwrite(self, item: Item, at: FrameLike) -> Item:
        """Place ``item`` at ``at``, replacing whatever lies under it (no ripple)."""
        _placeable(item)
        f = self._frame(at, "at")
        args = {"item": item.model_dump(mode="json"), "at": f}
        self._edit("overwrite", args, lambda tx: editing.overwrite_at(tx, self, item, f))
        return self.item(item.id)

    def split(self, at: FrameLike) -> Item:
        """Cut the item under ``at`` in two; returns the new right-hand item."""
        f = self._frame(at, "at")
        new: list[str] = []

        def run(tx: Transaction) -> None:
            right = editing.split(tx, self, f)
            if right is None:
                raise ProjectError(f"track {self.id!r}: no item spans frame {f} (nothing to split)")
            new.append(right)

        self._edit("split", {"at": f}, run)
        return self.item(new[0])

    def trim(self, item_id: str, edge: Literal["in", "out"], delta: int, *, ripple: bool = False) -> Item:
        """Move one edge of an item by ``delta`` frames (positive = later); ripple shifts the rest."""
        delta = _whole_frames(delta, "delta")
        args = {"item_id": item_id, "edge": edge, "delta": delta, "ripple": ripple}
        self._edit("trim", args, lambda tx: editing.trim(tx, self, item_id, edge, delta, ripple))
        return self.item(item_id)

    def trim_in(self, item_id: str, delta: int, *, ripple: bool = False) -> Item:
        """Move the in point by ``delta`` frames (positive shortens)."""
        return self.trim(item_id, "in", delta, ripple=ripple)

    def trim_out(self, item_id: str, delta: int, *, ripple: bool = False) -> Item:
        """Move the out point by ``delta`` frames (positive lengthens)."""
        return self.trim(item_id, "out", delta, ripple=ripple)

    def lift(self, item_id: str) -> Item:
        """Remove an item and leave a gap."""
        gone: list[Item] = []
        self._edit("lift", {"item_id": item_id}, lambda tx: gone.append(editing.lift(tx, self, item_id)))
        return gone[0]

    def ripple_delete(self, item_id: str) -> Item:
        """Remove an item and close the gap it leaves."""
        gone: list[Item] = []
        args = {"item_id": item_id}
        self._edit("ripple_delete", args, lambda tx: gone.append(editing.ripple_delete(tx, self, item_id)))
        return gone[0]

    def move(self, item_id: str, to: FrameLike, track: Track | None = None) -> Item:
        """Move an item to ``to`` (optionally onto another track); the target span must be free."""
        f = self._frame(to, "to")
        if track is not None:
            _expect(track, Track, "track", "a Track", "pick one from project.tracks")
        dest = self if track is None else track
        if self._project is None or dest._project is not self._project:
            raise ProjectError("move: both tracks must belong to the same project")
        if dest.locked:
            raise ProjectError(f"track {dest.id!r} is locked")
        args = {"item_id": item_id, "to": f, "to_track": dest.id}
        self._edit("move", args, lambda tx: editing.move(tx, self, item_id, f, dest))
        return dest.item(item_id)

    def slip(self, item_id: str, delta: int) -> Clip:
        """Show other source frames in the same timeline span (``delta`` frames later)."""
        delta = _whole_frames(delta, "delta")
        self._edit(
            "slip", {"item_id": item_id, "delta": delta}, lambda tx: editing.slip(tx, self, item_id, delta)
        )
        item = self.item(item_id)
        assert isinstance(item, Clip)
        return item

    def slide(self, item_id: str, delta: int) -> Item:
        """Move an item between its neighbours, trimming them so nothing else moves."""
        delta = _whole_frames(delta, "delta")
        self._edit(
            "slide", {"item_id": item_id, "delta": delta}, lambda tx: editing.slide(tx, self, item_id, delta)
        )
        return self.item(item_id)

    def roll(self, item_id: str, delta: int) -> Item:
        """Move the edit point after ``item_id`` by ``delta`` frames (both sides trimmed)."""
        delta = _whole_frames(delta, "delta")
        self._edit(
            "roll", {"item_id": item_id, "delta": delta}, lambda tx: editing.roll(tx, self, item_id, delta)
        )
        return self.item(item_id)

    def add_transition(self, transition: Transition) -> Transition:
        """Add a transition between two adjacent clips of this track (handles are checked)."""
        make = "make one with Transition(kind='dissolve', from_clip=a.id, to_clip=b.id, duration=...)"
        _expect(transition, Transition, "transition", "a Transition", make)
        args = {"transition": transition.model_dump(mode="json")}
        self._edit("add_transition", args, lambda tx: tx.add_transition(self, transition))
        return transition

    def remove_transition(self, transition_id: str) -> None:
        """Remove a transition; the clips cut hard again."""
        _expect_id(transition_id, "transition_id", "transition")

        def run(tx: Transaction) -> None:
            found = self._transitions().index_of_id(transition_id)
            if found < 0:
                raise ProjectError(f"no transition with id {transition_id!r} on track {self.id!r}")
            tx.remove_transition(self, found)

        self._edit("remove_transition", {"transition_id": transition_id}, run)

    def update(self, item_id: str, **changes: Any) -> Item:
        """Change fields of an item (opacity, volume, effects, ...) as one undoable edit."""
        recorded = _jsonable(changes)
        args = {"item_id": item_id, "changes": recorded}

        def run(tx: Transaction) -> None:
            editing.update(tx, self, item_id, changes)
            # record the values as validated (an effect's default id filled in), so a replay of
            # this operation makes the same item and later operations naming them replay too
            new = self.item(item_id)
            recorded.update(_jsonable({k: getattr(new, k) for k in recorded if hasattr(new, k)}))

        self._edit("update", args, run)
        return self.item(item_id)

    def configure(self, **changes: Any) -> Track:
        """Change the track's own fields (name, muted, locked, volume, ...) as one undoable edit."""
        if self._project is None:
            raise ProjectError(f"track {self.id!r} is not in a project; use project.add_track()")
        self._project.set_track(self.id, **changes)
        return self

    # --- plumbing -----------------------------------------------------------------------
    def _frame(self, when: FrameLike, what: str) -> int:
        if isinstance(when, int) and not isinstance(when, bool):
            return _bounded(when, what)
        if isinstance(when, RationalTime):
            if not when.is_frame_aligned(self.rate):
                msg = f"{what}: {when} is not on the {self.rate} fps frame grid (use .snapped())"
                raise ProjectError(msg)
            return when.to_frames(self.rate)
        raise TypeError(f"{what}: expected a RationalTime or a frame number, got {type(when).__name__}")

    def _edit(self, op: str, args: dict[str, Any], run: Callable[[Transaction], None]) -> None:
        if "item_id" in args:  # every edit of one item names it by id: a clip itself is a common slip
            _expect_id(args["item_id"], "item_id", "clip")
        if self._project is None:
            raise ProjectError(f"track {self.id!r} is not in a project; use project.add_track()")
        if self.locked:
            raise ProjectError(f"track {self.id!r} is locked")
        self._project._transact(op, {"track": self.id, **args}, run)


def _whole_frames(value: Any, name: str) -> int:
    """A frame count as an int: a float delta would leave a clip a fraction of a frame long."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name}: expected an integer number of frames, got {type(value).__name__} {value!r}")
    return _bounded(int(value.__index__()), name)


def _bounded(frames: int, name: str) -> int:
    """A frame number within what any timeline holds (as the operations' arguments are): past it the
    block arithmetic overflows its integers (a raw OverflowError at 2**63)."""
    if abs(frames) > FRAME_BOUND:
        raise ProjectError(f"{name}: {frames} frames is past any timeline (at most {FRAME_BOUND})")
    return frames


def _expect(value: object, kind: type | tuple[type, ...], what: str, wanted: str, make: str = "") -> None:
    """Refuse an argument of the wrong type by name, saying how to make the right one (rather than
    an AttributeError from inside the edit)."""
    if not isinstance(value, kind):
        shown = repr(value) if len(repr(value)) <= 60 else f"{repr(value)[:57]}..."
        raise TypeError(
            f"{what}: expected {wanted}, got {type(value).__name__} {shown}" + (f"; {make}" if make else "")
        )


def _expect_id(value: object, what: str, thing: str) -> None:
    """Refuse a model object (or anything else) where its id is asked for."""
    _expect(
        value, str, what, f"a {thing}'s id (a str)", f"pass {thing}.id" if isinstance(value, Model) else ""
    )


def _placeable(item: object) -> None:
    """What a track holds: a clip (a path is a common slip), a title or a nested sequence's clip."""
    make = "make a clip with studio.clip(path, first, count)"
    _expect(item, (Clip, TextClip, SequenceClip), "item", "a clip (Clip, TextClip or SequenceClip)", make)


def _jsonable(value: Any) -> Any:
    """Edit arguments as plain JSON, so ``Operation.to_json()`` can cross to the browser."""
    from fractions import Fraction

    from pydantic import BaseModel

    from .time import TimeRange

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, RationalTime | TimeRange):
        return value.to_json()
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
