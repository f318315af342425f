"""Tests for the edit operations of timeline_lab.model (track.py, edits.py, project.py, replay.py).

Every edit is checked for its exact result on the frame grid, for its refusals (ProjectError naming
the item or track, project unchanged), for undo/redo and for replay of its JSON form.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    Gap,
    MediaReference,
    Operation,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
    Transition,
)
from timeline_lab.model.edits import end_frame, split_id, start_frame

NTSC = Fraction(30000, 1001)
PAL = Fraction(25)


# --- builders -----------------------------------------------------------------------------


def media(
    path: str = "/media/a.mp4",
    *,
    rate: int | Fraction = 25,
    frames: int = 250,
    first: int = 0,
    video: bool = True,
    audio: bool = True,
) -> MediaReference:
    """A media reference built by hand (no file needed): ``frames`` frames from ``first``."""
    return MediaReference(
        path=path,
        rate=rate,
        available_range=TimeRange.from_frames(first, frames, rate),
        has_video=video,
        has_audio=audio,
    )


A = media()
SILENT = media("/media/silent.mp4", audio=False)
WAV = media("/media/tone.wav", rate=48000, frames=480000, video=False)


def clip(name: str, src: int, count: int, *, speed: int | Fraction = 1, ref: MediaReference = A) -> Clip:
    """Clip ``clip_<name>`` showing source frames ``src .. src+count-1`` of ``ref``."""
    return Clip(
        id=f"clip_{name}",
        name=name,
        media=ref,
        source_range=TimeRange.from_frames(src, count, ref.rate),
        speed=speed,
    )


def text(name: str, frames: int, rate: Fraction = PAL) -> TextClip:
    return TextClip(id=f"text_{name}", name=name, text=name, duration=RationalTime.from_frames(frames, rate))


def dump(project: Project) -> dict[str, Any]:
    return project.model_dump(mode="json")


def layout(track: Track) -> list[tuple[str, int, int]]:
    """(id, first frame, frame count) of each item, in time order."""
    rate = track.rate
    return [(i.id, start_frame(i, rate), i.frames(rate)) for i in track.items]


def src(item: Clip | TextClip) -> tuple[Fraction, Fraction]:
    """(first source frame, source frame count) at the media's own rate, exact."""
    assert isinstance(item, Clip)
    r = item.source_range.rescaled_to(item.media.rate)
    return r.start.value, r.duration.value


class Recorder:
    """Collects every applied operation so the session can be replayed elsewhere."""

    def __init__(self, project: Project) -> None:
        self.ops: list[Operation] = []
        project.subscribe(self._on)

    def _on(self, op: Operation, how: str) -> None:
        if how == "do":
            self.ops.append(op)
        elif how == "undo":
            self.ops.pop()
        else:
            self.ops.append(op)


def replayed(project: Project, ops: list[Operation]) -> Project:
    """A fresh project with the same id/settings, fed every op through JSON text."""
    fresh = Project(id=project.id, name=project.name, settings=project.settings)
    for op in ops:
        fresh.apply(json.loads(json.dumps(op.to_json())))
    return fresh


def assert_refused(project: Project, edit: Callable[[], object], *fragments: str) -> str:
    """``edit`` raises ProjectError whose message holds every fragment; nothing changed."""
    before, undo_depth = dump(project), len(project.history)
    with pytest.raises(ProjectError) as info:
        edit()
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    assert dump(project) == before
    assert len(project.history) == undo_depth
    return msg


class Scene:
    """A 25 fps project: V1 = a[0,50) b[50,100) c[100,140); V2 empty video; A1 audio."""

    def __init__(self, rate: Fraction = PAL) -> None:
        self.project = Project(id="prj_test", name="scene", settings=ProjectSettings(frame_rate=rate))
        self.rec = Recorder(self.project)
        self.v1 = self.project.add_track(track=Track(id="trk_v1", name="V1"))
        self.v2 = self.project.add_track(track=Track(id="trk_v2", name="V2"))
        self.a1 = self.project.add_track(track=Track(id="trk_a1", kind="audio", name="A1"))
        self.v1.append(clip("a", 10, 50))
        self.v1.append(clip("b", 100, 50))
        self.v1.append(clip("c", 200, 40))


@pytest.fixture
def scene() -> Scene:
    return Scene()


# --- append / insert / overwrite ----------------------------------------------------------


def test_append_places_items_back_to_back(scene: Scene) -> None:
    assert layout(scene.v1) == [("clip_a", 0, 50), ("clip_b", 50, 50), ("clip_c", 100, 40)]
    assert [src(i) for i in scene.v1.items] == [(10, 50), (100, 50), (200, 40)]
    assert all(i.start.rate == PAL for i in scene.v1.items)
    assert scene.v1.frames() == 140
    assert scene.project.duration() == RationalTime(140, 25)


def test_append_conforms_25fps_media_to_ntsc_grid() -> None:
    p = Project(settings=ProjectSettings(frame_rate=NTSC))
    t = p.add_track(name="V1")
    t.append(clip("a", 0, 250))  # 10 s of 25 fps media = 299.7 -> 300 frames at 29.97
    t.append(clip("b", 0, 25))  # 1 s = 29.97 -> 30 frames
    assert layout(t) == [("clip_a", 0, 300), ("clip_b", 300, 30)]
    assert t.items[1].start == RationalTime(300, NTSC)
    assert t.items[1].start.strictly_equal(RationalTime(300, NTSC))


@pytest.mark.parametrize(
    ("speed", "frames"),
    [(1, 100), (2, 50), (Fraction(1, 2), 200), (Fraction(3, 2), 67), (4, 25)],
)
def test_append_length_follows_speed(speed: Fraction, frames: int) -> None:
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track()
    c = t.append(clip("s", 0, 100, speed=speed))
    assert c.frames(PAL) == frames
    assert src(c) == (0, 100)


def test_insert_mid_clip_splits_and_ripples(scene: Scene) -> None:
    x = scene.v1.insert(clip("x", 0, 10), 20)
    right = split_id("clip_a", 20)
    assert x.start == RationalTime(20, 25)
    assert layout(scene.v1) == [
        ("clip_a", 0, 20), ("clip_x", 20, 10), (right, 30, 30), ("clip_b", 60, 50), ("clip_c", 110, 40),
    ]  # fmt: skip
    items = {i.id: i for i in scene.v1.items}
    assert src(items["clip_a"]) == (10, 20)
    assert src(items[right]) == (30, 30)
    assert src(items["clip_b"]) == (100, 50)


def test_insert_at_cut_ripples_without_split(scene: Scene) -> None:
    scene.v1.insert(clip("x", 0, 10), 50)
    assert layout(scene.v1) == [
        ("clip_a", 0, 50), ("clip_x", 50, 10), ("clip_b", 60, 50), ("clip_c", 110, 40),
    ]  # fmt: skip


