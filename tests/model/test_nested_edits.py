"""Edits inside a nested sequence are edits of the document it is nested in: the parent's history
(exact undo/redo) and listeners take them, and one that would leave a parent's clip showing past the
sequence's end is refused naming that clip (the parent stayed unsavable and unrenderable)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def _project(name: str, tracks: int = 1) -> Project:
    p = Project(name=name, settings=ProjectSettings(frame_rate=25))
    for n in range(tracks):
        p.add_track(track=Track(name=f"V{n + 1}"))
    return p


def _clip(first: int, frames: int) -> Clip:
    return Clip(media=MEDIA, source_range=TimeRange.from_frames(first, frames, 25))


def _nested(lengths: list[int], spans: list[tuple[int, int]]) -> tuple[Project, Project]:
    """A parent whose V1 shows ``spans`` (first frame, frames) of a sequence of clips ``lengths`` long."""
    parent, inner = _project("parent"), _project("inner")
    for n, frames in enumerate(lengths):
        inner.tracks[0].append(_clip(10 * n, frames))
    for first, frames in spans:
        parent.tracks[0].append(parent.sequence_clip(inner, first, frames))
    parent.history.clear()
    return parent, inner


def _edits(inner: Project, k: int, d: int) -> list[tuple[str, Callable[[], Any]]]:
    track = inner.tracks[0]
    item = track.items[k % len(track.items)].id
    return [
        ("ripple_delete", lambda: track.ripple_delete(item)),
        ("lift", lambda: track.lift(item)),
        ("trim", lambda: track.trim(item, "out", -d, ripple=True)),
        ("trim", lambda: track.trim(item, "out", d)),
        ("trim", lambda: track.trim(item, "in", d, ripple=True)),
        ("slip", lambda: track.slip(item, d)),
        ("split", lambda: track.split(d)),
        ("insert", lambda: track.insert(_clip(200, d), d)),
        ("move", lambda: track.move(item, d)),
        ("remove_track", lambda: inner.remove_track(track.id)),
        ("apply", lambda: inner.apply({"op": "lift", "track": track.id, "item_id": item})),
    ]


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[int], list[tuple[int, int]], list[tuple[int, int, int]]]:
    lengths = draw(st.lists(st.integers(2, 12), min_size=1, max_size=3))
    total = sum(lengths)
    spans = []
    for _ in range(draw(st.integers(1, 2))):
        first = draw(st.integers(0, total - 1))
        spans.append((first, draw(st.integers(1, total - first))))
    edits = draw(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 5), st.integers(1, 8)), max_size=5))
    return lengths, spans, edits


@settings(max_examples=150, deadline=None)
@given(case=_cases())
def test_every_edit_inside_is_the_parents_undoable_edit_or_refused(case: Any) -> None:
    lengths, spans, edits = case
    parent, inner = _nested(lengths, spans)
    heard: list[tuple[str, str]] = []
    parent.subscribe(lambda op, how: heard.append((op.op, how)))
    inner_heard: list[str] = []
    inner.subscribe(lambda op, how: inner_heard.append(how))
    done: list[tuple[str, str]] = []  # (document before, after) of each accepted edit
    for which, k, d in edits:
        if not inner.tracks:
            break
        name, edit = _edits(inner, k, d)[which]
        before, heard[:], inner_heard[:] = io.dumps(parent), [], []
        try:
            edit()
        except ProjectError as exc:
            assert " refused: " in str(exc)
            assert io.dumps(parent) == before and heard == []  # nothing changed, nothing announced
            continue
        after = io.dumps(parent)
        assert io.loads(after).model_dump() == parent.model_dump()  # the parent still saves and loads
        assert [how for _, how in heard] == ["do"] and inner_heard == ["do"]
        assert heard[0][0] == ("lift" if name == "apply" else name)
        done.append((before, after))
    for before, after in reversed(done):  # undo from the parent, exactly
        assert io.dumps(parent) == after
        assert parent.undo() is not None
        assert io.dumps(parent) == before
    assert not parent.history.can_undo
    for _, after in done:  # and redo
        assert parent.redo() is not None
        assert io.dumps(parent) == after


@pytest.mark.parametrize(
    ("spans", "named"),
    [
        ([(0, 20)], [r"items\[0\] 'inner' \(up to 00:00:00:20\): trim or remove that clip"]),
        ([(2, 8), (0, 20)], [r"items\[1\] 'inner' \(up to 00:00:00:20\): trim or remove that clip"]),
        ([(12, 8), (0, 20)], [r"items\[0\] 'inner' \(up to 00:00:00:20\), ", r"items\[1\] .*those clips"]),
    ],
)
def test_a_refusal_names_each_clip_it_would_break(spans: list[tuple[int, int]], named: list[str]) -> None:
    parent, inner = _nested([10, 10], spans)
    refused = "ripple_delete refused: sequence 'inner' would be 10 frames"
    with pytest.raises(ProjectError, match=refused) as err:
        inner.tracks[0].ripple_delete(inner.tracks[0].items[1].id)
    for pattern in named:
        assert re.search(pattern, str(err.value))
    io.loads(io.dumps(parent))


def test_two_levels_deep_the_outermost_document_takes_the_edit() -> None:
    top, middle = _nested([10], [(0, 10)])
    leaf = _project("leaf")
    leaf.tracks[0].append(_clip(0, 30))
    middle.tracks[0].append(middle.sequence_clip(leaf, 0, 30))  # middle is now 40 frames
    top.history.clear()
    heard: list[str] = []
    top.subscribe(lambda op, how: heard.append(op.op))
    before = io.dumps(top)
    leaf.tracks[0].slip(leaf.tracks[0].items[0].id, 4)
    assert heard == ["slip"] and middle.history is top.history and leaf.history is top.history
    assert leaf.undo() is not None and io.dumps(top) == before  # any level undoes the document's last
    with pytest.raises(ProjectError, match=r"sequence 'leaf' would be 20 frames .*project 'inner'"):
        leaf.tracks[0].trim(leaf.tracks[0].items[0].id, "out", -10)
    with top.group("both"):  # a group of the document spans its levels
        leaf.tracks[0].slip(leaf.tracks[0].items[0].id, 2)
        top.tracks[0].trim(top.tracks[0].items[0].id, "out", -1)
    top.undo()
    assert io.dumps(top) == before


def test_a_removed_sequence_edits_on_its_own_and_can_nest_once() -> None:
    parent, inner = _nested([10], [])
    parent.add_sequence(inner)  # kept, shown by no clip (a bin)
    other = _project("other")
    with pytest.raises(ProjectError, match="already nested in 'parent'"):
        other.add_sequence(inner)
    with pytest.raises(ProjectError, match="sequence 'parent' contains 'inner': it cannot nest"):
        inner.add_sequence(parent)
    parent.apply({"op": "remove_sequence", "sequence_id": inner.id})
    assert inner.nested_in() is None
    inner.tracks[0].ripple_delete(inner.tracks[0].items[0].id)  # its own edit now
    assert inner.history.can_undo and parent.history.last is not None
    assert parent.history.last.op == "remove_sequence"
    parent.undo()  # back in the parent: its edits are the parent's again
    assert inner.nested_in() is parent and inner.history is parent.history


def test_a_loaded_document_links_its_sequences() -> None:
    parent, _ = _nested([10, 5], [(0, 15)])
    loaded = io.loads(io.dumps(parent))
    seq = loaded.sequences[0]
    with pytest.raises(ProjectError, match=r"lift refused: .*items\[0\] 'inner'"):
        seq.tracks[0].lift(seq.tracks[0].items[1].id)
    seq.tracks[0].slip(seq.tracks[0].items[1].id, 3)
    assert loaded.history.last is not None and loaded.history.last.op == "slip"
