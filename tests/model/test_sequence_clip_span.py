"""Every edit that a nested-sequence clip (or a media clip) takes leaves a project that saves and
loads again: an edit's copy skips the source span's own check, so validation refuses a span
starting before the sequence's (or media's) frame 0 by name, as loading does."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def _scene(first: int, seq_at: int) -> Project:
    """V1: clip, clip 'MID', a sequence clip 'SC' showing ``first``.. of 'inner', a clip; ``seq_at``
    picks where among them the sequence clip sits."""
    p = Project(name="outer", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="V1"))
    inner = Project(name="inner", settings=ProjectSettings(frame_rate=25))
    inner.add_track(track=Track(id="IN")).append(
        Clip(media=MEDIA, source_range=TimeRange.from_frames(0, 50, 25))
    )
    p.add_sequence(inner)
    items: list[Any] = [
        Clip(id="A", media=MEDIA, source_range=TimeRange.from_frames(3, 20, 25)),
        Clip(id="MID", media=MEDIA, source_range=TimeRange.from_frames(150, 20, 25)),
        Clip(id="B", media=MEDIA, source_range=TimeRange.from_frames(200, 20, 25)),
    ]
    items.insert(seq_at, p.sequence_clip(inner, first, 10).model_copy(update={"id": "SC"}))
    for item in items:
        v.append(item)
    p.history.clear()
    return p


_OPS = st.sampled_from(
    ["trim_in", "trim_in_ripple", "trim_out", "trim_out_ripple", "roll", "slide", "slip", "split"]
)


@settings(max_examples=120, deadline=None)
@given(
    first=st.integers(0, 8),
    seq_at=st.integers(0, 3),
    edits=st.lists(
        st.tuples(_OPS, st.sampled_from(["A", "MID", "SC", "B"]), st.integers(-12, 12).filter(bool)),
        min_size=1,
        max_size=6,
    ),
)
def test_every_accepted_edit_saves_a_loadable_project(
    first: int, seq_at: int, edits: list[tuple[str, str, int]]
) -> None:
    p = _scene(first, seq_at)
    for op, item, delta in edits:
        if p.tracks[0].find(item) is None:
            continue
        if op == "split":
            start = p.tracks[0].item(item).start.to_frames(25)
            cmd: dict[str, Any] = {"op": "split", "track": "V1", "at": start + abs(delta)}
        elif op.startswith("trim"):
            edge = "in" if "_in" in op else "out"
            cmd = {"op": "trim", "track": "V1", "item_id": item, "edge": edge, "delta": delta}
            cmd["ripple"] = op.endswith("ripple")
        else:
            cmd = {"op": op, "track": "V1", "item_id": item, "delta": delta}
        try:
            p.apply(cmd)
        except ProjectError:
            continue
        for clip in p.tracks[0].items:
            assert clip.source_range.start.value >= 0, (cmd, clip)
        again = io.loads(io.dumps(p))
        assert io.dumps(again) == io.dumps(p)


def test_refusal_names_the_clip_and_the_sequence() -> None:
    p = _scene(0, 2)
    for cmd in (
        {"op": "trim", "track": "V1", "item_id": "SC", "edge": "in", "delta": -3, "ripple": True},
        {"op": "roll", "track": "V1", "item_id": "MID", "delta": -3},
        {"op": "slide", "track": "V1", "item_id": "MID", "delta": -3},
    ):
        try:
            p.apply(cmd)
        except ProjectError as exc:
            assert "items[2] 'inner'" in str(exc) and "before the sequence's start 0" in str(exc), exc
        else:
            raise AssertionError(f"{cmd} accepted a span before the sequence's frame 0")