def test_insert_into_gap_ripples_only_later_items(scene: Scene) -> None:
    scene.v1.move("clip_c", 200)
    scene.v1.insert(clip("x", 0, 10), 150)
    assert layout(scene.v1) == [
        ("clip_a", 0, 50), ("clip_b", 50, 50), ("clip_x", 150, 10), ("clip_c", 210, 40),
    ]  # fmt: skip


def test_insert_text_on_video_track(scene: Scene) -> None:
    scene.v2.insert(text("title", 30), 10)
    assert layout(scene.v2) == [("text_title", 10, 30)]


def test_overwrite_replaces_partial_items(scene: Scene) -> None:
    scene.v1.overwrite(clip("y", 0, 30), 35)
    right = split_id("clip_b", 65)
    assert layout(scene.v1) == [
        ("clip_a", 0, 35), ("clip_y", 35, 30), (right, 65, 35), ("clip_c", 100, 40),
    ]  # fmt: skip
    items = {i.id: i for i in scene.v1.items}
    assert src(items["clip_a"]) == (10, 35)
    assert src(items[right]) == (115, 35)  # b's source frames 115..149 stay where they were
    assert scene.v1.frames() == 140  # no ripple


def test_overwrite_removes_covered_items_and_their_transitions(scene: Scene) -> None:
    scene.v1.add_transition(
        Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(4, 25))
    )
    scene.v1.overwrite(clip("y", 0, 70), 40)
    right = split_id("clip_c", 110)
    assert layout(scene.v1) == [("clip_a", 0, 40), ("clip_y", 40, 70), (right, 110, 30)]
    assert src(scene.v1.item(right)) == (210, 30)
    assert scene.v1.transitions == []


def test_overwrite_past_end_extends_track(scene: Scene) -> None:
    scene.v1.overwrite(clip("y", 0, 20), 130)
    assert layout(scene.v1)[-2:] == [("clip_c", 100, 30), ("clip_y", 130, 20)]
    assert src(scene.v1.item("clip_c")) == (200, 30)


# --- split ---------------------------------------------------------------------------------


def test_split_exact_at_matching_rate(scene: Scene) -> None:
    right = scene.v1.split(20)
    left = scene.v1.item("clip_a")
    assert right.id == split_id("clip_a", 20)
    assert (start_frame(left, PAL), left.frames(PAL)) == (0, 20)
    assert (start_frame(right, PAL), right.frames(PAL)) == (20, 30)
    assert src(left) == (10, 20)
    assert src(right) == (30, 30)
    assert left.source_range.end_exclusive() == right.source_range.start


def test_split_speed_two_clip_keeps_source_contiguous() -> None:
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track()
    t.append(clip("s", 0, 100, speed=2))  # 50 timeline frames
    right = t.split(20)
    left = t.item("clip_s")
    assert layout(t) == [("clip_s", 0, 20), (right.id, 20, 30)]
    assert src(left) == (0, 40)
    assert src(right) == (40, 60)
    assert right.speed == 2


def _ntsc_split() -> tuple[Clip, Clip]:
    p = Project(settings=ProjectSettings(frame_rate=NTSC))
    t = p.add_track()
    t.append(clip("pal", 0, 250))  # 300 frames at 29.97
    right = t.split(100)
    left = t.item("clip_pal")
    assert isinstance(left, Clip) and isinstance(right, Clip)
    return left, right


def test_split_25fps_clip_in_ntsc_project_frames_add_up() -> None:
    left, right = _ntsc_split()
    assert (start_frame(left, NTSC), left.frames(NTSC)) == (0, 100)
    assert (start_frame(right, NTSC), right.frames(NTSC)) == (100, 200)
    # The right half starts exactly 100 project frames (100 * 1001/30000 s) into the source.
    assert right.source_range.start.to_seconds() == Fraction(100 * 1001, 30000)
    assert right.source_range.end_exclusive() == RationalTime(250, 25)


def test_split_25fps_clip_in_ntsc_project_source_is_contiguous() -> None:
    left, right = _ntsc_split()
    assert left.source_range.end_exclusive() == right.source_range.start
    total = left.source_range.duration + right.source_range.duration
    assert total == RationalTime(250, 25)
    assert left.source_range.duration.to_seconds() == Fraction(100 * 1001, 30000)


@settings(max_examples=150, deadline=None, database=None)
@given(
    rate=st.sampled_from([PAL, NTSC, Fraction(24000, 1001), Fraction(50), Fraction(60000, 1001)]),
    media_rate=st.sampled_from([PAL, NTSC, Fraction(24), Fraction(30)]),
    count=st.integers(2, 200),
    speed=st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 4)]),
    data=st.data(),
)
def test_split_frames_add_up_at_any_rates(
    rate: Fraction, media_rate: Fraction, count: int, speed: Fraction, data: st.DataObject
) -> None:
    ref = media(rate=media_rate, frames=400)
    p = Project(settings=ProjectSettings(frame_rate=rate))
    t = p.add_track()
    whole = t.append(clip("x", 7, count, speed=speed, ref=ref))
    total = whole.frames(rate)
    assume(total >= 2)
    k = data.draw(st.integers(1, total - 1), label="k")
    right = t.split(k)
    left = t.item("clip_x")
    assert isinstance(left, Clip) and isinstance(right, Clip)
    assert layout(t) == [("clip_x", 0, k), (right.id, k, total - k)]
    assert left.source_range.start == whole.source_range.start
    offset = Fraction(k) / rate * speed  # seconds of source shown by the left half
    assert right.source_range.start.to_seconds() == whole.source_range.start.to_seconds() + offset
    assert right.source_range.end_exclusive() == whole.source_range.end_exclusive()
    p.validate_timeline()


def test_split_hands_outgoing_transition_to_right_half(scene: Scene) -> None:
    scene.v1.add_transition(
        Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(4, 25))
    )
    right = scene.v1.split(10)
    assert scene.v1.transitions[0].from_clip == right.id
    assert scene.v1.transitions[0].to_clip == "clip_b"


def test_split_text_clip(scene: Scene) -> None:
    scene.v2.append(text("t", 30))
    right = scene.v2.split(RationalTime(12, 25))
    assert layout(scene.v2) == [("text_t", 0, 12), (right.id, 12, 18)]


@pytest.mark.parametrize("at", [0, 50, 140, 500])
def test_split_where_nothing_spans_is_refused(scene: Scene, at: int) -> None:
    assert_refused(scene.project, lambda: scene.v1.split(at), "trk_v1", f"frame {at}")


def test_split_off_grid_time_is_refused(scene: Scene) -> None:
    assert_refused(scene.project, lambda: scene.v1.split(RationalTime(1, 30)), "frame grid")


