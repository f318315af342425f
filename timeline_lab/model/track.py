"""A track: an ordered lane of clips (or text) plus the transitions between its adjacent clips."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, PrivateAttr

from ..errors import ProjectError
from . import edits
from ._base import Model, new_id
from .items import Clip, Gap, Item, SequenceClip, TextClip
from .time import RationalTime
from .transition import Transition

if TYPE_CHECKING:
    from .project import Project

__all__ = ["Track", "TrackKind"]

TrackKind = Literal["video", "audio", "subtitle"]
FrameLike = RationalTime | int


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
    items: list[Annotated[Clip | TextClip | SequenceClip, Field(discriminator="type")]] = Field(
        default_factory=list
    )
    transitions: list[Transition] = Field(default_factory=list)
    trailing_gap: RationalTime = Field(
        default=RationalTime(0),
        description="empty time kept after the last item (OpenTimelineIO's trailing gap); edits keep it",
    )

    _project: Project | None = PrivateAttr(default=None)

    # --- reading ------------------------------------------------------------------------
    @property
    def rate(self) -> Fraction:
        """The owning project's frame rate (edits need it to place things on the grid)."""
        if self._project is None:
            raise ProjectError(f"track {self.id!r} is not in a project; use project.add_track()")
        return self._project.settings.frame_rate

    def item(self, item_id: str) -> Item:
        """The item with ``item_id``."""
        return self.items[edits.find(self.items, item_id)]

    def frames(self) -> int:
        """Length of the track in frames (end of its last item, then its trailing gap)."""
        return self.items_end() + self.trailing_gap.to_frames(self.rate)

    def items_end(self) -> int:
        """First frame after the last item (where ``append`` places the next one)."""
        return max((edits.end_frame(i, self.rate) for i in self.items), default=0)

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
        """The item on screen at ``when`` (None over a gap)."""
        f = self._frame(when, "when")
        for item in self.items:
            if edits.start_frame(item, self.rate) <= f < edits.end_frame(item, self.rate):
                return item
        return None

    # --- editing (each call is one undoable operation) ----------------------------------
    def append(self, item: Item) -> Item:
        """Place ``item`` right after the last item."""

        def run(items: list[Item], trs: list[Transition]) -> None:
            items.append(edits.placed(item, self.items_end(), self.rate))

        self._edit("append", {"item": item.model_dump(mode="json")}, run)
        return self.items[-1]

    def insert(self, item: Item, at: FrameLike) -> Item:
        """Insert ``item`` at ``at``, splitting what is there and rippling later items right."""
        return self._place("insert", edits.insert_at, item, at)

    def overwrite(self, item: Item, at: FrameLike) -> Item:
        """Place ``item`` at ``at``, replacing whatever lies under it (no ripple)."""
        return self._place("overwrite", edits.overwrite_at, item, at)

    def _place(self, op: str, how: Callable[..., None], item: Item, at: FrameLike) -> Item:
        f = self._frame(at, "at")
        self._edit(
            op,
            {"item": item.model_dump(mode="json"), "at": f},
            lambda items, trs: how(items, trs, item, f, self.rate),
        )
        return self.item(item.id)

    def split(self, at: FrameLike) -> Item:
        """Cut the item under ``at`` in two; returns the new right-hand item."""
        f = self._frame(at, "at")
        new: list[str] = []

        def run(items: list[Item], trs: list[Transition]) -> None:
            right = edits.split_at(items, trs, f, self.rate)
            if right is None:
                raise ProjectError(f"track {self.id!r}: no item spans frame {f} (nothing to split)")
            new.append(right)

        self._edit("split", {"at": f}, run)
        return self.item(new[0])

    def trim(self, item_id: str, edge: Literal["in", "out"], delta: int, *, ripple: bool = False) -> Item:
        """Move one edge of an item by ``delta`` frames (positive = later); ripple shifts the rest."""

        def run(items: list[Item], trs: list[Transition]) -> None:
            i = edits.find(items, item_id)
            old_end = edits.end_frame(items[i], self.rate)
            items[i] = edits.move_edge(items[i], edge, delta, self.rate)
            if ripple:
                if edge == "in":
                    start = edits.start_frame(items[i], self.rate) - delta
                    items[i] = edits.placed(items[i], start, self.rate)
                    edits.shift_from(items, old_end, -delta, self.rate, skip=item_id)
                else:
                    edits.shift_from(items, old_end, delta, self.rate, skip=item_id)

        self._edit("trim", {"item_id": item_id, "edge": edge, "delta": delta, "ripple": ripple}, run)
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
        self._edit(
            "lift",
            {"item_id": item_id},
            lambda items, trs: gone.append(edits.remove(items, trs, item_id)),
        )
        return gone[0]

    def ripple_delete(self, item_id: str) -> Item:
        """Remove an item and close the gap it leaves."""
        gone: list[Item] = []

        def run(items: list[Item], trs: list[Transition]) -> None:
            item = edits.remove(items, trs, item_id)
            edits.shift_from(items, edits.end_frame(item, self.rate), -item.frames(self.rate), self.rate)
            gone.append(item)

        self._edit("ripple_delete", {"item_id": item_id}, run)
        return gone[0]

    def move(self, item_id: str, to: FrameLike, track: Track | None = None) -> Item:
        """Move an item to ``to`` (optionally onto another track); the target span must be free."""
        f = self._frame(to, "to")
        dest = self if track is None else track
        if self._project is None or dest._project is not self._project:
            raise ProjectError("move: both tracks must belong to the same project")
        if dest.locked:
            raise ProjectError(f"track {dest.id!r} is locked")

        def run(items: list[Item], trs: list[Transition]) -> None:
            item = edits.remove(items, trs, item_id)
            target = items if dest is self else dest.items
            target.append(edits.placed(item, f, self.rate))

        self._edit("move", {"item_id": item_id, "to": f, "to_track": dest.id}, run, also=dest)
        return dest.item(item_id)

    def slip(self, item_id: str, delta: int) -> Clip:
        """Show other source frames in the same timeline span (``delta`` frames later)."""

        def run(items: list[Item], trs: list[Transition]) -> None:
            i = edits.find(items, item_id)
            clip = items[i]
            if not isinstance(clip, Clip):
                raise ProjectError(f"slip: {item_id!r} is not a media clip")
            src = clip.source_range
            shifted = src.shifted(clip.source_offset(delta, self.rate))
            items[i] = clip.model_copy(update={"source_range": shifted})

        self._edit("slip", {"item_id": item_id, "delta": delta}, run)
        item = self.item(item_id)
        assert isinstance(item, Clip)
        return item

    def slide(self, item_id: str, delta: int) -> Item:
        """Move an item between its neighbours, trimming them so nothing else moves."""

        def run(items: list[Item], trs: list[Transition]) -> None:
            i = edits.find(items, item_id)
            s, e = edits.start_frame(items[i], self.rate), edits.end_frame(items[i], self.rate)
            for j, other in enumerate(items):
                if edits.end_frame(other, self.rate) == s:
                    items[j] = edits.move_edge(other, "out", delta, self.rate)
                elif edits.start_frame(other, self.rate) == e:
                    items[j] = edits.move_edge(other, "in", delta, self.rate)
            items[i] = edits.placed(items[i], s + delta, self.rate)

        self._edit("slide", {"item_id": item_id, "delta": delta}, run)
        return self.item(item_id)

    def roll(self, item_id: str, delta: int) -> Item:
        """Move the edit point after ``item_id`` by ``delta`` frames (both sides trimmed)."""

        def run(items: list[Item], trs: list[Transition]) -> None:
            i = edits.find(items, item_id)
            e = edits.end_frame(items[i], self.rate)
            nxt = [j for j, o in enumerate(items) if edits.start_frame(o, self.rate) == e]
            if not nxt:
                raise ProjectError(f"roll: nothing starts where {item_id!r} ends")
            items[i] = edits.move_edge(items[i], "out", delta, self.rate)
            items[nxt[0]] = edits.move_edge(items[nxt[0]], "in", delta, self.rate)

        self._edit("roll", {"item_id": item_id, "delta": delta}, run)
        return self.item(item_id)

    def add_transition(self, transition: Transition) -> Transition:
        """Add a transition between two adjacent clips of this track (handles are checked)."""
        self._edit(
            "add_transition",
            {"transition": transition.model_dump(mode="json")},
            lambda items, trs: trs.append(transition),
        )
        return transition

    def remove_transition(self, transition_id: str) -> None:
        """Remove a transition; the clips cut hard again."""

        def run(items: list[Item], trs: list[Transition]) -> None:
            keep = [t for t in trs if t.id != transition_id]
            if len(keep) == len(trs):
                raise ProjectError(f"no transition with id {transition_id!r} on track {self.id!r}")
            trs[:] = keep

        self._edit("remove_transition", {"transition_id": transition_id}, run)

    def update(self, item_id: str, **changes: Any) -> Item:
        """Change fields of an item (opacity, volume, effects, ...) as one undoable edit."""

        def run(items: list[Item], trs: list[Transition]) -> None:
            i = edits.find(items, item_id)
            data = items[i].model_dump() | changes
            items[i] = type(items[i]).model_validate(data)

        self._edit("update", {"item_id": item_id, "changes": _jsonable(changes)}, run)
        return self.item(item_id)

    # --- plumbing -----------------------------------------------------------------------
    def _frame(self, when: FrameLike, what: str) -> int:
        if isinstance(when, int) and not isinstance(when, bool):
            return when
        if isinstance(when, RationalTime):
            if not when.is_frame_aligned(self.rate):
                msg = f"{what}: {when} is not on the {self.rate} fps frame grid (use .snapped())"
                raise ProjectError(msg)
            return when.to_frames(self.rate)
        raise TypeError(f"{what}: expected a RationalTime or a frame number, got {type(when).__name__}")

    def _edit(
        self,
        op: str,
        args: dict[str, Any],
        run: Callable[[list[Item], list[Transition]], None],
        also: Track | None = None,
    ) -> None:
        if self._project is None:
            raise ProjectError(f"track {self.id!r} is not in a project; use project.add_track()")
        if self.locked:
            raise ProjectError(f"track {self.id!r} is locked")
        self._project._apply_edit(self, op, {"track": self.id, **args}, run, also)


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
