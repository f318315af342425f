"""The lazily rippled item list (model/item_list.py, model/_item_blocks.py) against a plain list.

The oracle is a plain list shifted eagerly (every item after the point copied, as ripples were
before): after any sequence of inserts, deletes, assignments, shifts and reads, every read of the
ItemList (index, slice, iteration, search, comparison, repr, copy, pickle) must equal the same read
of the oracle, and lookups by time and by id must agree with bisecting the oracle.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from bisect import bisect_left, bisect_right
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.model import RationalTime, TextClip
from timeline_lab.model._item_blocks import _MAX
from timeline_lab.model.edits import end_frame, start_frame
from timeline_lab.model.item_list import ItemList, shifted
from timeline_lab.model.items import Item

RATE = Fraction(25)


class Maker:
    """Text items with unique ids; some keep their start at 50 fps (shifts then convert)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, start: int, frames: int = 3, own: int = 25) -> Item:
        self.n += 1
        k = own // 25
        return TextClip(
            id=f"txt_{self.n:05d}",
            text="x",
            start=RationalTime(start * k, own),
            duration=RationalTime(frames, 25),
        )


def starts(items: list[Item], rate: Fraction = RATE) -> list[int]:
    return [start_frame(i, rate) for i in items]


def check_blocks(il: ItemList) -> None:
    """The bookkeeping is consistent: block bounds, sizes, and every id names its item's block."""
    n, lo, off, tok = list.__len__(il), il._lo, il._off, il._tok
    assert len(lo) == len(off) == len(tok)
    assert (n == 0) == (len(lo) == 0)
    if n:
        assert lo[0] == 0 and all(a < b for a, b in itertools.pairwise(lo))
        ends = [*lo[1:], n]
        assert all(0 < e - s <= _MAX for s, e in zip(lo, ends, strict=True))
    raw = list(list.__iter__(il))
    assert set(il._where) == {x.id for x in raw}
    for k, x in enumerate(raw):
        assert il._where[x.id] is tok[bisect_right(lo, k) - 1]


def eager_shift(ref: list[Item], index: int, by: int, rate: Fraction) -> None:
    ref[index:] = [shifted(x, by, rate) for x in ref[index:]]


OPS = st.sampled_from(
    [
        *["insert", "append", "delete", "assign", "read", "slice", "lookup", "by_id", "position"] * 3,
        *["shift"] * 8, "shift50", "end", "pop", "iter", "reversed", "contains", "index", "count", "eq",
        "repr", "pickle", "deepcopy", "copy", "add", "sort", "slice_set", "del_slice", "extend",
    ]
)  # fmt: skip
"""Ripples and reads that touch a few blocks are common; reads that flush the whole list are rare."""


def place(ref: list[Item], i: int) -> tuple[int, int]:
    """Frames a new item at index ``i`` may start at, keeping starts in order."""
    low = start_frame(ref[i - 1], RATE) if i else 0
    high = start_frame(ref[i], RATE) if i < len(ref) else low + 40
    return low, max(low, high)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), size=st.integers(0, 260), steps=st.integers(1, 50))