def test_split_twice_at_same_frame_after_moving_first_half() -> None:
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track(name="V1")
    t.append(clip("x", 0, 100))
    first = t.split(50)
    t.move(first.id, 200)
    t.trim_out("clip_x", 50)
    second = t.split(50)  # a perfectly ordinary split
    assert second.id != first.id
    assert len(t.items) == 3


# --- trims ---------------------------------------------------------------------------------


def test_trim_out_shorter_without_ripple_leaves_gap(scene: Scene) -> None:
    scene.v1.trim_out("clip_a", -10)
    assert layout(scene.v1) == [("clip_a", 0, 40), ("clip_b", 50, 50), ("clip_c", 100, 40)]
    assert src(scene.v1.item("clip_a")) == (10, 40)
    gaps = [g for g in scene.v1.items_with_gaps() if isinstance(g, Gap)]
    assert [(g.start, g.duration) for g in gaps] == [(RationalTime(40, 25), RationalTime(10, 25))]


def test_trim_out_with_ripple_moves_later_items(scene: Scene) -> None:
    scene.v1.trim_out("clip_a", -10, ripple=True)
    assert layout(scene.v1) == [("clip_a", 0, 40), ("clip_b", 40, 50), ("clip_c", 90, 40)]
    scene.v1.trim_out("clip_a", 5, ripple=True)
    assert layout(scene.v1) == [("clip_a", 0, 45), ("clip_b", 45, 50), ("clip_c", 95, 40)]
    assert src(scene.v1.item("clip_a")) == (10, 45)


def test_trim_in_without_ripple_keeps_out_point(scene: Scene) -> None:
    scene.v1.trim_in("clip_b", 5)
    assert layout(scene.v1) == [("clip_a", 0, 50), ("clip_b", 55, 45), ("clip_c", 100, 40)]
    assert src(scene.v1.item("clip_b")) == (105, 45)
    scene.v1.trim_in("clip_b", -5)
    assert layout(scene.v1)[1] == ("clip_b", 50, 50)
    assert src(scene.v1.item("clip_b")) == (100, 50)


def test_trim_in_with_ripple_keeps_start_and_pulls_later_items(scene: Scene) -> None:
    scene.v1.trim_in("clip_a", 5, ripple=True)
    assert layout(scene.v1) == [("clip_a", 0, 45), ("clip_b", 45, 50), ("clip_c", 95, 40)]
    assert src(scene.v1.item("clip_a")) == (15, 45)
    scene.v1.trim_in("clip_a", -15, ripple=True)  # extend the head: everything after moves right
    assert layout(scene.v1) == [("clip_a", 0, 60), ("clip_b", 60, 50), ("clip_c", 110, 40)]
    assert src(scene.v1.item("clip_a")) == (0, 60)


def test_trim_in_exact_for_conformed_clip() -> None:
    p = Project(settings=ProjectSettings(frame_rate=NTSC))
    t = p.add_track()
    t.append(clip("a", 0, 250))
    t.trim_in("clip_a", 3)
    c = t.item("clip_a")
    assert isinstance(c, Clip)
    assert (start_frame(c, NTSC), c.frames(NTSC)) == (3, 297)
    assert c.source_range.start.to_seconds() == Fraction(3 * 1001, 30000)
    assert c.source_range.end_exclusive() == RationalTime(250, 25)


def test_trim_text_clip(scene: Scene) -> None:
    scene.v2.append(text("t", 30))
    scene.v2.trim_out("text_t", 10)
    scene.v2.trim_in("text_t", 5)
    assert layout(scene.v2) == [("text_t", 5, 35)]


def test_trim_out_past_media_end_is_refused(scene: Scene) -> None:
    assert_refused(scene.project, lambda: scene.v1.trim_out("clip_c", 11),
                   "trim refused", "'c'", "V1", "past media end")  # fmt: skip


def test_trim_in_before_media_start_is_refused(scene: Scene) -> None:
    scene.v1.move("clip_a", 300)  # room on the timeline, none in the media (source starts at 10)
    assert_refused(scene.project, lambda: scene.v1.trim_in("clip_a", -11),
                   "'a'", "before media start")  # fmt: skip


def test_trim_over_neighbour_without_ripple_is_refused(scene: Scene) -> None:
    assert_refused(scene.project, lambda: scene.v1.trim_out("clip_a", 1), "'a'", "overlaps")


@pytest.mark.parametrize(("edge", "delta"), [("out", -50), ("out", -80), ("in", 50), ("in", 51)])
def test_trim_to_nothing_is_refused(scene: Scene, edge: str, delta: int) -> None:
    assert_refused(scene.project, lambda: scene.v1.trim("clip_a", edge, delta),  # type: ignore[arg-type]
                   "'a'", "leaves nothing")  # fmt: skip


def test_trim_unknown_edge_and_item_are_refused(scene: Scene) -> None:
    assert_refused(scene.project, lambda: scene.v1.trim("clip_a", "mid", 1), "'mid'")  # type: ignore[arg-type]
    assert_refused(scene.project, lambda: scene.v1.trim_out("clip_nope", 1), "'clip_nope'")


# --- slip / slide / roll -------------------------------------------------------------------


def test_slip_keeps_timeline_and_shifts_source(scene: Scene) -> None:
    before = layout(scene.v1)
    scene.v1.slip("clip_b", 7)
    assert layout(scene.v1) == before
    assert src(scene.v1.item("clip_b")) == (107, 50)
    scene.v1.slip("clip_b", -100)
    assert src(scene.v1.item("clip_b")) == (7, 50)


def test_slip_exact_for_conformed_speed_clip() -> None:
    p = Project(settings=ProjectSettings(frame_rate=NTSC))
    t = p.add_track()
    t.append(clip("a", 50, 100, speed=2))
    before = layout(t)
    t.slip("clip_a", 3)  # 3 project frames at speed 2 = 6 * 1001/30000 s of source
    c = t.item("clip_a")
    assert isinstance(c, Clip)
    assert layout(t) == before
    assert c.source_range.start.to_seconds() == 2 + Fraction(6 * 1001, 30000)
    assert c.source_range.duration == RationalTime(100, 25)


@pytest.mark.parametrize(
    ("item", "delta", "fragment"),
    [("clip_c", 11, "past media end"), ("clip_a", -11, "before media start")],
)
def test_slip_past_media_is_refused(scene: Scene, item: str, delta: int, fragment: str) -> None:
    label = f"'{item.removeprefix('clip_')}'"
    assert_refused(scene.project, lambda: scene.v1.slip(item, delta), "slip refused", label, fragment)


def test_slip_text_is_refused(scene: Scene) -> None:
    scene.v2.append(text("t", 10))
    assert_refused(scene.project, lambda: scene.v2.slip("text_t", 1), "'text_t'", "not a media clip")


