"""The blocks under a track's ItemList: ripples as pending offsets, so a ripple costs what it changes.

A ripple used to copy every item after the edit point (~5 us each). Here the list is cut into
blocks of 16-64 items, each with a pending frame offset: a ripple cuts the block at the edit point
and adds to the later blocks' offsets (O(B + n/B)); an item gets its shifted copy only when
something reads its block (``item_list.ItemList`` makes every read do that). Lookups by time
bisect on each block's first start plus its offset, then inside one block: nothing is copied.

Block starts and offsets are int64 arrays: the O(n/B) part of an edit (the later blocks' starts
after an insert, their offsets after a ripple) is one vectorised add, so it stays small at 50,000
items. Objects handed to readers live only in blocks with offset 0; a block with a pending offset holds
objects nobody may still use as current (a shift moved them), so only such blocks are ever
rebased; blocks with offset 0 are only cut or joined, never copied.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from .edits import start_frame
from .items import Item, SequenceClip
from .time import RationalTime

__all__ = ["Blocks", "shifted"]

_MIN, _MAX, _FILL = 16, 64, 32
"""Block sizes: joined below _MIN, cut above _MAX, _FILL when built from scratch."""

_START = frozenset({"start"})


def shifted(item: Item, by: int, rate: Fraction) -> Item:
    """``item`` moved ``by`` frames at ``rate``, its start kept at its own rate (so undo is exact).

    Ripples move many items: the copy skips re-validation (only the start changes, by whole frames)
    and builds the new time directly.
    """
    start = item.start
    own, value = start.rate, start.value
    if own == rate and value.denominator == 1:
        value = Fraction(value.numerator + by)
    else:
        value = value + Fraction(by) * own / rate
    time = object.__new__(RationalTime)
    object.__setattr__(time, "_value", value)
    object.__setattr__(time, "_rate", own)
    new = object.__new__(type(item))
    fields = item.__dict__.copy()
    fields["start"] = time
    object.__setattr__(new, "__dict__", fields)
    object.__setattr__(new, "__pydantic_fields_set__", item.__pydantic_fields_set__ | _START)
    object.__setattr__(new, "__pydantic_extra__", None)
    object.__setattr__(new, "__pydantic_private__", None)
    return new


class _Block:
    """Identity of a block, so an item id can name its block while blocks are cut and joined."""

    __slots__ = ("hint",)

    def __init__(self, hint: int = 0) -> None:
        self.hint = hint  # where it was last found among the blocks (cuts and joins move it)


_get, _set, _len = list.__getitem__, list.__setitem__, list.__len__


class Blocks(list[Item]):
    """A list cut into blocks with pending frame offsets: the ripple and the lookups by time."""

    __slots__ = ("_lo", "_nest", "_off", "_rate", "_tok", "_where")

    def __init__(self, items: Iterable[Item] = ()) -> None:
        super().__init__(items)
        self._rate: Fraction | None = None
        self._rebuild()

    # --- block bookkeeping ----------------------------------------------------------------
    def _rebuild(self) -> None:
        """Blocks from scratch (after a flush or a bulk change): all offsets 0."""
        n = _len(self)
        self._lo: npt.NDArray[np.int64] = np.arange(0, n, _FILL, dtype=np.int64)
        self._off: npt.NDArray[np.int64] = np.zeros(len(self._lo), dtype=np.int64)
        self._tok: list[_Block] = [_Block(b) for b in range(len(self._lo))]
        toks = self._tok
        self._where: dict[str, _Block] = {x.id: toks[k // _FILL] for k, x in enumerate(list.__iter__(self))}
        self._nest: dict[str, int] = {}
        for x in list.__iter__(self):
            if isinstance(x, SequenceClip):
                self._nested(x, 1)

    def _nested(self, item: Item, by: int) -> None:
        """Count ``item`` in (``by`` 1) or out (-1) of the nested-sequence clips, if it is one."""
        if isinstance(item, SequenceClip):
            n = self._nest.get(item.id, 0) + by
            if n > 0:
                self._nest[item.id] = n
            else:
                self._nest.pop(item.id, None)

    def nested(self) -> list[str]:
        """Ids of the nested-sequence clips (what a nested sequence's edit checks), without reading
        or materialising any other item; O(their number)."""
        return list(self._nest)

    def _find(self, tok: _Block) -> int:
        """Index of the block ``tok`` names (-1: gone): where it was last found, or next to it (a cut
        or join moves later blocks by one), else a scan of the blocks, which notes the new place."""
        toks, hint = self._tok, tok.hint
        for b in (hint, hint + 1, hint - 1):
            if 0 <= b < len(toks) and toks[b] is tok:
                tok.hint = b
                return b
        try:
            b = toks.index(tok)
        except ValueError:
            return -1
        tok.hint = b
        return b

    def _block(self, i: int) -> int:
        """The block holding item ``i``."""
        return int(self._lo.searchsorted(i, "right")) - 1

    def _end(self, b: int) -> int:
        lo = self._lo
        return int(lo[b + 1]) if b + 1 < len(lo) else _len(self)

    def _raw(self, b: int) -> list[Item]:
        return _get(self, slice(int(self._lo[b]), self._end(b)))

    def _rebase(self, b: int, to: int) -> None:
        """Give block ``b`` the pending offset ``to`` by copying its items (``to`` 0: materialise)."""
        by = int(self._off[b]) - to
        if by:
            rate = self._rate
            assert rate is not None  # an offset was set by shift(), which sets the rate
            lo, hi = int(self._lo[b]), self._end(b)
            _set(self, slice(lo, hi), [shifted(x, by, rate) for x in _get(self, slice(lo, hi))])
            self._off[b] = to

    def _cover(self, start: int, stop: int) -> None:
        """Materialise the blocks holding items ``start`` to ``stop - 1``."""
        if start >= stop:
            return
        off = self._off
        for b in range(self._block(start), self._block(stop - 1) + 1):
            if off[b]:
                self._rebase(b, 0)

    def _retoken(self, start: int, stop: int, old: _Block, new: _Block) -> None:
        where = self._where
        for x in _get(self, slice(start, stop)):
            if where.get(x.id) is old:
                where[x.id] = new

    def _split(self, b: int, at: int) -> None:
        """Cut block ``b`` before item ``at``; both parts keep its offset (nothing is copied)."""
        lo, hi, tok = int(self._lo[b]), self._end(b), _Block()
        if at - lo < hi - at:  # the smaller part gets the new token
            self._retoken(lo, at, self._tok[b], tok)
            self._tok[b], tok = tok, self._tok[b]
        else:
            self._retoken(at, hi, self._tok[b], tok)
        self._lo = np.insert(self._lo, b + 1, at)
        self._off = np.insert(self._off, b + 1, self._off[b])
        self._tok.insert(b + 1, tok)
        self._tok[b].hint, tok.hint = b, b + 1

    def _merge(self, a: int) -> None:
        """Join blocks ``a`` and ``a + 1`` (rebasing the one with a pending offset if they differ)."""
        first, mid = int(self._lo[a]), int(self._lo[a + 1])
        size_a, size_b = mid - first, self._end(a + 1) - mid
        off_a, off_b = int(self._off[a]), int(self._off[a + 1])
        if off_a != off_b:
            if off_a and (not off_b or size_a <= size_b):
                self._rebase(a, off_b)
            else:
                self._rebase(a + 1, off_a)
        if size_a >= size_b:
            self._retoken(mid, mid + size_b, self._tok[a + 1], self._tok[a])
        else:
            self._retoken(first, mid, self._tok[a], self._tok[a + 1])
            self._tok[a] = self._tok[a + 1]
        self._drop(a + 1)
        if size_a + size_b > _MAX:
            self._split(a, first + (size_a + size_b) // 2)

    def _drop(self, b: int) -> None:
        """Forget block ``b``'s bounds (its items went to the block before, or are gone)."""
        self._lo = np.delete(self._lo, b)
        self._off = np.delete(self._off, b)
        del self._tok[b]

    def _mend(self, tok: _Block) -> None:
        """Join the block ``tok`` names to its cheaper neighbour when it has become small."""
        b = self._find(tok)
        if b < 0:
            return
        nb, off = len(self._lo), self._off
        size = self._end(b) - int(self._lo[b])
        if size >= _MIN or nb == 1:
            return

        def cost(c: int) -> int:
            return 0 if off[c] == off[b] else size if off[b] else self._end(c) - int(self._lo[c])

        c = min((c for c in (b - 1, b + 1) if 0 <= c < nb), key=cost)
        self._merge(min(b, c))

    def _bump(self, start: int, by: int) -> None:
        self._lo[start:] += by

    def _fix(self, i: int, n: int) -> int:
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("list index out of range")
        return i

    # --- ripple and lookups by time (no materialising beyond one block) ----------------
    def shift(self, index: int, by: int, rate: Fraction) -> None:
        """Move items ``index`` onwards ``by`` frames at ``rate`` (lazily: O(B + n/B))."""
        if not by or index >= _len(self):
            return
        if self._rate != rate:
            self.flush()  # pending offsets are frames at the old rate: apply them first
            self._rate = rate
        index = max(index, 0)
        b = self._block(index)
        left = None
        if index > self._lo[b]:
            self._split(b, index)
            left = self._tok[b]
            b += 1
        right = self._tok[b]
        self._off[b:] += by
        self._mend(right)
        if left is not None:
            self._mend(left)

    def flush(self) -> Blocks:
        """Apply every pending offset (before C code reads the storage); returns the list."""
        for b in np.flatnonzero(self._off).tolist():
            self._rebase(b, 0)
        return self

    def _same_rate(self, rate: Fraction) -> None:
        if self._rate != rate and self._off.any():
            self.flush()

    def bisect_start(self, frame: int, rate: Fraction, *, right: bool = False) -> int:
        """Index of the first item starting at (``right``: after) ``frame`` or later; O(log n)."""
        if not _len(self):
            return 0
        self._same_rate(rate)
        lo, off = self._lo, self._off
        a, z = 0, len(lo)
        while a < z:
            m = (a + z) // 2
            s = start_frame(_get(self, int(lo[m])), rate) + int(off[m])
            if s > frame or (s == frame and not right):
                z = m
            else:
                a = m + 1
        if not a:
            return 0
        b = a - 1
        find = bisect_right if right else bisect_left
        return int(lo[b]) + find(self._raw(b), frame - int(off[b]), key=lambda x: start_frame(x, rate))

    def index_at(self, frame: int, rate: Fraction) -> int:
        """Index of the item on screen at ``frame`` (-1 over a gap); O(log n)."""
        k = self.bisect_start(frame, rate, right=True) - 1
        if k < 0:
            return -1
        x, o = _get(self, k), int(self._off[self._block(k)])
        return k if frame < start_frame(x, rate) + o + x.frames(rate) else -1

    def end_frame(self, rate: Fraction) -> int:
        """First frame after the last item (0 when empty); O(1)."""
        if not _len(self):
            return 0
        self._same_rate(rate)
        x = _get(self, -1)
        return start_frame(x, rate) + int(self._off[-1]) + x.frames(rate)

    def index_of_id(self, item_id: str) -> int:
        """Index of the item with ``item_id`` (-1 when absent); O(B + log n)."""
        tok = self._where.get(item_id)
        if tok is None:
            return -1
        b = self._find(tok)
        if b >= 0:
            first = int(self._lo[b])
            for j, x in enumerate(self._raw(b)):
                if x.id == item_id:
                    return first + j
        for k, x in enumerate(list.__iter__(self)):  # ids out of step (duplicates): look everywhere
            if x.id == item_id:
                self._where[item_id] = self._tok[self._block(k)]
                return k
        del self._where[item_id]
        return -1

    def position(self, item: Item) -> int:
        """Index of this very (current) ``item`` object; -1 when it is not, or no longer, here."""
        tok = self._where.get(item.id)
        if tok is None:
            return -1
        b = self._find(tok)
        if b < 0:
            return -1
        if self._off[b]:
            return -1  # its block moved since it was read: that object is stale
        first = int(self._lo[b])
        for j, x in enumerate(self._raw(b)):
            if x is item:
                return first + j
        return -1
