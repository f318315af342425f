"""The timeline widget's incremental view: the patches it sends are the whole diff's, at an edit's cost.

Random edit sequences (browser gestures, groups, refusals, Python edits, undo and redo of groups,
track and settings changes) go to a widget and to a reference that recomputes the whole view and
diffs it (the widget's former way): both send the same messages, and the browser's document after
applying them (``patchDoc`` in extension/widgets/src/doc.ts, mirrored here) is a fresh view.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab import Studio
from timeline_lab.errors import TimelineLabError
from timeline_lab.model import (
    Clip,
    Marker,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
)
from timeline_lab.model.history import Operation
from timeline_lab.model.item_list import ItemList
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets.view import TimelineView, diff, is_empty, view_of

from .conftest import Sent, record


class WholeView:
    """The reference: every update recomputes the whole view and diffs it with the last one sent."""

    def __init__(self, project: Project, rev: int = 0) -> None:
        self.project = project
        self.sent = view_of(project, rev)

    def note(self, op: Operation, how: str) -> None:
        pass

    def invalidate(self) -> None:
        pass

    def view(self, rev: int) -> TimelineView:
        return self.sent

    def update(self, rev: int) -> dict[str, Any] | None:
        new = view_of(self.project, rev)
        if (new.rate, new.drop_frame) != (self.sent.rate, self.sent.drop_frame):
            self.sent = new
            return {"kind": "reset", "doc": new.to_json()}
        patch = diff(self.sent, new)
        if is_empty(patch) and patch["duration"] == self.sent.duration:
            return None
        self.sent = new
        return {"kind": "patch", "patch": patch}


class Reference(TimelineWidget):
    """The widget with the reference view."""

    def __init__(self, project: Project) -> None:
        super().__init__(project)
        self._live = WholeView(project)

    def _reset(self) -> None:
        self._live = WholeView(self.project, self._rev)
        self.send({"kind": "reset", "doc": self._live.view(self._rev).to_json()})


def patch_doc(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    """What the browser's ``patchDoc`` does to its document."""
    for k in patch["removed_items"]:
        doc["items"].pop(k, None)
    for k in patch["removed_transitions"]:
        doc["transitions"].pop(k, None)
    doc["items"].update({v["id"]: v for v in patch["items"]})
    for by, ids in patch["moved"]:
        doc["items"].update({k: {**doc["items"][k], "start": doc["items"][k]["start"] + by} for k in ids})
    doc["transitions"].update({v["id"]: v for v in patch["transitions"]})
    by_id = {t["id"]: t for t in doc["tracks"]}
    for k in patch["removed_tracks"]:
        by_id.pop(k, None)
    for t in patch["tracks"]:
        items = list(t["items"]) if "items" in t else list(by_id[t["id"]]["items"])
        if "items_splice" in t:
            at, cut, put = t["items_splice"]
            items[at : at + cut] = put
        by_id[t["id"]] = {**{k: v for k, v in t.items() if k != "items_splice"}, "items": items}
    order = patch["order"] if patch["order"] is not None else [t["id"] for t in doc["tracks"]]
    doc["tracks"] = [by_id[k] for k in order if k in by_id]
    doc["rev"], doc["duration"] = patch["rev"], patch["duration"]
    if patch["markers"] is not None:
        doc["markers"] = patch["markers"]
    for at, cut, put in patch["marker_splices"]:
        doc["markers"][at : at + cut] = put


def messages(sent: Sent, kinds: tuple[str, ...] = ("patch", "reset")) -> list[dict[str, Any]]:
    """The ``kinds`` of messages ``sent``, each patch's moved views written out as items (sorted by
    id), its marker splices as the markers they make and its track entries whole: what a whole
    diff says the same browser document with."""
    doc: dict[str, Any] = {}
    out = []
    for msg, _ in sent:
        if msg["kind"] == "reset":
            doc = copy.deepcopy(msg["doc"])
        elif msg["kind"] == "patch":
            patch = msg["patch"]
            moved = [
                {**doc["items"][k], "start": doc["items"][k]["start"] + by}
                for by, ids in patch["moved"]
                for k in ids
            ]
            items = sorted([*patch["items"], *moved], key=lambda v: v["id"])
            was = list(doc.get("markers", []))
            patch_doc(doc, copy.deepcopy(patch))
            entries = {t["id"]: t for t in doc["tracks"]}
            tracks = [copy.deepcopy(entries[t["id"]]) for t in patch["tracks"]]  # whole, as a diff has them
            markers = patch["markers"] if doc["markers"] == was else list(doc["markers"])
            normal = {"items": items, "moved": [], "markers": markers, "marker_splices": [], "tracks": tracks}
            msg = {**msg, "patch": {**patch, **normal}}
        if msg["kind"] in kinds:
            out.append(msg)
    return out


