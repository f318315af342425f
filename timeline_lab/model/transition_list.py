"""A track's transitions: a real list that knows which transitions name each clip, so an edit of one
clip finds its transitions (at most one at each end) without scanning every transition of the track.

Every write (the history's insert, delete and assign steps, a loader's append or slice assignment)
keeps the index in step; transitions are values, replaced on edit, never changed in place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from operator import index as as_index
from typing import Any, SupportsIndex, cast, overload

from .transition import Transition

__all__ = ["TransitionList"]

_get, _len = list.__getitem__, list.__len__


class TransitionList(list[Transition]):
    """Transitions in their file order, with the transitions of each clip id found in O(1)."""

    __slots__ = ("_at", "_hint", "_keys", "_named")

    def __init__(self, transitions: Iterable[Transition] = ()) -> None:
        super().__init__(transitions)
        self._rebuild()

    def _rebuild(self) -> None:
        """The index from scratch (after a bulk change)."""
        self._at: dict[str, list[Transition]] = {}  # by the clip ids they name
        self._named: dict[str, list[Transition]] = {}  # by their own id
        self._keys: list[int] = []  # id() of each transition, in list order
        self._hint: dict[int, int] = {}  # where each was last found (earlier writes move it)
        for n, tr in enumerate(list.__iter__(self)):
            self._add(tr)
            self._keys.append(id(tr))
            self._hint[id(tr)] = n

    def _keys_of(self, tr: Transition) -> Iterable[tuple[dict[str, list[Transition]], str]]:
        yield self._named, tr.id
        for clip in {tr.from_clip, tr.to_clip} - {None}:
            yield self._at, cast("str", clip)

    def _add(self, tr: Transition) -> None:
        for index, key in self._keys_of(tr):
            index.setdefault(key, []).append(tr)

    def _drop(self, tr: Transition) -> None:
        self._hint.pop(id(tr), None)
        for index, key in self._keys_of(tr):
            held = index.get(key, [])
            for j, x in enumerate(held):
                if x is tr:
                    del held[j]
                    break
            if not held:
                index.pop(key, None)

    # --- lookups --------------------------------------------------------------------------
    def at(self, clip_id: str) -> list[Transition]:
        """The transitions that name ``clip_id`` on either side, in list order."""
        found = self._at.get(clip_id, ())
        return sorted(found, key=self.position) if len(found) > 1 else list(found)

    def index_of_id(self, transition_id: str) -> int:
        """Index of the (first) transition with ``transition_id``; -1 when none has it."""
        found = self._named.get(transition_id, ())
        return min(map(self.position, found), default=-1)

    def position(self, transition: Transition) -> int:
        """Index of this very ``transition`` object (-1 when it is not here): where it was last found,
        or next to it (an insert or delete before it moves it by one), else a scan of the ids."""
        key, keys = id(transition), self._keys
        hint = self._hint.get(key, -1)
        for j in (hint, hint - 1, hint + 1):
            if 0 <= j < len(keys) and keys[j] == key:
                self._hint[key] = j
                return j
        try:
            j = keys.index(key)
        except ValueError:
            return -1
        self._hint[key] = j
        return j

    def touching(self, clip_ids: Iterable[str]) -> list[tuple[int, Transition]]:
        """(index, transition) of each transition that names one of ``clip_ids``, in list order."""
        found = {id(tr): tr for c in clip_ids for tr in self._at.get(c, ())}
        return sorted((self.position(tr), tr) for tr in found.values())

    # --- writes: keep the index in step -----------------------------------------------------
    def insert(self, index: SupportsIndex, value: Transition) -> None:
        """As ``list.insert``."""
        n, i = _len(self), as_index(index)
        i = min(max(i + n, 0) if i < 0 else i, n)
        list.insert(self, i, value)
        self._keys.insert(i, id(value))
        self._hint[id(value)] = i
        self._add(value)

    def append(self, value: Transition) -> None:
        """As ``list.append``."""
        self.insert(_len(self), value)

    def extend(self, values: Iterable[Transition]) -> None:
        """As ``list.extend``."""
        for tr in list(values):
            self.append(tr)

    def __iadd__(self, values: Iterable[Transition]) -> TransitionList:  # type: ignore[override,misc]
        self.extend(values)
        return self

    def __imul__(self, n: SupportsIndex) -> TransitionList:  # type: ignore[misc]
        list.__imul__(self, n)
        self._rebuild()
        return self

    @overload
    def __setitem__(self, index: SupportsIndex, value: Transition) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[Transition]) -> None: ...
    def __setitem__(self, index: SupportsIndex | slice, value: Any) -> None:
        if isinstance(index, slice):
            list.__setitem__(self, index, list(value))
            self._rebuild()
            return
        i = as_index(index)
        old = _get(self, i)
        list.__setitem__(self, i, value)
        self._keys[i] = id(value)
        self._drop(old)
        self._hint[id(value)] = i if i >= 0 else i + _len(self)
        self._add(value)

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        if isinstance(index, slice):
            list.__delitem__(self, index)
            self._rebuild()
            return
        i = as_index(index)
        old = _get(self, i)
        list.__delitem__(self, i)
        del self._keys[i]
        self._drop(old)

    def pop(self, index: SupportsIndex = -1) -> Transition:
        """As ``list.pop``."""
        value = _get(self, index)
        del self[index]
        return value

    def remove(self, value: Transition) -> None:
        """As ``list.remove``."""
        del self[self.index(value)]

    def clear(self) -> None:
        """As ``list.clear``."""
        list.clear(self)
        self._rebuild()

    def sort(self, *, key: Callable[[Transition], Any] | None = None, reverse: bool = False) -> None:  # type: ignore[override]
        """As ``list.sort``."""
        list.sort(cast("list[Any]", self), key=key, reverse=reverse)
        self._rebuild()

    def reverse(self) -> None:
        """As ``list.reverse``."""
        list.reverse(self)
        self._rebuild()

    # --- copies ------------------------------------------------------------------------------
    def copy(self) -> TransitionList:
        """A new TransitionList of the same transitions."""
        return TransitionList(self)

    def __copy__(self) -> TransitionList:
        return TransitionList(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> TransitionList:
        new = TransitionList(copy.deepcopy(x, memo) for x in list.__iter__(self))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (TransitionList, (list(self),))