@pytest.mark.parametrize("delta", [5, -5, 1, -49])
def test_slide_keeps_neighbours_adjacent(scene: Scene, delta: int) -> None:
    scene.v1.slide("clip_b", delta)
    assert layout(scene.v1) == [
        ("clip_a", 0, 50 + delta), ("clip_b", 50 + delta, 50), ("clip_c", 100 + delta, 40 - delta),
    ]  # fmt: skip
    assert src(scene.v1.item("clip_a")) == (10, 50 + delta)
    assert src(scene.v1.item("clip_b")) == (100, 50)  # the slid clip shows the same frames
    assert src(scene.v1.item("clip_c")) == (200 + delta, 40 - delta)
    assert scene.v1.frames() == 140


@pytest.mark.parametrize(
    ("delta", "fragments"),
    [(40, ("'c'", "leaves nothing")), (-50, ("'a'", "leaves nothing")), (11, ("'a'", "past media end"))],
)
def test_slide_too_far_is_refused(scene: Scene, delta: int, fragments: tuple[str, ...]) -> None:
    if delta == 11:
        scene.v1.slip("clip_a", 190)  # a shows 200..249: nothing after its out point
    assert_refused(scene.project, lambda: scene.v1.slide("clip_b", delta), "slide refused", *fragments)


@pytest.mark.parametrize("delta", [-3, 7])
def test_roll_moves_the_edit_point_only(scene: Scene, delta: int) -> None:
    scene.v1.roll("clip_a", delta)
    assert layout(scene.v1) == [
        ("clip_a", 0, 50 + delta), ("clip_b", 50 + delta, 50 - delta), ("clip_c", 100, 40),
    ]  # fmt: skip
    assert src(scene.v1.item("clip_a")) == (10, 50 + delta)
    assert src(scene.v1.item("clip_b")) == (100 + delta, 50 - delta)


def test_roll_refusals(scene: Scene) -> None:
    p, v1 = scene.project, scene.v1
    assert_refused(p, lambda: v1.roll("clip_c", 2), "roll refused", "'clip_c'", "nothing starts")
    assert_refused(p, lambda: v1.roll("clip_a", 50), "'b'", "leaves nothing")
    assert_refused(p, lambda: v1.roll("clip_b", -50), "'b'", "leaves nothing")
    v1.slip("clip_b", -100)  # b shows 0..49: its in point cannot move earlier
    assert_refused(p, lambda: v1.roll("clip_a", -1), "(V1)", "'b'", "before media start")


# --- lift / ripple delete / move ------------------------------------------------------------


def test_lift_leaves_gap(scene: Scene) -> None:
    gone = scene.v1.lift("clip_b")
    assert gone.id == "clip_b"
    assert layout(scene.v1) == [("clip_a", 0, 50), ("clip_c", 100, 40)]
    kinds = [type(i).__name__ for i in scene.v1.items_with_gaps()]
    assert kinds == ["Clip", "Gap", "Clip"]


def test_ripple_delete_closes_gap_and_drops_transitions(scene: Scene) -> None:
    scene.v1.add_transition(
        Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(4, 25))
    )
    gone = scene.v1.ripple_delete("clip_b")
    assert gone.id == "clip_b"
    assert layout(scene.v1) == [("clip_a", 0, 50), ("clip_c", 50, 40)]
    assert scene.v1.transitions == []


def test_move_within_track(scene: Scene) -> None:
    scene.v1.move("clip_a", RationalTime(200, 25))
    assert layout(scene.v1) == [("clip_b", 50, 50), ("clip_c", 100, 40), ("clip_a", 200, 50)]
    assert src(scene.v1.item("clip_a")) == (10, 50)


def test_move_across_tracks(scene: Scene) -> None:
    moved = scene.v1.move("clip_b", 30, scene.v2)
    assert moved.start == RationalTime(30, 25)
    assert layout(scene.v1) == [("clip_a", 0, 50), ("clip_c", 100, 40)]
    assert layout(scene.v2) == [("clip_b", 30, 50)]
    op = scene.project.history.last
    assert op is not None and op.op == "move"
    assert op.to_json() == {"op": "move", "track": "trk_v1", "item_id": "clip_b", "to": 30,
                            "to_track": "trk_v2"}  # fmt: skip
    assert op.tracks == {"trk_v1", "trk_v2"}  # the tracks the operation changed


def test_move_across_tracks_drops_transitions_on_source(scene: Scene) -> None:
    scene.v1.add_transition(
        Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(4, 25))
    )
    scene.v1.move("clip_b", 0, scene.a1)
    assert scene.v1.transitions == []
    assert layout(scene.a1) == [("clip_b", 0, 50)]


def test_move_refusals(scene: Scene) -> None:
    p = scene.project
    assert_refused(p, lambda: scene.v1.move("clip_a", 60), "move refused", "'a'", "overlaps", "V1")
    assert_refused(p, lambda: scene.v1.move("clip_a", -1), "'a'", "starts before 0")
    scene.v2.append(clip("z", 0, 20))
    assert_refused(p, lambda: scene.v1.move("clip_a", 10, scene.v2), "tracks[1] (V2)", "overlaps")
    silent = scene.v2.append(clip("q", 0, 10, ref=SILENT))
    assert_refused(p, lambda: scene.v2.move(silent.id, 0, scene.a1), "(A1)", "'q'", "no audio")
    assert_refused(p, lambda: scene.v1.move("clip_a", 0, Track(id="trk_loose")),
                   "same project")  # fmt: skip
    assert_refused(p, lambda: scene.v1.move("clip_nope", 500), "'clip_nope'")


def test_move_audio_clip_to_video_track_is_refused(scene: Scene) -> None:
    scene.a1.append(clip("w", 0, 48000, ref=WAV))
    assert_refused(scene.project, lambda: scene.a1.move("clip_w", 200, scene.v1),
                   "(V1)", "'w'", "no video")  # fmt: skip


# --- transitions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("alignment", "handles"), [("center", (3, 2)), ("start", (5, 0)), ("end", (0, 5))])
def test_add_and_remove_transition(scene: Scene, alignment: str, handles: tuple[int, int]) -> None:
    tr = Transition(
        id="tr_ab",
        from_clip="clip_a",
        to_clip="clip_b",
        duration=RationalTime(5, 25),
        alignment=alignment,  # type: ignore[arg-type]
    )
    scene.v1.add_transition(tr)
    assert scene.v1.transitions[0].handles(PAL) == handles
    assert layout(scene.v1) == [("clip_a", 0, 50), ("clip_b", 50, 50), ("clip_c", 100, 40)]
    scene.v1.remove_transition("tr_ab")
    assert scene.v1.transitions == []


