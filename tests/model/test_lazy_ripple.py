"""Lazy ripples seen through the project: random edits, undos and redos on a multi-track timeline.

The oracle replays the edits that are applied (after undos and redos) from the first state on a
fresh project whose ripples are eager (every later item copied at once, as before). Between the
full comparisons (a JSON dump, which applies every pending offset) the test reads only a few items
and lookups, so pending offsets stay pending and each read must still see the current start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    io,
)
from timeline_lab.model._item_blocks import Blocks
from timeline_lab.model.edits import end_frame, start_frame
from timeline_lab.model.item_list import ItemList, shifted

RATE = Fraction(25)
A = MediaReference(
    path="/media/a.mp4", rate=25, has_audio=True, available_range=TimeRange.from_frames(0, 400, 25)
)

Action = tuple[Any, ...]


def clip(name: str, frames: int, src: int = 20) -> Clip:
    return Clip(id=name, media=A, source_range=TimeRange.from_frames(src, frames, 25))


def first() -> str:
    """Three tracks of 90, 70 and 20 clips (several blocks each), with gaps, as JSON."""
    p = Project(id="prj_lazy", settings=ProjectSettings(frame_rate=RATE))
    for t, count in enumerate((90, 70, 20)):
        track = p.add_track(track=Track(id=f"trk_{t}"))
        for n in range(count):
            c = clip(f"clip_{t}_{n:03d}", 6 + (n * 7) % 13, 10 + n % 30)
            track.insert(c, track.items_end() + (n % 4 == 0) * 3)
    return io.dumps(p)


START = first()


def eager_shift(self: Blocks, index: int, by: int, rate: Fraction) -> None:
    """The old ripple: copy every item from ``index`` on at once."""
    if not by or index >= list.__len__(self):
        return
    self.flush()
    list.__setitem__(
        self, slice(index, None), [shifted(x, by, rate) for x in list.__getitem__(self, slice(index, None))]
    )
    self._rebuild()


@contextmanager
def eager() -> Iterator[None]:
    with mock.patch.object(Blocks, "shift", eager_shift):
        yield


def act(p: Project, action: Action) -> None:
    """Apply one edit (the same call on the project under test and on the oracle)."""
    kind, t, *args = action
    track = p.tracks[t]
    if kind == "insert":
        track.insert(args[0], args[1])
    elif kind == "append":
        track.append(args[0])
    elif kind == "overwrite":
        track.overwrite(args[0], args[1])
    elif kind == "trim":
        track.trim(args[0], args[1], args[2], ripple=args[3])
    elif kind == "split":
        track.split(args[0])
    elif kind == "ripple_delete":
        track.ripple_delete(args[0])
    elif kind == "lift":
        track.lift(args[0])
    elif kind == "move":
        track.move(args[0], args[1], p.tracks[args[2]])
    elif kind == "slide":
        track.slide(args[0], args[1])
    else:
        raise AssertionError(kind)


def oracle(applied: list[Action]) -> Project:
    with eager():
        p = io.loads(START)
        for action in applied:
            act(p, action)
    return p


def spans(track: Track) -> list[tuple[str, int, int]]:
    return [(i.id, start_frame(i, RATE), end_frame(i, RATE)) for i in track.items]


def peek(data: st.DataObject, p: Project, ref: Project) -> None:
    """A few reads that touch one block each: they must agree with the eager oracle."""
    assert p.duration() == ref.duration()
    for track, want in zip(p.tracks, ref.tracks, strict=True):
        assert len(track.items) == len(want.items) and track.items_end() == want.items_end()
        if not want.items:
            continue
        k = data.draw(st.integers(-len(want.items), len(want.items) - 1))
        assert track.items[k] == want.items[k]
        f = data.draw(st.integers(0, want.items_end() + 5))
        assert track.first_from(f) == want.first_from(f)
        assert track.item_at(f) == want.item_at(f)
        item_id = want.items[data.draw(st.integers(0, len(want.items) - 1))].id
        assert track.index_of(item_id) == want.index_of(item_id)
        assert track.item(item_id) == want.item(item_id)


def draw_action(data: st.DataObject, p: Project, n: int) -> Action:
    kind = data.draw(
        st.sampled_from(["insert"] * 3 + ["trim"] * 3 + ["ripple_delete"] * 2 + ["append", "overwrite"]
                        + ["split", "lift", "move", "slide"])
    )  # fmt: skip
    t = data.draw(st.integers(0, len(p.tracks) - 1))
    track = p.tracks[t]
    end = track.items_end()
    new = clip(f"new_{n:04d}", data.draw(st.integers(3, 25)))
    if kind in ("insert", "overwrite"):
        return (kind, t, new, data.draw(st.integers(0, end + 5)))
    if kind == "append":
        return (kind, t, new)
    if kind == "split":
        return (kind, t, data.draw(st.integers(0, end + 2)))
    if not track.items:
        return ("append", t, new)
    item_id = track.items[data.draw(st.integers(0, len(track.items) - 1))].id
    if kind == "trim":
        delta = data.draw(st.integers(-6, 6).filter(bool))
        return (kind, t, item_id, data.draw(st.sampled_from(["in", "out"])), delta, data.draw(st.booleans()))
    if kind == "move":
        return (kind, t, item_id, data.draw(st.integers(0, end + 40)), data.draw(st.integers(0, 2)))
    if kind == "slide":
        return (kind, t, item_id, data.draw(st.integers(-3, 3)))
    return (kind, t, item_id)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(data=st.data(), steps=st.integers(5, 30))
def test_lazy_ripples_match_eager_replay(data: st.DataObject, steps: int) -> None:
    p = io.loads(START)
    applied: list[Action] = []
    undone: list[Action] = []
    for n in range(steps):
        what = data.draw(st.sampled_from(["edit"] * 5 + ["undo", "undo", "redo"]))
        if what == "undo" and applied:
            assert p.undo() is not None
            undone.append(applied.pop())
        elif what == "redo" and undone:
            assert p.redo() is not None
            applied.append(undone.pop())
        else:
            action = draw_action(data, p, n)
            try:
                act(p, action)
            except ProjectError:
                pass
            else:
                applied.append(action)
                undone.clear()
        ref = oracle(applied)
        peek(data, p, ref)
        if data.draw(st.integers(0, 4)) == 0:
            assert io.dumps(p) == io.dumps(ref)
            assert [spans(t) for t in p.tracks] == [spans(t) for t in ref.tracks]
    final = io.dumps(oracle(applied))
    assert io.dumps(p) == final
    while p.undo() is not None:
        pass
    assert io.dumps(p) == START
    while p.redo() is not None:
        pass
    assert io.dumps(p) == io.dumps(oracle(applied + undone[::-1]))  # the undone edits are redone too


def copied(track: Track, before: list[Any]) -> int:
    """How many stored items are not the objects ``before`` holds at their place."""
    return sum(a is not b for a, b in zip(before, list.__iter__(track.items), strict=True))


def test_a_ripple_and_its_undo_copy_only_what_they_touch() -> None:
    """Ripple, undo, redo, duration and lookups by time leave the items after the edit uncopied."""
    p = Project(settings=ProjectSettings(frame_rate=RATE))
    track = p.add_track(
        track=Track(
            items=[
                clip(f"clip_{n:05d}", 10).model_copy(update={"start": RationalTime(10 * n, 25)})
                for n in range(5_000)
            ]
        )
    )
    before = list(list.__iter__(track.items))
    track.insert(clip("new", 7), 20_005)
    assert p.duration() == RationalTime(50_007, 25) and track.item_at(49_000).id == "clip_04899"  # type: ignore[union-attr]
    p.undo()
    p.redo()
    assert 3 <= copied(track, [*before[:2_001], None, None, *before[2_001:]]) <= 3 + 4 * 64
    assert track.first_from(40_007) == 4_002 and track.index_of("clip_04999") == 5_001


def test_every_way_in_makes_an_item_list_and_every_way_out_is_current() -> None:
    """Construction, validation, deep copies and assignment give ItemLists; dumps see pending ripples."""
    p = io.loads(START)
    track = p.tracks[0]
    track.ripple_delete(track.items[3].id)
    want = [(i.id, i.start) for i in track.items]
    track.ripple_delete(track.items[0].id)  # pending again
    dumped = track.model_dump(mode="json")["items"]
    assert [d["start"]["value"] for d in dumped] == [s.value - 6 for _, s in want[1:]]
    for other in (
        Track(items=track.items),
        Track.model_validate(track.model_dump()),
        track.model_copy(deep=True),
        Track.model_validate_json(track.model_dump_json()),
    ):
        assert type(other.items) is ItemList and other.items == track.items
    track.items = [*track.items[:2]]
    assert type(track.items) is ItemList and len(track.items) == 2
