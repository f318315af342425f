"""Copying nested-sequence (compound) clips carries the sequences they show, nested ones too, so they
paste into another project: added there when it lacks them, shown as they are when it has the same
one, and under a new id when it has another sequence with that id (pasting failed: 'sequence ... is
not in this project's sequences')."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io
from timeline_lab.model.items import SequenceClip
from timeline_lab.widgets.clipboard import copy, paste_ops

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def _project(name: str) -> Project:
    p = Project(name=name, settings=ProjectSettings(frame_rate=25))
    p.add_track(track=Track(name="V1"))
    return p


def _sequence(name: str, first: int, depth: int) -> Project:
    """A sequence of two clips; at depth 2 it also shows a sequence of its own."""
    seq = _project(name)
    seq.tracks[0].append(Clip(media=MEDIA, source_range=TimeRange.from_frames(first, 6, 25)))
    if depth > 1:
        seq.tracks[0].append(seq.sequence_clip(_sequence(f"{name} inner", first + 50, depth - 1)))
    seq.tracks[0].append(Clip(media=MEDIA, source_range=TimeRange.from_frames(first + 20, 4, 25)))
    return seq


def _content(seq: Project) -> dict[str, Any]:
    return {k: v for k, v in seq.model_dump(mode="json").items() if k != "id"}


@settings(max_examples=40, deadline=None)
@given(
    shows=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3)), min_size=1, max_size=3),
    depth=st.integers(1, 2),
    there=st.sampled_from(["none", "same", "other"]),
    mode=st.sampled_from(["overwrite", "insert"]),
    at=st.integers(0, 30),
)
def test_nested_clips_paste_into_another_project(
    shows: list[tuple[int, int]], depth: int, there: str, mode: Any, at: int
) -> None:
    src = _project("src")
    seqs = [_sequence(f"seq{k}", 10 * k, depth) for k in range(2)]
    for which, first in shows:
        src.tracks[0].append(src.sequence_clip(seqs[which], first, 3))
    dst = _project("dst")
    dst.tracks[0].append(Clip(media=MEDIA, source_range=TimeRange.from_frames(100, 40, 25)))
    if there != "none":  # the first sequence's id there, holding the same sequence or another one
        body = seqs[0].model_dump(mode="json") if there == "same" else _sequence("mine", 300, 1).model_dump()
        dst.add_sequence(Project.model_validate(body | {"id": seqs[0].id}))
    kept = [s.model_dump(mode="json") for s in dst.sequences]
    before = io.dumps(dst)
    data = copy(src, [i.id for i in src.tracks[0].items])
    json.loads(data.to_text())  # the system clipboard's text carries them too
    dst.apply_all(paste_ops(dst, data, dst.tracks[0].id, at, mode), "paste")
    assert io.loads(io.dumps(dst)).model_dump() == dst.model_dump()  # it saves, loads and renders
    assert [s.model_dump(mode="json") for s in dst.sequences[: len(kept)]] == kept  # none changed
    pasted = [i for i in dst.tracks[0].items if isinstance(i, SequenceClip)]
    assert len(pasted) == len(shows)
    by_start = sorted(pasted, key=lambda i: i.start)
    for (which, _), clip in zip(shows, by_start, strict=True):
        assert _content(dst.sequence(clip.sequence)) == _content(seqs[which])
    shown = {w for w, _ in shows}
    extra = there == "other" or (there == "same" and 0 not in shown)  # the one there before
    assert len(dst.sequences) == len(shown) + extra
    dst.undo()  # one undo step takes the clips and the sequences they brought
    assert io.dumps(dst) == before


def test_a_paste_in_the_same_project_adds_no_sequence() -> None:
    p = _project("p")
    seq = _sequence("seq", 0, 2)
    nest = p.tracks[0].append(p.sequence_clip(seq))
    ops = paste_ops(p, copy(p, [nest.id]), p.tracks[0].id, 40)
    assert [o["op"] for o in ops] == ["overwrite"] and ops[0]["item"]["sequence"] == seq.id
