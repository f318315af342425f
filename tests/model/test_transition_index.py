"""A track's transitions are found by clip id (``TransitionList``), not by scanning every transition:
the index always equals one rebuilt from the list, after random edits, undos, redos and copies, and
``cut_into`` answers as the scan of every transition did."""

from __future__ import annotations

import copy
import pickle
from fractions import Fraction
from typing import Any

import pytest
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
    Transition,
    io,
)
from timeline_lab.model.editing import cut_into, gap_frame
from timeline_lab.model.edits import end_frame, start_frame
from timeline_lab.model.transition_list import TransitionList

RATE = Fraction(25)
MEDIA = MediaReference(
    path="/media/a.mp4", rate=25, has_audio=True, available_range=TimeRange.from_frames(0, 4000, 25)
)


def clip(name: str, frames: int, start: int | None = None) -> Clip:
    c = Clip(id=name, media=MEDIA, source_range=TimeRange.from_frames(200, frames, 25))
    return c if start is None else c.model_copy(update={"start": RationalTime.from_frames(start, 25)})


def dissolve(name: str, a: str | None, b: str | None, frames: int = 6, **kw: Any) -> Transition:
    return Transition(id=name, from_clip=a, to_clip=b, duration=RationalTime.from_frames(frames, 25), **kw)


def scene() -> str:
    """Two tracks of clips, some with gaps between, with dissolves, a fade in and a fade out."""
    p = Project(id="prj_ti", settings=ProjectSettings(frame_rate=RATE))
    for t, count in enumerate((24, 12)):
        track = p.add_track(track=Track(id=f"trk_{t}"))
        prev = None
        for n in range(count):
            c = clip(f"c{t}_{n:02d}", 10 + (n * 7) % 11)
            track.insert(c, track.items_end() + (5 if n % 5 == 4 or n == 0 else 0))
            if prev is not None and n % 3 == 0 and n % 5 != 4:
                track.add_transition(dissolve(f"x{t}_{n:02d}", prev.id, c.id, 2 + n % 5))
            prev = c
        track.add_transition(dissolve(f"in{t}", None, track.items[0].id, 4))
        track.add_transition(dissolve(f"out{t}", track.items[-1].id, None, 4, alignment="end"))
    p.history.clear()
    return io.dumps(p)


START = scene()


def scan_cut_into(track: Track, at: int) -> tuple[Transition, int] | None:
    """The answer of the old ``cut_into``: every transition looked at, in list order."""
    rate = track.rate
    for tr in track.transitions:
        a = track.find(tr.from_clip) if tr.from_clip else None
        b = track.find(tr.to_clip) if tr.to_clip else None
        if a is None and b is None:
            continue
        cut = end_frame(a, rate) if a is not None else start_frame(b, rate)  # type: ignore[arg-type]
        after, before = tr.handles(rate)
        first = cut - before if a is not None else cut
        end = cut + after if b is not None else cut
        if first < at < end or (a is not None and b is not None and at == cut):
            return tr, first if first < at else start_frame(a, rate)  # type: ignore[arg-type]
    return None


def assert_index(trs: TransitionList) -> None:
    """The index of ``trs`` is the one a fresh list builds, and answers as a scan would."""
    fresh = TransitionList(list(trs))
    assert trs._keys == [id(t) for t in trs]
    for mine, rebuilt in ((trs._at, fresh._at), (trs._named, fresh._named)):
        assert {k: sorted(map(id, v)) for k, v in mine.items()} == {
            k: sorted(map(id, v)) for k, v in rebuilt.items()
        }
    clips = {c for t in trs for c in (t.from_clip, t.to_clip) if c is not None}
    for c in clips:
        assert trs.at(c) == [t for t in trs if c in (t.from_clip, t.to_clip)]
        assert [t for _, t in trs.touching([c])] == trs.at(c)
    for n, t in enumerate(trs):
        assert trs.position(t) == n
        assert trs.index_of_id(t.id) == [x.id for x in trs].index(t.id)
    assert trs.index_of_id("no_such") == -1


def act(p: Project, data: st.DataObject, n: int) -> None:
    kind = data.draw(
        st.sampled_from(
            [
                *("insert", "insert", "append", "overwrite", "split", "split", "trim", "ripple_delete"),
                *("lift", "move", "move", "slide", "roll", "add_transition", "remove_transition"),
            ]
        )
    )
    t = data.draw(st.integers(0, len(p.tracks) - 1))
    track = p.tracks[t]
    end = track.items_end()
    new = clip(f"new{n:03d}", data.draw(st.integers(4, 20)))
    if kind == "insert":
        track.insert(new, data.draw(st.integers(0, end + 3)))
    elif kind == "append":
        track.append(new)
    elif kind == "overwrite":
        track.overwrite(new, data.draw(st.integers(0, end + 3)))
    elif kind == "split":
        track.split(data.draw(st.integers(0, end)))
    elif not track.items:
        track.append(new)
    else:
        k = data.draw(st.integers(0, len(track.items) - 1))
        item = track.items[k].id
        if kind == "trim":
            edge = data.draw(st.sampled_from(["in", "out"]))
            delta = data.draw(st.integers(-4, 4).filter(bool))
            track.trim(item, edge, delta, ripple=data.draw(st.booleans()))
        elif kind == "ripple_delete":
            track.ripple_delete(item)
        elif kind == "lift":
            track.lift(item)
        elif kind == "move":
            to = p.tracks[data.draw(st.integers(0, len(p.tracks) - 1))]
            track.move(item, data.draw(st.integers(0, end + 30)), to)
        elif kind == "slide":
            track.slide(item, data.draw(st.integers(-3, 3)))
        elif kind == "roll":
            track.roll(item, data.draw(st.integers(-3, 3)))
        elif kind == "add_transition":
            other = track.items[k + 1].id if k + 1 < len(track.items) else None
            side = data.draw(st.sampled_from(["both", "in", "out"]))
            a, b = (None, item) if side == "in" else (item, None if side == "out" else other)
            track.add_transition(dissolve(f"new_x{n:03d}", a, b, data.draw(st.integers(1, 8))))
        elif track.transitions:
            pick = track.transitions[data.draw(st.integers(0, len(track.transitions) - 1))]
            track.remove_transition(pick.id)