def test_transition_refusals(scene: Scene) -> None:
    p, v1 = scene.project, scene.v1

    def tr(a: str, b: str, frames: int, **kw: Any) -> Callable[[], object]:
        t = Transition(id="tr_x", from_clip=a, to_clip=b, duration=RationalTime(frames, 25), **kw)
        return lambda: v1.add_transition(t)

    assert_refused(p, tr("clip_a", "clip_c", 4), "add_transition refused", "(V1)", "'a' and 'c'",
                   "not adjacent")  # fmt: skip
    assert_refused(p, tr("clip_b", "clip_a", 4), "'b' and 'a'", "not adjacent")
    # OTIO's rule: the part before the cut lies on a, the part after on b (26 of 51 frames fit b)
    assert_refused(p, tr("clip_a", "clip_b", 103), "its 51 frames on 'a'", "other end (50 frames)")
    assert_refused(p, tr("clip_a", "clip_nope", 4), "to_clip 'clip_nope' is not on this track")
    # c shows source 200..239 of 250: 10 frames of handle after b's cut into c is fine, but
    # make b end on the media's last frame and ask for a handle after it.
    v1.slip("clip_b", 100)  # b now shows 200..249
    assert_refused(p, tr("clip_b", "clip_c", 4), "'b'", "handle after its out point")
    v1.slip("clip_b", -100)
    v1.slip("clip_a", -10)  # a shows 0..49
    v1.slip("clip_b", -100)  # b shows 0..49: no handle before its in point
    assert_refused(p, tr("clip_a", "clip_b", 4), "'b'", "handle before its in point")
    assert_refused(p, tr("clip_a", "clip_b", 4, alignment="end"), "'b'", "handle before")
    v1.slip("clip_b", 100)
    v1.add_transition(Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b",
                                 duration=RationalTime(4, 25)))  # fmt: skip
    assert_refused(p, tr("clip_a", "clip_b", 2), "second transition on the cut at 00:00:02:00")
    assert_refused(p, lambda: v1.remove_transition("tr_nope"), "'tr_nope'", "'trk_v1'")


def test_transition_needs_media_clips(scene: Scene) -> None:
    scene.v2.append(text("t", 20))
    scene.v2.append(clip("z", 100, 20))
    t = Transition(from_clip="text_t", to_clip="clip_z", duration=RationalTime(2, 25))
    refusal = "from_clip 'text_t' is not a media clip"
    assert_refused(scene.project, lambda: scene.v2.add_transition(t), "(V2)", refusal)


def test_slip_that_eats_a_transition_handle_is_refused(scene: Scene) -> None:
    scene.v1.add_transition(
        Transition(id="tr_bc", from_clip="clip_b", to_clip="clip_c", duration=RationalTime(10, 25))
    )  # needs 5 after b, 5 before c
    scene.v1.slip("clip_b", 95)  # b shows 195..244: exactly 5 frames of handle left
    assert_refused(scene.project, lambda: scene.v1.slip("clip_b", 1), "'b'", "handle after")
    assert_refused(scene.project, lambda: scene.v1.slip("clip_c", -196), "'c'", "handle before")


# --- locks, zero durations, update ----------------------------------------------------------


LOCKED_EDITS: dict[str, Callable[[Track], object]] = {
    "append": lambda t: t.append(clip("n", 0, 5)),
    "insert": lambda t: t.insert(clip("n", 0, 5), 10),
    "overwrite": lambda t: t.overwrite(clip("n", 0, 5), 10),
    "split": lambda t: t.split(10),
    "trim": lambda t: t.trim_out("clip_a", -5),
    "lift": lambda t: t.lift("clip_a"),
    "ripple_delete": lambda t: t.ripple_delete("clip_a"),
    "move": lambda t: t.move("clip_c", 300),
    "slip": lambda t: t.slip("clip_a", 1),
    "slide": lambda t: t.slide("clip_b", 1),
    "roll": lambda t: t.roll("clip_a", 1),
    "add_transition": lambda t: t.add_transition(
        Transition(from_clip="clip_a", to_clip="clip_b", duration=RationalTime(2, 25))
    ),
    "update": lambda t: t.update("clip_a", opacity=0.5),
}


@pytest.mark.parametrize("edit", sorted(LOCKED_EDITS))
def test_locked_track_refuses_every_edit(scene: Scene, edit: str) -> None:
    scene.v1.locked = True
    assert_refused(scene.project, lambda: LOCKED_EDITS[edit](scene.v1), "'trk_v1'", "locked")


def test_move_onto_locked_track_is_refused(scene: Scene) -> None:
    scene.v2.locked = True
    assert_refused(scene.project, lambda: scene.v1.move("clip_a", 300, scene.v2), "'trk_v2'", "locked")


def test_track_outside_project_refuses_edits() -> None:
    t = Track(id="trk_loose")
    with pytest.raises(ProjectError, match=r"trk_loose.*add_track"):
        t.append(clip("a", 0, 5))


def test_zero_and_negative_durations_cannot_be_built() -> None:
    with pytest.raises(pydantic.ValidationError, match="must be > 0"):
        Clip(media=A, source_range=TimeRange.from_frames(0, 0, 25))
    with pytest.raises(ValueError, match="must be >= 0"):
        TimeRange.from_frames(0, -5, 25)
    with pytest.raises(pydantic.ValidationError, match="must be > 0"):
        TextClip(text="x", duration=RationalTime(0, 25))
    with pytest.raises(pydantic.ValidationError, match="must be > 0"):
        Transition(from_clip="a", to_clip="b", duration=RationalTime(-1, 25))
    with pytest.raises(pydantic.ValidationError, match="must be > 0"):
        Clip(media=A, source_range=TimeRange.from_frames(0, 10, 25), speed=0)


def _zero_clip_json() -> dict[str, Any]:
    data = clip("z", 0, 10).model_dump(mode="json")
    data["source_range"]["duration"]["value"] = 0
    return data


