"""Primitive changes an operation is made of, each with its exact inverse (undo is their reversal).

An operation records the steps its edit took, not snapshots: inserting, removing or replacing one
element of a list (items, transitions, markers, tracks), shifting a track's later items (a ripple),
or setting one field. Items are immutable values replaced on edit, so a step holds only the objects
it swapped: history memory follows the size of the changes, not of the timeline. A shift is lazy
(see ``item_list``): it costs what the edit changes, not the items after it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .item_list import shifted

if TYPE_CHECKING:
    from .track import Track

__all__ = ["Assign", "Delete", "Insert", "SetField", "Shift", "Step", "shifted"]

_OBJECT_BYTES = 1024
"""What a held item, transition or marker costs in the history's byte budget (an estimate)."""


class Step(ABC):
    """One primitive change: ``do`` applies it, ``undo`` reverts it exactly."""

    __slots__ = ()

    @abstractmethod
    def do(self) -> None:
        """Apply the change."""

    @abstractmethod
    def undo(self) -> None:
        """Revert the change (the state must be the one ``do`` left)."""

    def nbytes(self) -> int:
        """Estimated memory the step keeps alive."""
        return 64

    def track(self) -> Track | None:
        """The track whose items or transitions it changes, if any."""
        return None


def _list(owner: Any, name: str) -> list[Any]:
    """The list field itself (a track's items as its ItemList, which keeps its id lookup in step)."""
    if name == "items":
        items: list[Any] = owner._items()
        return items
    value: list[Any] = owner.__dict__[name]
    return value


def _touch(owner: Any, name: str, gone: Any, new: Any) -> None:
    """Keep tracks linked to the project they are in (``gone`` out, ``new`` in; None: neither)."""
    if name == "tracks":
        if gone is not None:
            gone._project = None
        if new is not None:
            new._project = owner


@dataclass(frozen=True, slots=True)
class Insert(Step):
    """``value`` inserted at ``index`` of the list field ``name`` of ``owner``."""

    owner: Any
    name: str
    index: int
    value: Any

    def do(self) -> None:
        _list(self.owner, self.name).insert(self.index, self.value)
        _touch(self.owner, self.name, None, self.value)

    def undo(self) -> None:
        del _list(self.owner, self.name)[self.index]
        _touch(self.owner, self.name, self.value, None)

    def nbytes(self) -> int:
        return 64 + _OBJECT_BYTES

    def track(self) -> Track | None:
        return _as_track(self.owner)


@dataclass(frozen=True, slots=True)
class Delete(Step):
    """``value`` taken from ``index`` of the list field ``name`` of ``owner``."""

    owner: Any
    name: str
    index: int
    value: Any

    def do(self) -> None:
        del _list(self.owner, self.name)[self.index]
        _touch(self.owner, self.name, self.value, None)

    def undo(self) -> None:
        _list(self.owner, self.name).insert(self.index, self.value)
        _touch(self.owner, self.name, None, self.value)

    def nbytes(self) -> int:
        return 64 + _OBJECT_BYTES

    def track(self) -> Track | None:
        return _as_track(self.owner)


@dataclass(frozen=True, slots=True)
class Assign(Step):
    """Element ``index`` of the list field ``name`` of ``owner`` replaced: ``old`` -> ``new``."""

    owner: Any
    name: str
    index: int
    old: Any
    new: Any

    def do(self) -> None:
        _list(self.owner, self.name)[self.index] = self.new
        _touch(self.owner, self.name, self.old, self.new)

    def undo(self) -> None:
        _list(self.owner, self.name)[self.index] = self.old
        _touch(self.owner, self.name, self.new, self.old)

    def nbytes(self) -> int:
        return 64 + 2 * _OBJECT_BYTES

    def track(self) -> Track | None:
        return _as_track(self.owner)


@dataclass(frozen=True, slots=True)
class SetField(Step):
    """Field ``name`` of ``owner`` (already validated values) changed: ``old`` -> ``new``."""

    owner: Any
    name: str
    old: Any
    new: Any

    def do(self) -> None:
        object.__setattr__(self.owner, self.name, self.new)

    def undo(self) -> None:
        object.__setattr__(self.owner, self.name, self.old)

    def nbytes(self) -> int:
        return 64 + 2 * _OBJECT_BYTES


@dataclass(frozen=True, slots=True)
class Shift(Step):
    """Items ``index`` onwards of ``track`` moved ``by`` frames (a ripple): lazily, no copies kept.

    The track's ItemList adds ``by`` to a pending offset of the blocks from ``index`` on, so a
    ripple and its undo cost O(B + n/B); items are copied when something reads them.
    """

    owner: Track
    index: int
    by: int
    rate: Fraction

    def do(self) -> None:
        _shift(self.owner, self.index, self.by, self.rate)

    def undo(self) -> None:
        _shift(self.owner, self.index, -self.by, self.rate)

    def track(self) -> Track | None:
        return self.owner


def _as_track(owner: Any) -> Track | None:
    from .track import Track

    return owner if isinstance(owner, Track) else None


def _shift(track: Track, index: int, by: int, rate: Fraction) -> None:
    track._items().shift(index, by, rate)
