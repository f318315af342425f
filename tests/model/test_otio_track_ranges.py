"""Foreign OTIO timelines whose tracks (and timeline stack) carry their own source_range, tracks
nested in tracks, and markers on every kind of item: each frame and marker where OpenTimelineIO's
own time mapping puts it (no render: the model is compared with OTIO frame by frame)."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.interchange.otio import from_otio
from timeline_lab.model import Project
from timeline_lab.model.items import Clip, SequenceClip
from timeline_lab.model.track import Track

from ._otio_parts import MEDIA_FRAMES, ORT, OTR, otio_clip, otio_gap

R = Fraction(24)


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)  # import notes are asserted where they matter


# --- the oracle: what OpenTimelineIO's time mapping shows at a frame ------------------------------


def _otio_shows(obj: Any, t: int) -> int | None:
    """Media frame ``obj`` shows at frame ``t`` of its shown part (from 0), None for nothing."""
    rng = obj.trimmed_range()
    if not 0 <= t < round(rng.duration.value):
        return None
    own = round(rng.start_time.value) + t
    if isinstance(obj, otio.schema.Clip):
        return own
    if isinstance(obj, otio.schema.Stack):
        return next((v for tr in reversed(list(obj)) if (v := _otio_shows(tr, own)) is not None), None)
    if isinstance(obj, otio.schema.Track):
        for i, child in enumerate(obj):
            if isinstance(child, otio.schema.Transition):
                continue
            span = obj.range_of_child_at_index(i)
            start = round(span.start_time.value)
            if start <= own < start + round(span.duration.value):
                return _otio_shows(child, own - start)
    return None


def _oracle(tl: otio.schema.Timeline) -> list[int | None]:
    return [_otio_shows(tl.tracks, t) for t in range(round(tl.duration().value))]


# --- the same question asked of the project --------------------------------------------------------


def _track_shows(project: Project, track: Track, f: int) -> int | None:
    item = track.item_at(f)
    if item is None:
        return None
    offset = f - item.start.to_frames(R)
    if isinstance(item, Clip):
        return item.source_frame_at(offset, R)
    if isinstance(item, SequenceClip):
        seq = next(s for s in _sequences(project) if s.id == item.sequence)
        return _shows(project, seq, item.source_range.start.to_frames(R) + offset)
    return None


def _sequences(project: Project) -> list[Project]:
    return [s for seq in project.sequences for s in (seq, *_sequences(seq))]


def _shows(root: Project, project: Project, f: int) -> int | None:
    if not 0 <= f < project.duration().to_frames(R):
        return None
    for track in reversed(project.tracks):
        if (v := _track_shows(root, track, f)) is not None:
            return v
    return None


def _ours(project: Project) -> list[int | None]:
    return [_shows(project, project, f) for f in range(project.duration().to_frames(R))]


# --- random trimmed tracks, nested tracks and stacks ---------------------------------------------


def _range(draw: st.DrawFn, length: int) -> Any:
    """A source_range for something ``length`` frames long: from before it to past its end."""
    first = draw(st.integers(-3, length + 2))
    return OTR(ORT(first, 24), ORT(draw(st.integers(1, length + 4)), 24))


def _track(draw: st.DrawFn, url: str, depth: int) -> otio.schema.Track:
    track = otio.schema.Track()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(["clip", "clip", "gap", "track", "stack"] if depth < 2 else ["clip", "gap"])
        )
        if kind == "clip":
            n = draw(st.integers(1, 6))
            track.append(otio_clip(url, draw(st.integers(0, MEDIA_FRAMES - n)), n))
        elif kind == "gap":
            track.append(otio_gap(draw(st.integers(1, 3))))
        elif kind == "track":
            inner = _track(draw, url, depth + 1)
            if draw(st.booleans()):
                inner.source_range = _range(draw, round(inner.duration().value))
            track.append(inner)
        else:
            stack = otio.schema.Stack()
            for _ in range(draw(st.integers(1, 2))):
                inner = _track(draw, url, depth + 1)
                if draw(st.booleans()):  # a trimmed track inside a nested stack
                    inner.source_range = _range(draw, round(inner.duration().value))
                stack.append(inner)
            if draw(st.booleans()):
                stack.source_range = _range(draw, round(stack.duration().value))
            track.append(stack)
    return track


@st.composite
def _timelines(draw: st.DrawFn, url: str) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="trimmed", global_start_time=ORT(0, 24))
    for _ in range(draw(st.integers(1, 2))):
        track = _track(draw, url, 0)
        if draw(st.booleans()):
            track.source_range = _range(draw, round(track.duration().value))
        tl.tracks.append(track)
    if draw(st.integers(0, 3)) == 0:
        tl.tracks.source_range = _range(draw, round(tl.tracks.duration().value))
    return tl


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_trimmed_tracks_and_stacks_show_what_otio_shows(cam: Path, data: st.DataObject) -> None:
    tl = data.draw(_timelines(cam.as_uri()))
    if not list(tl.find_clips()):
        return
    project = from_otio(tl)
    assert _ours(project) == _oracle(tl)


@pytest.mark.parametrize(
    ("source_range", "expected"),
    [
        ((10, 15), [*range(10, 20), *range(0, 5)]),  # the reviewer's case: a's 10..19, then b's 0..4
        ((0, 40), [*range(0, 20), *range(0, 20)]),  # all of it
        ((35, 10), [*range(15, 20), *[None] * 5]),  # past the content: nothing shown there
        ((-4, 6), [None] * 4 + [0, 1]),  # before it
        ((20, 1), [0]),
    ],
)
def test_a_trimmed_track_starts_where_its_range_does(
    cam: Path, source_range: tuple[int, int], expected: list[int | None]
) -> None:
    tl = otio.schema.Timeline(name="t", global_start_time=ORT(0, 24))
    v = otio.schema.Track(source_range=OTR(ORT(source_range[0], 24), ORT(source_range[1], 24)))
    v.extend([otio_clip(cam.as_uri(), 0, 20), otio_clip(cam.as_uri(), 0, 20)])
    tl.tracks.append(v)
    assert _ours(from_otio(tl)) == _oracle(tl) == expected


def test_a_transition_cut_through_by_a_track_range_is_left_out_and_named(cam: Path) -> None:
    tl = otio.schema.Timeline(name="t", global_start_time=ORT(0, 24))
    v = otio.schema.Track(source_range=OTR(ORT(0, 24), ORT(9, 24)))
    v.extend(
        [otio_clip(cam.as_uri(), 0, 10), otio.schema.Transition(in_offset=ORT(2, 24), out_offset=ORT(2, 24))]
    )
    v.append(otio_clip(cam.as_uri(), 20, 10))
    tl.tracks.append(v)
    project = from_otio(tl)
    assert _ours(project) == list(range(9)) and project.tracks[0].transitions == []
    assert any("transition cut through" in n for n in project.metadata["import_notes"])


# --- markers -----------------------------------------------------------------------------------


def _marked(item: Any, at: int, name: str) -> Any:
    item.markers.append(otio.schema.Marker(name=name, marked_range=OTR(ORT(at, 24), ORT(0, 24))))
    return item


def _items(url: str) -> dict[str, tuple[Any, int]]:
    """Each kind of item, 10 frames long, with a marker 3 frames into what it shows."""
    generator = otio.schema.Clip(
        name="bars",
        media_reference=otio.schema.GeneratorReference(generator_kind="SMPTEBars"),
        source_range=OTR(ORT(0, 24), ORT(10, 24)),
    )
    offline = otio.schema.Clip(
        name="offline",
        media_reference=otio.schema.MissingReference(),
        source_range=OTR(ORT(100, 24), ORT(10, 24)),
    )
    nested = otio.schema.Track(name="nested")
    nested.append(otio_clip(url, 0, 10))
    return {
        "clip": (otio_clip(url, 5, 10), 8),
        "gap": (otio_gap(10), 3),
        "generator": (generator, 3),
        "offline": (offline, 103),
        "nested track": (nested, 3),
    }


@pytest.mark.parametrize("kind", ["clip", "gap", "generator", "offline", "nested track"])
@pytest.mark.parametrize("before", [0, 7])
def test_a_marker_on_any_item_is_where_otio_puts_it(cam: Path, kind: str, before: int) -> None:
    item, at = _items(cam.as_uri())[kind]
    tl = otio.schema.Timeline(name="m", global_start_time=ORT(0, 24))
    v = otio.schema.Track()
    if before:
        v.append(otio_clip(cam.as_uri(), 0, before))
    v.append(_marked(item, at, kind))
    v.append(otio_clip(cam.as_uri(), 30, 4))  # something after, so a gap is not a trailing one
    tl.tracks.append(v)
    project = from_otio(tl)
    if kind == "nested track":  # on the sequence, in its own time (once)
        assert [(m.name, m.time.to_frames(R)) for m in project.sequences[0].markers] == [(kind, 3)]
        assert project.markers == []
    else:
        assert [(m.name, m.time.to_frames(R)) for m in project.markers] == [(kind, before + 3)]


@pytest.mark.parametrize("inner_range", [None, (0, 20), (5, 10), (12, 8)])
def test_a_track_in_a_track_keeps_its_markers_once_in_its_own_time(
    cam: Path, inner_range: tuple[int, int] | None
) -> None:
    inner = otio.schema.Track(name="inner")
    inner.extend([otio_clip(cam.as_uri(), 0, 10), otio_clip(cam.as_uri(), 20, 10)])
    for at in (2, 12, 18):
        _marked(inner, at, f"at {at}")
    if inner_range is not None:
        inner.source_range = OTR(ORT(inner_range[0], 24), ORT(inner_range[1], 24))
    tl = otio.schema.Timeline(name="n", global_start_time=ORT(0, 24))
    tl.tracks.append(otio.schema.Track())
    tl.tracks[0].append(inner)
    project = from_otio(tl)
    (seq,) = project.sequences
    assert [(m.name, m.time.to_frames(R)) for m in seq.markers] == [("at 2", 2), ("at 12", 12), ("at 18", 18)]
    assert _ours(project) == _oracle(tl)


@pytest.mark.parametrize(("track_start", "stack_start"), [(0, 0), (4, 0), (0, 3), (4, 3)])
def test_track_and_timeline_markers_follow_their_ranges(
    cam: Path, track_start: int, stack_start: int
) -> None:
    v = otio.schema.Track(source_range=OTR(ORT(track_start, 24), ORT(16, 24)))
    v.append(otio_clip(cam.as_uri(), 0, 20))
    _marked(v, 10, "track")
    tl = otio.schema.Timeline(name="n", global_start_time=ORT(0, 24))
    tl.tracks.append(v)
    tl.tracks.source_range = OTR(ORT(stack_start, 24), ORT(12, 24))
    _marked(tl.tracks, 8, "timeline")
    project = from_otio(tl)
    got = {m.name: m.time.to_frames(R) for m in project.markers}
    assert got == {"track": 10 - track_start - stack_start, "timeline": 8 - stack_start}
    assert _ours(project) == _oracle(tl)