def test_item_list_reads_as_an_eagerly_shifted_list(data: st.DataObject, size: int, steps: int) -> None:
    make = Maker()
    ref: list[Item] = [make(4 * k, 3, 50 if k % 7 == 3 else 25) for k in range(size)]
    il = ItemList(ref)
    for _ in range(steps):
        op = data.draw(OPS)
        n = len(ref)
        if op in ("insert", "assign") and (op == "insert" or n):
            i = data.draw(st.integers(0, n if op == "insert" else n - 1))
            low, high = place(ref, i) if op == "insert" else place(ref[:i] + ref[i + 1 :], i)
            item = make(data.draw(st.integers(low, high)))
            if op == "insert":
                ref.insert(i, item)
                il.insert(i, item)
            else:
                ref[i] = item
                il[i] = item
        elif op == "append":
            item = make(end_frame(ref[-1], RATE) if ref else 0)
            ref.append(item)
            il.append(item)
        elif op in ("delete", "pop") and n:
            i = data.draw(st.integers(-n, n - 1))
            if op == "pop":
                assert il.pop(i) == ref.pop(i)
            else:
                del ref[i]
                del il[i]
        elif op == "shift" and n:
            i = data.draw(st.integers(0, n))
            room = start_frame(ref[i], RATE) - (start_frame(ref[i - 1], RATE) if i else 0) if i < n else 0
            by = data.draw(st.integers(-room, 30))
            eager_shift(ref, i, by, RATE)
            il.shift(i, by, RATE)
        elif op == "shift50" and n:  # another rate: pending offsets are applied first
            i, by = data.draw(st.integers(0, n)), data.draw(st.integers(0, 9)) * 2
            eager_shift(ref, i, by, Fraction(50))
            il.shift(i, by, Fraction(50))
        elif op == "read" and n:
            i = data.draw(st.integers(-n, n - 1))
            assert il[i] == ref[i] and il[i].start == ref[i].start
        elif op == "slice":
            a, b = data.draw(st.integers(-n - 2, n + 2)), data.draw(st.integers(-n - 2, n + 2))
            step = data.draw(st.sampled_from([1, 1, 2, 3, -1, -2]))
            assert il[a:b:step] == ref[a:b:step]
        elif op == "iter":
            assert starts(list(il)) == starts(ref) and [*il] == ref
        elif op == "reversed":
            assert list(reversed(il)) == list(reversed(ref))
        elif op in ("contains", "index", "count") and n:
            x = ref[data.draw(st.integers(0, n - 1))]
            assert (x in il) and il.index(x) == ref.index(x) and il.count(x) == ref.count(x) == 1
            assert make(0) not in il
        elif op == "eq":
            assert il == ref and ref == il and (il != ref) is False and il == ItemList(ref)
        elif op == "repr":
            assert repr(il) == repr(ref)
        elif op == "pickle":
            back = pickle.loads(pickle.dumps(il))
            assert type(back) is ItemList and back == ref
            check_blocks(back)
        elif op == "deepcopy":
            deep = copy.deepcopy(il)
            assert type(deep) is ItemList and deep == ref and (not n or deep[0] is not ref[0])
        elif op == "copy":
            assert copy.copy(il) == ref and il.copy() == ref and type(il.copy()) is ItemList
        elif op == "add":
            assert il + ref == ref + ref and ref + il == ref + ref and il * 2 == ref * 2
        elif op == "lookup":
            frame = data.draw(st.integers(-2, 4 * n + 50))
            keys = starts(ref)
            assert il.bisect_start(frame, RATE) == bisect_left(keys, frame)
            assert il.bisect_start(frame, RATE, right=True) == bisect_right(keys, frame)
            k = bisect_right(keys, frame) - 1
            want = k if k >= 0 and frame < end_frame(ref[k], RATE) else -1
            assert il.index_at(frame, RATE) == want
        elif op in ("by_id", "position") and n:
            i = data.draw(st.integers(0, n - 1))
            assert il.index_of_id(ref[i].id) == i and il.index_of_id("nope") == -1
            if op == "position":
                assert il.position(il[i]) == i
            assert il.ids()[ref[i].id] == ref[i] and ref[i].id in il.ids()
        elif op == "end":
            assert il.end_frame(RATE) == (end_frame(ref[-1], RATE) if ref else 0)
        elif op == "sort":
            ref.sort(key=lambda x: x.id, reverse=True)
            il.sort(key=lambda x: x.id, reverse=True)
            ref.sort(key=lambda x: x.start)
            il.sort(key=lambda x: x.start)
        elif op == "slice_set" and n:
            a = data.draw(st.integers(0, n))
            moved = [shifted(x, 1, RATE) for x in ref[a:]]
            ref[a:] = moved
            il[a:] = moved
        elif op == "del_slice" and n:
            a = data.draw(st.integers(0, n))
            b = data.draw(st.integers(a, n))
            del ref[a:b]
            del il[a:b]
        elif op == "extend":
            last = end_frame(ref[-1], RATE) if ref else 0
            more = [make(last + 3 * k) for k in range(data.draw(st.integers(0, 70)))]
            ref.extend(more)
            il += more
        check_blocks(il)
        assert len(il) == len(ref)
    assert il == ref and starts(il) == starts(ref)


def test_stale_objects_are_not_found_by_position() -> None:
    """An object read before a ripple moved it is no longer the item there (as with eager copies)."""
    make = Maker()
    il = ItemList(make(4 * k) for k in range(200))
    old = il[150]
    il.shift(100, 7, RATE)
    assert il.position(old) == -1 and il.index_of_id(old.id) == 150
    assert il[150].start == RationalTime(607, 25) and il.position(il[150]) == 150


def test_a_ripple_copies_only_what_it_touches() -> None:
    """A shift and its undo copy no item; a read copies one block; pickling sends current items."""
    make = Maker()
    il = ItemList(make(4 * k) for k in range(10_000))
    raw = list(list.__iter__(il))
    il.shift(5_000, 12, RATE)
    il.shift(5_000, -12, RATE)
    assert sum(a is not b for a, b in zip(raw, list.__iter__(il), strict=True)) == 0
    il.shift(5_000, 12, RATE)
    assert il[9_000].start == RationalTime(36_012, 25)
    copied = sum(a is not b for a, b in zip(raw, list.__iter__(il), strict=True))
    assert 0 < copied <= _MAX
    assert starts(pickle.loads(pickle.dumps(il)))[-1] == 4 * 9_999 + 12
    assert il.end_frame(RATE) == 4 * 9_999 + 12 + 3


@pytest.mark.parametrize(
    ("read", "want"),
    [
        (lambda il: [x.start.value for x in il], [0, 14, 18]),
        (lambda il: [x.start.value for x in reversed(il)], [18, 14, 0]),
        (lambda il: [x.start.value for x in il[1:]], [14, 18]),
        (lambda il: [x.start.value for x in tuple(il)], [0, 14, 18]),
        (lambda il: [x.start.value for x in sorted(il, key=lambda x: x.id)], [0, 14, 18]),
        (lambda il: [x.start.value for x in [*il]], [0, 14, 18]),
        (lambda il: [x.start.value for x in [*[], *il]], [0, 14, 18]),
        (lambda il: [x.start.value for x in [] + il], [0, 14, 18]),  # noqa: RUF005 (the reflected +)
    ],
)
def test_every_way_of_reading_sees_current_starts(read: Any, want: list[int]) -> None:
    make = Maker()
    il = ItemList([make(0), make(4), make(8)])
    il.shift(1, 10, RATE)
    assert read(il) == want