def browser(sent: Sent) -> dict[str, Any]:
    """The document a browser holds after every message ``sent``."""
    doc: dict[str, Any] = {}
    for msg, _ in sent:
        if msg["kind"] == "reset":
            doc = copy.deepcopy(msg["doc"])
        elif msg["kind"] == "patch":
            patch_doc(doc, copy.deepcopy(msg["patch"]))
    return doc


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    s = Studio(workspace=tmp_path_factory.mktemp("live"))
    yield s
    s.close()


def build(studio: Studio, media: dict[str, Path]) -> Project:
    """Three tracks (two video, one audio) of short clips with gaps, transitions and markers."""
    p = studio.new_project("live", width=160, height=120, frame_rate=25)
    p.add_track("video", "V2")
    p.add_track("audio", "A1")
    names = ["pal", "ntsc", "wide", "silent"]
    for t, track in enumerate(p.tracks):
        for k in range(5):
            name = names[(t + k) % (3 if track.kind == "audio" else 4)]  # no silent clip on a sound track
            track.append(studio.clip(media[name], 2, 8 + k))
        at = track.items[3].start.to_frames(25)
        p.apply({"op": "insert_gap", "track": track.id, "at": at, "frames": 4 + t})
        track.add_transition(
            Transition(from_clip=track.items[0].id, to_clip=track.items[1].id, duration=RationalTime(2, 25))
        )
    p.add_marker(Marker(time=RationalTime(10, 25), name="first"))
    p.history.clear()
    return p


KINDS = [
    "trim",
    "trim_ripple",
    "move",
    "move_track",
    "split",
    "lift",
    "ripple_delete",
    "slip",
    "slide",
    "roll",
    "insert_gap",
    "transition",
    "update",
    "mute",
    "trailing_gap",
    "kind",
    "marker",
    "group",
    "refused_group",
    "python_trim",
    "python_group",
    "undo",
    "redo",
    "widget_undo",
    "add_track",
    "remove_track",
    "rate",
    "rename_project",
    "refresh",
]
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 40),
        st.integers(0, 40),
        st.integers(-6, 6),
    ),
    min_size=1,
    max_size=14,
)


def op_for(p: Project, what: str, a: int, b: int, d: int) -> dict[str, Any] | None:
    """A JSON operation (perhaps one the project refuses) from drawn numbers."""
    tracks = p.tracks
    if not tracks:
        return None
    track = tracks[a % len(tracks)]
    other = tracks[b % len(tracks)]
    items = track.items
    if what == "insert_gap":
        return {"op": "insert_gap", "track": track.id, "at": b * 3, "frames": abs(d) + 1}
    if what == "split":
        return {"op": "split", "track": track.id, "at": b * 3 + 1}
    if what == "mute":
        return {"op": "set_track", "track": track.id, "changes": {"muted": not track.muted, "name": f"n{b}"}}
    if what == "trailing_gap":  # the render's length: the widget's timeline must end there too
        return {"op": "set_track", "track": track.id, "changes": {"trailing_gap": {"value": b, "rate": 25}}}
    if what == "kind":
        return {
            "op": "set_track",
            "track": track.id,
            "changes": {"kind": "audio" if track.kind == "video" else "video"},
        }
    if what == "marker":
        return {"op": "add_marker", "marker": {"time": {"value": b * 2, "rate": 25}, "name": f"m{b}"}}
    if what == "rate":
        return {"op": "update_settings", "changes": {"frame_rate": 50 if p.settings.frame_rate == 25 else 25}}
    if what == "rename_project":
        return {"op": "update_project", "changes": {"name": f"p{b}"}}
    if what == "add_track":
        return {"op": "add_track", "kind": "video", "name": f"T{b}"}
    if what == "remove_track":
        return {"op": "remove_track", "track_id": track.id}
    if not items:
        return None
    item = items[b % len(items)]
    base = {"track": track.id, "item_id": item.id}
    if what in ("trim", "trim_ripple"):
        edge = "in" if d % 2 else "out"
        return {"op": "trim", **base, "edge": edge, "delta": d, "ripple": what == "trim_ripple"}
    if what == "move":
        return {"op": "move", **base, "to": max(0, item.start.to_frames(p.settings.frame_rate) + d * 3)}
    if what == "move_track":
        return {"op": "move", **base, "to": b * 4, "to_track": other.id}
    if what in ("lift", "ripple_delete"):
        return {"op": what, **base}
    if what in ("slip", "slide", "roll"):
        return {"op": what, **base, "delta": d}
    if what == "update":
        return {"op": "update", **base, "changes": {"name": f"c{d}", "enabled": d % 2 == 0}}
    if what == "transition" and len(items) > 1:
        k = b % (len(items) - 1)
        tr = {"from_clip": items[k].id, "to_clip": items[k + 1].id, "duration": {"value": 2, "rate": 25}}
        return {"op": "add_transition", "track": track.id, "transition": tr}
    return None