@pytest.mark.parametrize(
    ("command", "fragments"),
    [
        ({"op": "append", "track": "trk_v2", "item": _zero_clip_json()}, ("'append'", "> 0")),
        ({"op": "insert", "track": "trk_v1", "at": 10, "item": _zero_clip_json()},
         ("'insert'", "> 0")),
        pytest.param(
            {"op": "append", "track": "trk_v2",
             "item": {"type": "text", "text": "x", "duration": {"value": -3, "rate": 25}}},
            ("'append'", "> 0"),
        ),
        ({"op": "add_transition", "track": "trk_v1",
          "transition": {"from_clip": "clip_a", "to_clip": "clip_b",
                         "duration": {"value": 0, "rate": 25}}},
         ("'add_transition'", "> 0")),
        ({"op": "trim", "track": "trk_v1", "item_id": "clip_a", "edge": "out", "delta": -50},
         ("'a'", "leaves nothing")),
        ({"op": "trim", "track": "trk_v1", "item_id": "clip_a", "edge": "in", "delta": 60},
         ("'a'", "leaves nothing")),
    ],
    ids=["append-clip", "insert-clip", "append-text", "transition", "trim-out", "trim-in"],
)  # fmt: skip
def test_zero_or_negative_durations_via_apply_are_refused(
    scene: Scene, command: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    assert_refused(scene.project, lambda: scene.project.apply(command), *fragments)


def test_apply_unknown_op_missing_args_and_track(scene: Scene) -> None:
    p = scene.project
    assert_refused(p, lambda: p.apply({"op": "explode"}), "unknown operation 'explode'")
    assert_refused(p, lambda: p.apply({"op": "split", "track": "trk_v1"}), "'split'", "'at'")
    assert_refused(p, lambda: p.apply({"op": "split", "at": 3}), "'split'", "'track'")
    assert_refused(p, lambda: p.apply({"op": "split", "track": "trk_x", "at": 3}), "'trk_x'")


def test_update_changes_fields(scene: Scene) -> None:
    c = scene.v1.update("clip_a", opacity=0.25, enabled=False, name="renamed")
    assert (c.opacity, c.enabled, c.label()) == (0.25, False, "renamed")
    scene.v1.update("clip_b", speed=2)
    assert layout(scene.v1) == [("clip_a", 0, 50), ("clip_b", 50, 25), ("clip_c", 100, 40)]


def test_update_into_overlap_is_refused(scene: Scene) -> None:
    assert_refused(scene.project, lambda: scene.v1.update("clip_b", speed=Fraction(1, 2)), "overlaps")


def test_update_with_invalid_value_raises_project_error(scene: Scene) -> None:
    assert_refused(scene.project, lambda: scene.v1.update("clip_a", opacity=2.0), "opacity")


@pytest.mark.parametrize(
    "changes",
    [{"speed": Fraction(1, 2)}, {"source_range": TimeRange.from_frames(20, 10, 25)}],
    ids=["fraction", "timerange"],
)
def test_update_operation_json_is_json(changes: dict[str, Any]) -> None:
    s = Scene()
    s.v1.ripple_delete("clip_b")
    s.v1.ripple_delete("clip_c")
    s.v1.update("clip_a", **changes)
    op = s.project.history.last
    assert op is not None
    command = json.loads(json.dumps(op.to_json()))
    assert command["op"] == "update"
    assert dump(replayed(s.project, s.rec.ops)) == dump(s.project)


# --- undo / redo / replay -------------------------------------------------------------------


EDITS: dict[str, Callable[[Scene], object]] = {
    "append": lambda s: s.v2.append(clip("n", 0, 20)),
    "append-text": lambda s: s.v2.append(text("t", 20)),
    "insert": lambda s: s.v1.insert(clip("n", 0, 10), 20),
    "overwrite": lambda s: s.v1.overwrite(clip("n", 0, 30), 35),
    "split": lambda s: s.v1.split(70),
    "split-with-transition": lambda s: s.v1.split(70),
    "trim-out": lambda s: s.v1.trim_out("clip_a", -10),
    "trim-out-ripple": lambda s: s.v1.trim_out("clip_a", -10, ripple=True),
    "trim-in": lambda s: s.v1.trim_in("clip_b", 4),
    "trim-in-ripple": lambda s: s.v1.trim_in("clip_b", -4, ripple=True),
    "lift": lambda s: s.v1.lift("clip_b"),
    "ripple_delete": lambda s: s.v1.ripple_delete("clip_a"),
    "move": lambda s: s.v1.move("clip_c", 300),
    "move-across": lambda s: s.v1.move("clip_b", 5, s.a1),
    "slip": lambda s: s.v1.slip("clip_b", -6),
    "slide": lambda s: s.v1.slide("clip_b", 3),
    "roll": lambda s: s.v1.roll("clip_b", -2),
    "add_transition": lambda s: s.v1.add_transition(
        Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(6, 25))
    ),
    "remove_transition": lambda s: s.v1.remove_transition("tr_bc"),
    "update": lambda s: s.v1.update("clip_c", opacity=0.5, volume=2.0),
    "update-start": lambda s: s.v1.update("clip_c", start=RationalTime(200, 25)),
    "add_track": lambda s: s.project.add_track(track=Track(id="trk_v3", name="V3")),
    "remove_track": lambda s: s.project.remove_track("trk_v1"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_undo_redo_and_replay(edit: str) -> None:
    s = Scene()
    if edit in ("remove_transition", "split-with-transition"):
        s.v1.add_transition(Transition(id="tr_bc", from_clip="clip_b", to_clip="clip_c",
                                       duration=RationalTime(4, 25)))  # fmt: skip
    before = dump(s.project)
    EDITS[edit](s)
    after = dump(s.project)
    assert after != before
    assert s.project.undo() is not None
    assert dump(s.project) == before
    assert s.project.redo() is not None
    assert dump(s.project) == after
    assert s.project.redo() is None  # nothing left to redo
    # Replaying the JSON of every recorded op into a fresh project gives the same timeline.
    assert dump(replayed(s.project, s.rec.ops)) == after
    # And the ops an edit records can be undone all the way back.
    while s.project.undo() is not None:
        pass
    empty = Project(id="prj_test", name="scene", settings=ProjectSettings(frame_rate=PAL))
    assert dump(s.project) == dump(empty)


def test_refused_edit_keeps_redo_stack(scene: Scene) -> None:
    scene.v1.lift("clip_b")
    scene.project.undo()
    assert_refused(scene.project, lambda: scene.v1.move("clip_a", 60), "overlaps")
    assert scene.project.history.can_redo
    scene.project.redo()
    assert [i for i, *_ in layout(scene.v1)] == ["clip_a", "clip_c"]


def test_new_edit_clears_redo(scene: Scene) -> None:
    scene.v1.lift("clip_b")
    scene.project.undo()
    scene.v1.lift("clip_c")
    assert scene.project.redo() is None


def test_undo_keeps_track_handles_live(scene: Scene) -> None:
    scene.v1.lift("clip_b")
    scene.project.undo()
    assert scene.project.tracks[0] is scene.v1
    scene.v1.lift("clip_c")  # the handle still edits the project
    assert [i for i, *_ in layout(scene.project.tracks[0])] == ["clip_a", "clip_b"]


def test_redo_add_track_keeps_handle_live() -> None:
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track(name="V1")
    p.undo()
    p.redo()
    assert p.tracks[0] is t
    t.append(clip("a", 0, 10))
    assert layout(p.tracks[0]) == [("clip_a", 0, 10)]


def test_undo_remove_track_keeps_handle_live(scene: Scene) -> None:
    scene.project.remove_track("trk_v1")
    scene.project.undo()
    assert scene.project.tracks[0] is scene.v1
    scene.v1.lift("clip_a")
    assert [i for i, *_ in layout(scene.project.tracks[0])] == ["clip_b", "clip_c"]


def test_listeners_see_do_undo_redo(scene: Scene) -> None:
    seen: list[tuple[str, str]] = []
    unsubscribe = scene.project.subscribe(lambda op, how: seen.append((op.op, how)))
    scene.v1.slip("clip_a", 1)
    scene.project.undo()
    scene.project.redo()
    unsubscribe()
    scene.v1.slip("clip_a", 1)
    assert seen == [("slip", "do"), ("slip", "undo"), ("slip", "redo")]


def test_conformed_session_replays_identically() -> None:
    """A 25 fps + 48 kHz session in a 29.97 project replays through JSON exactly."""
    p = Project(id="prj_ntsc", settings=ProjectSettings(frame_rate=NTSC))
    rec = Recorder(p)
    v = p.add_track(name="V1")
    a = p.add_track("audio", name="A1")
    v.append(clip("a", 0, 250))  # [0, 300)
    v.append(clip("b", 10, 100, speed=2))  # [300, 360)
    v.insert(clip("c", 5, 40, speed=Fraction(1, 2)), 137)  # 96 frames; a's tail -> [233, 396)
    mid = v.split(20)  # a [0, 20), mid [20, 137)
    v.trim_in("clip_b", 3, ripple=True)
    v.slide("clip_c", -4)  # mid [20, 133), c [133, 229)
    v.roll("clip_a", -7)  # a [0, 13), mid [13, 133)
    v.slip("clip_b", 2)
    a.append(clip("w", 0, 96000, ref=WAV))  # 2 s -> [0, 60)
    v.move("clip_b", 60, a)
    v.add_transition(Transition(id="tr_1", from_clip=mid.id, to_clip="clip_c",
                                duration=RationalTime(6, NTSC)))  # fmt: skip
    assert [(i, s) for i, s, _ in layout(v)][:3] == [("clip_a", 0), (mid.id, 13), ("clip_c", 133)]
    assert [i for i, *_ in layout(a)] == ["clip_w", "clip_b"]
    p.validate_timeline()
    assert dump(replayed(p, rec.ops)) == dump(p)


# --- property: random sessions keep the timeline valid and undoable ------------------------


ITEM = st.integers(0, 10**6)
TRACK = st.integers(0, 2)
FRAME = st.integers(-5, 400)
DELTA = st.integers(-60, 60)
SPEED = st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2)])
SRC = st.tuples(st.integers(0, 200), st.integers(1, 40))


