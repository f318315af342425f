"""A track's items: a real list whose ripples are lazy (``_item_blocks``), read only as current items.

Every read (index, slice, iteration, search, comparison, repr, copy, pickle) materialises the
blocks it touches first, so no reader sees a stale start; every write keeps the blocks in step.
Code that reads list storage from C directly (pydantic's serialiser, ``json``) is handed
``flush()``: the track's serialiser does it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping
from operator import index as as_index
from typing import Any, SupportsIndex, cast, overload

from ._item_blocks import _MAX, Blocks, shifted
from .items import Item

__all__ = ["ItemList", "shifted"]

_get, _set, _len = list.__getitem__, list.__setitem__, list.__len__


class ItemList(Blocks):
    """Items in start order, with lazily applied ripples; a drop-in ``list``."""

    __slots__ = ()

    def flush(self) -> ItemList:
        """Apply every pending offset (before C code reads the storage); returns the list."""
        super().flush()
        return self

    def ids(self) -> Mapping[str, Item]:
        """Items by id (a live view: values are read, so current, on access)."""
        return _Ids(self)

    # --- reads: materialise what they touch -------------------------------------------
    @overload
    def __getitem__(self, index: SupportsIndex) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Item | list[Item]:
        n = _len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            if step > 0:
                self._cover(start, stop)
            else:
                self.flush()
            return _get(self, index)
        i = as_index(index)
        i = i + n if i < 0 else i
        if 0 <= i < n:
            b = self._block(i)
            if self._off[b]:
                self._rebase(b, 0)
        return _get(self, index)

    def __iter__(self) -> Iterator[Item]:
        return list.__iter__(self.flush())

    def __reversed__(self) -> Iterator[Item]:
        return list.__reversed__(self.flush())

    def __contains__(self, value: object) -> bool:
        return list.__contains__(self.flush(), value)

    def index(self, value: Item, start: SupportsIndex = 0, stop: SupportsIndex = 2**62) -> int:
        """As ``list.index`` (on current items)."""
        return list.index(self.flush(), value, start, stop)

    def count(self, value: Item) -> int:
        """As ``list.count`` (on current items)."""
        return list.count(self.flush(), value)

    def _both(self, other: object) -> None:
        self.flush()
        if isinstance(other, ItemList):
            other.flush()

    def __eq__(self, other: object) -> bool:
        self._both(other)
        return list.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self._both(other)
        return list.__ne__(self, other)

    def __lt__(self, other: list[Item]) -> bool:
        self._both(other)
        return list.__lt__(self, other)

    def __le__(self, other: list[Item]) -> bool:
        self._both(other)
        return list.__le__(self, other)

    def __gt__(self, other: list[Item]) -> bool:
        self._both(other)
        return list.__gt__(self, other)

    def __ge__(self, other: list[Item]) -> bool:
        self._both(other)
        return list.__ge__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return list.__repr__(self.flush())

    def __add__(self, other: list[Item]) -> list[Item]:  # type: ignore[override]
        self._both(other)
        return list.__add__(self, other)

    def __radd__(self, other: list[Item]) -> list[Item]:
        if not isinstance(other, list):
            return NotImplemented
        return [*other, *self]

    def __mul__(self, n: SupportsIndex) -> list[Item]:
        return list.__mul__(self.flush(), n)

    __rmul__ = __mul__

    def copy(self) -> ItemList:
        """A new ItemList of the current items."""
        return ItemList(self)

    def __copy__(self) -> ItemList:
        return ItemList(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> ItemList:
        new = ItemList(copy.deepcopy(x, memo) for x in self)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (ItemList, (list(self),))

    # --- writes: keep the blocks in step -----------------------------------------------
    def insert(self, index: SupportsIndex, value: Item) -> None:
        """As ``list.insert``; O(B + n/B)."""
        n, i = _len(self), as_index(index)
        i = min(max(i + n, 0) if i < 0 else i, n)
        if not n:
            list.insert(self, 0, value)
            self._rebuild()
            return
        off = self._off
        b = self._block(i) if i < n else len(off) - 1
        if off[b] and b and not off[b - 1] and i == self._lo[b]:
            b -= 1  # the end of the block before takes it: nothing to materialise
        if off[b]:
            self._rebase(b, 0)
        list.insert(self, i, value)
        self._bump(b + 1, 1)
        self._where[value.id] = self._tok[b]
        self._nested(value, 1)
        first = int(self._lo[b])
        size = self._end(b) - first
        if size > _MAX:
            self._split(b, first + size // 2)

    def append(self, value: Item) -> None:
        """As ``list.append``."""
        self.insert(_len(self), value)

    def extend(self, values: Iterable[Item]) -> None:
        """As ``list.extend``."""
        for x in list(values):
            self.append(x)

    def __iadd__(self, values: Iterable[Item]) -> ItemList:  # type: ignore[override,misc]
        self.extend(values)
        return self

    def __imul__(self, n: SupportsIndex) -> ItemList:  # type: ignore[misc]
        list.__imul__(self.flush(), n)
        self._rebuild()
        return self

    @overload
    def __setitem__(self, index: SupportsIndex, value: Item) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[Item]) -> None: ...
    def __setitem__(self, index: SupportsIndex | slice, value: Any) -> None:
        if isinstance(index, slice):
            values = list(value)
            _set(self.flush(), index, values)
            self._rebuild()
            return
        i = self._fix(as_index(index), _len(self))
        b = self._block(i)
        if self._off[b]:
            self._rebase(b, 0)
        old = _get(self, i)
        _set(self, i, value)
        self._nested(old, -1)
        self._nested(value, 1)
        tok, where = self._tok[b], self._where
        if old.id != value.id and where.get(old.id) is tok:
            del where[old.id]
        where[value.id] = tok

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        if isinstance(index, slice):
            list.__delitem__(self.flush(), index)
            self._rebuild()
            return
        i = self._fix(as_index(index), _len(self))
        b = self._block(i)
        old = _get(self, i)
        list.__delitem__(self, i)
        self._nested(old, -1)
        self._bump(b + 1, -1)
        tok = self._tok[b]
        if self._where.get(old.id) is tok:
            del self._where[old.id]
        if self._end(b) == self._lo[b]:
            self._drop(b)
        else:
            self._mend(tok)

    def pop(self, index: SupportsIndex = -1) -> Item:
        """As ``list.pop``."""
        value = self[index]
        del self[index]
        return value

    def remove(self, value: Item) -> None:
        """As ``list.remove``."""
        del self[self.index(value)]

    def clear(self) -> None:
        """As ``list.clear``."""
        list.clear(self)
        self._rebuild()

    def sort(self, *, key: Callable[[Item], Any] | None = None, reverse: bool = False) -> None:  # type: ignore[override]
        """As ``list.sort`` (blocks rebuilt)."""
        list.sort(cast("list[Any]", self.flush()), key=key, reverse=reverse)
        self._rebuild()

    def reverse(self) -> None:
        """As ``list.reverse``."""
        list.reverse(self.flush())
        self._rebuild()


class _Ids(Mapping[str, Item]):
    """Items by id over an ItemList, without copying or materialising anything until a value is read."""

    __slots__ = ("_items",)

    def __init__(self, items: ItemList) -> None:
        self._items = items

    def __getitem__(self, item_id: str) -> Item:
        k = self._items.index_of_id(item_id)
        if k < 0:
            raise KeyError(item_id)
        return self._items[k]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._items._where)

    def __len__(self) -> int:
        return len(self._items._where)

    def keys(self) -> KeysView[str]:
        """The ids (a live set view)."""
        return self._items._where.keys()