def act(p: Project, w: TimelineWidget, what: str, a: int, b: int, d: int, seq: int) -> None:
    """One action on the project, through the widget or from Python."""
    if what in ("undo", "redo"):
        getattr(p, what)()
    elif what == "widget_undo":
        w._on_msg(w, {"kind": "undo", "seq": seq}, [])
    elif what == "refresh":
        w.refresh()
    elif what in ("group", "refused_group", "python_group"):
        kinds = ["split", "ripple_delete", "trim", "lift", "update", "insert_gap", "move_track", "transition"]
        step = 2 if d >= 0 else -2  # later ops on later items, or on earlier ones
        ops = [op_for(p, kinds[(a + k) % len(kinds)], a + k, b + step * k, d - k) for k in range(3)]
        ops = [o for o in ops if o is not None]
        if what == "refused_group":
            ops.append({"op": "trim", "track": "nowhere", "item_id": "x", "edge": "in", "delta": 1})
        if what == "python_group":
            with contextlib.suppress(TimelineLabError):
                p.apply_all(ops)
        else:
            w._on_msg(w, {"kind": "edit", "seq": seq, "ops": ops}, [])
    elif what == "python_trim":
        op = op_for(p, "trim", a, b, d)
        if op is not None:
            with contextlib.suppress(TimelineLabError):
                p.apply(op)
    else:
        op = op_for(p, what, a, b, d)
        if op is not None:
            w._on_msg(w, {"kind": "edit", "seq": seq, "ops": [op]}, [])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_incremental_patches_are_the_whole_diffs(
    actions: list[tuple[str, int, int, int]], studio: Studio, media: dict[str, Path]
) -> None:
    p = build(studio, media)
    ref = Reference(p)  # notified first: both see the project in the same state at each send
    w = TimelineWidget(p)
    ref_sent, sent = record(ref), record(w)
    for x in (ref, w):
        x._on_msg(x, {"kind": "ready"}, [])
    for n, (what, a, b, d) in enumerate(actions):
        act(p, w, what, a, b, d, n + 2)
        assert messages(sent) == messages(ref_sent), f"after {actions[: n + 1]}"
        assert browser(sent) == view_of(p, w._rev).to_json(), f"after {actions[: n + 1]}"
    w.close()
    ref.close()