class EditSession(RuleBasedStateMachine):
    """Random edits (valid or refused) on a 29.97 project with 25 fps media."""

    def __init__(self) -> None:
        super().__init__()
        self.project = Project(id="prj_prop", settings=ProjectSettings(frame_rate=NTSC))
        self.initial = dump(self.project)
        self.applied: list[tuple[Operation, dict[str, Any], dict[str, Any]]] = []
        self.redone: list[tuple[Operation, dict[str, Any], dict[str, Any]]] = []
        self.n = 0
        for tid, kind in (("trk_v1", "video"), ("trk_v2", "video"), ("trk_a1", "audio")):
            self._do(lambda tid=tid, kind=kind: self.project.add_track(track=Track(id=tid, kind=kind)))

    # helpers
    def _track(self, n: int) -> Track:
        return self.project.tracks[n % len(self.project.tracks)]

    def _item_id(self, track: Track, pick: int) -> str:
        return track.items[pick % len(track.items)].id if track.items else "clip_missing"

    def _new_clip(self, s: tuple[int, int], speed: Fraction) -> Clip:
        self.n += 1
        return Clip(id=f"clip_{self.n:04d}", media=A, source_range=TimeRange.from_frames(*s, 25),
                    speed=speed)  # fmt: skip

    def _do(self, edit: Callable[[], object]) -> None:
        before = dump(self.project)
        depth = len(self.project.history)
        try:
            edit()
        except ProjectError:
            assert dump(self.project) == before, "a refused edit changed the project"
            assert len(self.project.history) == depth
            return
        after = dump(self.project)
        op = self.project.history.last
        assert op is not None and len(self.project.history) == depth + 1
        # Undo restores the exact previous state; redo the exact new one.
        assert self.project.undo() is op
        assert dump(self.project) == before
        assert self.project.redo() is op
        assert dump(self.project) == after
        self.applied.append((op, before, after))
        self.redone.clear()

    # edits
    @rule(t=TRACK, s=SRC, speed=SPEED)
    def append(self, t: int, s: tuple[int, int], speed: Fraction) -> None:
        c = self._new_clip(s, speed)
        self._do(lambda: self._track(t).append(c))

    @rule(t=TRACK, at=FRAME, s=SRC, speed=SPEED, over=st.booleans())
    def insert_or_overwrite(self, t: int, at: int, s: tuple[int, int], speed: Fraction, over: bool) -> None:
        c = self._new_clip(s, speed)
        track = self._track(t)
        self._do(lambda: (track.overwrite if over else track.insert)(c, at))

    @rule(t=TRACK, at=FRAME)
    def split(self, t: int, at: int) -> None:
        self._do(lambda: self._track(t).split(at))

    @rule(t=TRACK, i=ITEM, edge=st.sampled_from(["in", "out"]), d=DELTA, ripple=st.booleans())
    def trim(self, t: int, i: int, edge: str, d: int, ripple: bool) -> None:
        track = self._track(t)
        self._do(lambda: track.trim(self._item_id(track, i), edge, d, ripple=ripple))  # type: ignore[arg-type]

    @rule(t=TRACK, i=ITEM, ripple=st.booleans())
    def delete(self, t: int, i: int, ripple: bool) -> None:
        track = self._track(t)
        item = self._item_id(track, i)
        self._do(lambda: track.ripple_delete(item) if ripple else track.lift(item))

    @rule(t=TRACK, i=ITEM, to=FRAME, dest=TRACK)
    def move(self, t: int, i: int, to: int, dest: int) -> None:
        track = self._track(t)
        self._do(lambda: track.move(self._item_id(track, i), to, self._track(dest)))

    @rule(t=TRACK, i=ITEM, d=DELTA, how=st.sampled_from(["slip", "slide", "roll"]))
    def slip_slide_roll(self, t: int, i: int, d: int, how: str) -> None:
        track = self._track(t)
        self._do(lambda: getattr(track, how)(self._item_id(track, i), d))

    @rule(t=TRACK, i=ITEM, frames=st.integers(1, 30),
          align=st.sampled_from(["center", "start", "end"]))  # fmt: skip
    def add_transition(self, t: int, i: int, frames: int, align: str) -> None:
        track = self._track(t)
        a = self._item_id(track, i)
        nxt = []
        if track.items:
            end = end_frame(track.item(a), NTSC)
            nxt = [x.id for x in track.items if start_frame(x, NTSC) == end]
        self.n += 1
        tr = Transition(
            id=f"tr_{self.n:04d}",
            from_clip=a,
            to_clip=nxt[0] if nxt else "clip_none",
            duration=RationalTime(frames, NTSC),
            alignment=align,  # type: ignore[arg-type]
        )
        self._do(lambda: track.add_transition(tr))

    @precondition(lambda self: any(t.transitions for t in self.project.tracks))
    @rule(t=TRACK, i=ITEM)
    def remove_transition(self, t: int, i: int) -> None:
        track = self._track(t)
        tid = track.transitions[i % len(track.transitions)].id if track.transitions else "tr_none"
        self._do(lambda: track.remove_transition(tid))

    @rule(t=TRACK, i=ITEM, opacity=st.sampled_from([0.0, 0.5, 1.0]), at=FRAME)
    def update(self, t: int, i: int, opacity: float, at: int) -> None:
        track = self._track(t)
        start = RationalTime.from_frames(max(at, 0), NTSC)
        self._do(lambda: track.update(self._item_id(track, i), opacity=opacity, start=start))

    @precondition(lambda self: len(self.applied) > 3)
    @rule()
    def undo(self) -> None:
        op, before, after = self.applied.pop()
        assert self.project.undo() is op
        assert dump(self.project) == before
        self.redone.append((op, before, after))

    @precondition(lambda self: bool(self.redone))
    @rule()
    def redo(self) -> None:
        op, before, after = self.redone.pop()
        assert self.project.redo() is op
        assert dump(self.project) == after
        self.applied.append((op, before, after))

    # invariants
    @invariant()
    def timeline_is_valid(self) -> None:
        self.project.validate_timeline()
        for track in self.project.tracks:
            spans = sorted((start_frame(i, NTSC), end_frame(i, NTSC)) for i in track.items)
            assert all(s >= 0 and e > s for s, e in spans)
            assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(spans))
            assert all(i.start.is_frame_aligned(NTSC) for i in track.items)

    def teardown(self) -> None:
        final = dump(self.project)
        fresh = Project(id="prj_prop", settings=ProjectSettings(frame_rate=NTSC))
        for op, _, _ in self.applied:
            fresh.apply(json.loads(json.dumps(op.to_json())))
        assert dump(fresh) == final, "replaying the recorded ops gave another timeline"
        while self.project.undo() is not None:
            pass
        assert dump(self.project) == self.initial