def check(p: Project, data: st.DataObject) -> None:
    p.validate_timeline()  # what the local checks let through is valid as a whole
    for track in p.tracks:
        assert_index(track._transitions())
        for at in data.draw(st.lists(st.integers(0, track.items_end() + 2), min_size=1, max_size=6)):
            assert cut_into(track, at) == scan_cut_into(track, at)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), steps=st.integers(5, 30))
def test_index_matches_rebuilt_after_edits_undo_redo(data: st.DataObject, steps: int) -> None:
    p = io.loads(START)
    check(p, data)
    for n in range(steps):
        what = data.draw(st.sampled_from(["edit"] * 6 + ["undo", "undo", "redo"]))
        if what == "undo":
            p.undo()
        elif what == "redo":
            p.redo()
        else:
            before = io.dumps(p)
            try:
                act(p, data, n)
            except ProjectError:
                assert io.dumps(p) == before  # a refused edit leaves everything, the index too
        check(p, data)
    loaded = io.loads(io.dumps(p))
    for track in loaded.tracks:
        assert_index(track._transitions())
    while p.undo() is not None:
        pass
    assert io.dumps(p) == START
    check(p, data)


@pytest.mark.parametrize(
    "make",
    [copy.copy, copy.deepcopy, lambda t: pickle.loads(pickle.dumps(t)), lambda t: t.copy()],
    ids=["copy", "deepcopy", "pickle", "method"],
)
def test_copies_of_the_list_carry_their_own_index(make: Any) -> None:
    trs = io.loads(START).tracks[0]._transitions()
    twin = make(trs)
    assert type(twin) is TransitionList and twin == trs
    assert_index(twin)
    del twin[0]
    assert_index(twin)
    assert_index(trs)
    assert len(trs) == len(twin) + 1


def test_every_list_write_keeps_the_index() -> None:
    """Loaders write the list directly (append, item and slice assignment, sort): all keep it (each
    transition object is in the list once, as on a track)."""
    trs = TransitionList()
    a, b, c = dissolve("ta", "c1", "c2"), dissolve("tb", "c2", "c3"), dissolve("tc", None, "c1")
    for write in (
        lambda: trs.append(a),
        lambda: trs.extend([b, c]),
        lambda: trs.__setitem__(0, a.model_copy(update={"to_clip": "c9"})),
        lambda: trs.insert(1, dissolve("td", "c3", "c4")),
        lambda: trs.__setitem__(slice(0, 2), [c.model_copy(), a.model_copy()]),
        lambda: trs.sort(key=lambda t: t.id),
        lambda: trs.reverse(),
        lambda: trs.pop(1),
        lambda: trs.remove(trs[0]),
        lambda: trs.__iadd__([b.model_copy()]),
        lambda: trs.__delitem__(slice(0, 1)),
        lambda: trs.clear(),
    ):
        write()
        assert_index(trs)


def test_a_track_made_without_validation_gets_an_index() -> None:
    """``model_construct`` leaves a plain list: the track's reader makes it a TransitionList."""
    src = io.loads(START).tracks[0]
    track = Track.model_construct(id="trk_c", items=list(src.items), transitions=list(src.transitions))
    trs = track._transitions()
    assert type(trs) is TransitionList and track.transitions is trs
    assert_index(trs)


@pytest.mark.parametrize("alignment", ["center", "start", "end"])
@pytest.mark.parametrize("length", [1, 2, 5, 10])
def test_insert_beside_a_dissolve_refused_or_placed_as_the_scan_says(alignment: str, length: int) -> None:
    """Every frame of a short track around a dissolve and fades: ``gap_frame`` and refusals as before."""
    p = Project(settings=ProjectSettings(frame_rate=RATE))
    t = p.add_track(track=Track(id="trk_v"))
    for n in range(4):
        t.insert(clip(f"k{n}", 12), t.items_end() + (12 if n in (0, 3) else 0))
    t.configure(trailing_gap=RationalTime.from_frames(12, 25))
    t.add_transition(dissolve("x1", "k1", "k2", length, alignment=alignment))
    t.add_transition(dissolve("fi", None, "k0", length, alignment=alignment))
    t.add_transition(dissolve("fo", "k3", None, length, alignment=alignment))
    t.add_transition(dissolve("fo2", "k2", None, length, alignment=alignment))
    for at in range(t.items_end() + 2):
        assert cut_into(t, at) == scan_cut_into(t, at)
        frame = at
        while (hit := scan_cut_into(t, frame)) is not None:
            frame = hit[1]
        assert gap_frame(t, at) == frame