def big(studio: Studio, media: dict[str, Path], clips: int) -> Project:
    """``clips`` clips on four tracks, with a transition every tenth cut."""
    from timeline_lab.model._base import new_id

    p = studio.new_project("big", width=160, height=120, frame_rate=25)
    template, two = studio.clip(media["pal"], 2, 10), RationalTime(2, 25)
    p.remove_track(p.tracks[0].id)
    for t in range(4):
        items = [
            template.model_copy(update={"id": new_id("clip"), "start": RationalTime(10 * k, 25)})
            for k in range(clips // 4)
        ]
        track = p.add_track(track=Track(kind="video", name=f"V{t + 1}", items=items))
        for k in range(0, len(items) - 1, 10):
            track.add_transition(Transition(from_clip=items[k].id, to_clip=items[k + 1].id, duration=two))
    p.history.clear()
    return p


@pytest.mark.parametrize("clips", [400, 4000])
@pytest.mark.parametrize(
    ("op", "most"),
    [
        ({"op": "trim", "edge": "out", "delta": -1}, 1),
        ({"op": "trim", "edge": "in", "delta": 1}, 1),
        ({"op": "slip", "delta": 1}, 1),
        ({"op": "update", "changes": {"name": "renamed"}}, 1),
        ({"op": "roll", "delta": -1}, 2),
    ],
)
def test_an_edit_costs_what_it_changed_not_the_project(
    op: dict[str, Any],
    most: int,
    clips: int,
    studio: Studio,
    media: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One-item edits read no track whole and recompute one or two item views, however big the project."""
    import timeline_lab.widgets._live_view as live

    p = big(studio, media, clips)
    w = TimelineWidget(p)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    track = p.tracks[2]
    target = track.items[len(track.items) // 2 + 3]  # no transition at either edge
    walked, computed = [0], [0]
    real_iter, real_view = ItemList.__iter__, live.item_view

    def counting_iter(self: ItemList) -> Iterator[Any]:
        walked[0] += len(self)
        return real_iter(self)

    def counting_view(*args: Any) -> dict[str, Any]:
        computed[0] += 1
        return real_view(*args)

    monkeypatch.setattr(ItemList, "__iter__", counting_iter)
    monkeypatch.setattr(live, "item_view", counting_view)
    for k in range(4):  # the edit, its undo, again, and a redo-free second try
        w._on_msg(
            w, {"kind": "edit", "seq": 2 + k, "ops": [{**op, "track": track.id, "item_id": target.id}]}, []
        )
        w._on_msg(w, {"kind": "undo", "seq": 10 + k}, [])
    monkeypatch.undo()
    assert walked[0] < 200  # the model's own checks read a few items around the edit
    assert computed[0] <= 8 * most
    assert sent.kinds().count("patch") == 8
    assert browser(sent) == view_of(p, w._rev).to_json()


def test_a_frame_rate_change_resets_the_browser(studio: Studio, media: dict[str, Path]) -> None:
    p = big(studio, media, 40)
    w = TimelineWidget(p)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    w._on_msg(
        w, {"kind": "edit", "seq": 2, "ops": [{"op": "update_settings", "changes": {"frame_rate": 50}}]}, []
    )
    assert sent.kinds()[-2:] == ["reset", "ack"]
    assert sent.last("reset")["doc"]["rate"] == [50, 1]
    assert browser(sent) == view_of(p, w._rev).to_json()
    assert Fraction(50) == p.settings.frame_rate


@pytest.mark.parametrize("how", ["python", "widget"])
@pytest.mark.parametrize(
    "later",
    [
        {"op": "trim", "edge": "out", "delta": -1},
        {"op": "update", "changes": {"name": "late"}},
        {"op": "ripple_delete"},
        {"op": "slip", "delta": 1},
    ],
)
def test_a_group_taken_back_and_again_patches_as_the_whole_diff(
    later: dict[str, Any], how: str, studio: Studio, media: dict[str, Path]
) -> None:
    """``Project.undo`` takes a group's every step back before announcing its operations one by one:
    a split (a new item) then an edit further on, undone and redone, must not be replayed out of step."""
    p = build(studio, media)
    ref = Reference(p)
    w = TimelineWidget(p)
    ref_sent, sent = record(ref), record(w)
    for x in (ref, w):
        x._on_msg(x, {"kind": "ready"}, [])
    track = p.tracks[1]
    last = track.items[-1]
    split = {"op": "split", "track": track.id, "at": track.items[0].start.to_frames(25) + 3}
    w._on_msg(
        w, {"kind": "edit", "seq": 2, "ops": [split, {**later, "track": track.id, "item_id": last.id}]}, []
    )
    assert sent.kinds()[-1] == "ack"
    for step in ("undo", "redo", "undo"):
        if how == "python":
            getattr(p, step)()
        else:
            w._on_msg(w, {"kind": step, "seq": 3}, [])
        assert messages(sent, ("patch",)) == messages(ref_sent, ("patch",))
        assert browser(sent) == view_of(p, w._rev).to_json()


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_items_a_group_removes_are_named_in_the_order_they_were_sent(
    order: tuple[int, ...], studio: Studio, media: dict[str, Path]
) -> None:
    """Splits of several clips undone as one step take away their right halves: one patch, the whole diff."""
    p = build(studio, media)
    ref, w = Reference(p), TimelineWidget(p)
    ref_sent, sent = record(ref), record(w)
    for x in (ref, w):
        x._on_msg(x, {"kind": "ready"}, [])
    track = p.tracks[0]
    ats = [track.items[k].start.to_frames(25) + 2 for k in order]
    w._on_msg(
        w, {"kind": "edit", "seq": 2, "ops": [{"op": "split", "track": track.id, "at": at} for at in ats]}, []
    )
    p.undo()
    assert len(sent.last("patch")["patch"]["removed_items"]) == 3
    assert messages(sent) == messages(ref_sent)
    assert browser(sent) == view_of(p, w._rev).to_json()


@settings(max_examples=30, deadline=None)
@given(gaps=st.lists(st.integers(0, 80), min_size=1, max_size=4))
def test_the_documents_length_is_the_renders(gaps: list[int]) -> None:
    """A track's trailing gap (kept from OpenTimelineIO, set with set_track) is part of the length
    the render, chapters and markers use; the widget's timeline ended at the last item."""
    p = Project(settings=ProjectSettings(frame_rate=25))
    media = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))
    w = TimelineWidget(p)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    for n, gap in enumerate(gaps):
        track = p.add_track("video", f"V{n + 1}")
        track.append(Clip(media=media, source_range=TimeRange.from_frames(0, 10 + 7 * n, 25)))
        gap_after = {"trailing_gap": {"value": gap, "rate": 25}}
        ops = [{"op": "set_track", "track": track.id, "changes": gap_after}]
        w._on_msg(w, {"kind": "edit", "seq": n + 1, "ops": ops, "view": "t"}, [])
        want = p.duration().to_frames(25)
        assert view_of(p).duration == want
        assert browser(sent)["duration"] == want