EditSession.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRandomEditSessions = EditSession.TestCase


def test_split_keeps_fades_on_the_outer_edges() -> None:
    """Fade-in stays with the head, fade-out with the tail (as in every NLE)."""
    from timeline_lab.model import Effect

    project = Project(settings=ProjectSettings(frame_rate=25))
    track = project.add_track("video")
    media = MediaReference(path="/m/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 100, 25))
    fades = [Effect(kind="fade_in", params={"frames": 5}), Effect(kind="fade_out", params={"frames": 5}),
             Effect(kind="blur", params={"sigma": 2})]  # fmt: skip
    clip = track.append(Clip(media=media, source_range=TimeRange.from_frames(0, 40, 25), effects=fades))
    right = track.split(20)
    left = track.item(clip.id)
    assert [fx.kind for fx in left.effects] == ["fade_in", "blur"]  # type: ignore[union-attr]
    assert [fx.kind for fx in right.effects] == ["fade_out", "blur"]  # type: ignore[union-attr]
    project.undo()
    assert [fx.kind for fx in track.item(clip.id).effects] == ["fade_in", "fade_out", "blur"]  # type: ignore[union-attr]


# --- a title's animation stays where it was on the timeline when its head moves ---------------


def _shown_x(track: Track, rate: Fraction) -> dict[int, float]:
    from timeline_lab.model.keyframes import value_at

    return {
        start_frame(it, rate) + k: value_at(it, "x", k, rate)
        for it in track.items
        if isinstance(it, TextClip)
        for k in range(it.frames(rate))
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(1, 119),
    how=st.sampled_from(["split", "trim_in"]),
    rate=st.sampled_from([25, 30000 / 1001]),
)
def test_splitting_or_trimming_an_animated_title_changes_no_frame(cut: int, how: str, rate: float) -> None:
    r = Fraction(rate).limit_denominator(1001)
    project = Project(settings=ProjectSettings(frame_rate=r))
    track = project.add_track("video")
    points = ((0, -0.2, "ease_out"), (15, 0.2, "linear"), (100, 0.2, "ease_in"), (119, 0.9, "hold"))
    keys = [{"time": RationalTime.from_frames(f, r).to_json(), "value": v, "interp": i} for f, v, i in points]
    track.append(TextClip(text="Ada", duration=RationalTime.from_frames(120, r), keyframes={"x": keys}))
    before = _shown_x(track, r)
    if how == "split":
        track.split(cut)
    else:
        track.trim_in(track.items[0].id, cut)
    after = _shown_x(track, r)
    assert after == {f: x for f, x in before.items() if f in after}
    assert len(after) == (120 if how == "split" else 120 - cut)


@pytest.mark.parametrize("edit", ["trim_in", "trim_out", "trim_out_ripple", "slip", "slide", "roll"])
@pytest.mark.parametrize("delta", [2.5, 1.0, Fraction(3, 2), "2", True])
def test_a_delta_that_is_no_whole_number_of_frames_is_refused(edit: str, delta: Any) -> None:
    """Float deltas from Python made clips fractions of a frame long, or a raw numpy error (review 64)."""
    project = Project(settings=ProjectSettings(frame_rate=Fraction(25)))
    track = project.add_track("video")
    media = MediaReference(
        path="/m.mp4", rate=Fraction(25), available_range=TimeRange.from_frames(0, 500, 25)
    )
    ids = [
        track.append(Clip(media=media, source_range=TimeRange.from_frames(50 * n + 10, 20, 25))).id
        for n in range(3)
    ]
    before = project.model_dump_json()
    call = {
        "trim_in": lambda: track.trim_in(ids[1], delta),
        "trim_out": lambda: track.trim_out(ids[1], delta),
        "trim_out_ripple": lambda: track.trim_out(ids[1], delta, ripple=True),
        "slip": lambda: track.slip(ids[1], delta),
        "slide": lambda: track.slide(ids[1], delta),
        "roll": lambda: track.roll(ids[1], delta),
    }[edit]
    with pytest.raises(TypeError, match="delta: expected an integer number of frames"):
        call()
    assert project.model_dump_json() == before
