"""widgets/timeline.py and _titles.py: any message the comm can carry is answered, never raised out of
the handler; a refusal names the field and changes nothing (no marker off the timeline, no
``str(None)`` as a title's text, no crash on a ``seq`` that is not a number)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Project, ProjectSettings, TextClip
from timeline_lab.model.io import dumps
from timeline_lab.model.marker import Marker
from timeline_lab.model.time import RationalTime
from timeline_lab.widgets import TimelineWidget

from .conftest import Sent, record

RATE = 25
LENGTH = 50  # frames: two 1-second titles


def _setup() -> tuple[Project, TimelineWidget, Sent]:
    p = Project(settings=ProjectSettings(width=160, height=90, frame_rate=RATE))
    v = p.add_track("video")
    v.append(TextClip(id="text_one", text="one", duration=RationalTime(1)))
    v.append(TextClip(id="text_two", text="two", duration=RationalTime(1)))
    w = TimelineWidget(p)
    return p, w, record(w)


def _replies(sent: Sent) -> list[dict[str, Any]]:
    return [m for m, _ in sent if m["kind"] in ("ack", "refused")]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
KINDS = ["edit", "nudge", "keyframe", "title_edit", "title_add", "marker", "curve", "copy", "cut", "paste"]
KEYS = ["seq", "ops", "ids", "frames", "frame", "item", "property", "fields", "template", "first", "count"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(KINDS),
    payload=st.dictionaries(st.sampled_from(KEYS), json_values | st.sampled_from(["text_one", "text_two"])),
)
def test_no_message_escapes_and_a_refusal_changes_nothing(kind: str, payload: dict[str, Any]) -> None:
    p, w, sent = _setup()
    before = dumps(p)
    w._on_msg(w, {"kind": kind, **payload}, [])  # raises nothing, whatever the payload
    seq = payload.get("seq")
    want = seq if isinstance(seq, int) and not isinstance(seq, bool) else 0
    for reply in _replies(sent):
        assert reply["seq"] == want
        if reply["kind"] == "refused":
            assert reply["error"].strip() and dumps(p) == before, reply


@pytest.mark.parametrize("seq", ["abc", None, 1.5, [1], {"a": 1}, True, float("nan")])
def test_a_bad_seq_is_answered_as_0(seq: object) -> None:
    _, w, sent = _setup()
    w._on_msg(w, {"kind": "edit", "seq": seq, "ops": [{"op": "no_such_op"}]}, [])
    refused = {"kind": "refused", "seq": 0, "error": "unknown operation 'no_such_op'", "view": None}
    assert _replies(sent) == [refused]


@pytest.mark.parametrize("content", [None, [], "edit", 3])
def test_a_message_that_is_not_an_object_is_refused(content: object) -> None:
    _, w, sent = _setup()
    w._on_msg(w, content, [])  # type: ignore[arg-type]
    assert _replies(sent)[0]["kind"] == "refused"


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (-1, "frame -1 is outside the timeline (0 to 50)"),
        (-50, "frame -50 is outside the timeline"),
        (LENGTH + 1, "frame 51 is outside the timeline"),
        (10**30, "is outside the timeline"),
        (1.5, "frame must be a whole number, got '1.5'"),
        (float("nan"), "frame must be a whole number"),
        (math.inf, "frame must be a whole number"),
        ("3", "frame must be a whole number, got '3'"),
        (True, "frame must be a whole number"),
        (None, "frame must be a whole number"),
    ],
)
def test_markers_off_the_timeline_are_refused(frame: object, error: str) -> None:
    p, w, sent = _setup()
    before, steps = dumps(p), len(p.history)
    w._on_msg(w, {"kind": "marker", "frame": frame}, [])
    (reply,) = _replies(sent)
    assert reply["kind"] == "refused" and reply["error"].startswith("marker: ") and error in reply["error"]
    assert dumps(p) == before and len(p.history) == steps and p.markers == []


@pytest.mark.parametrize("frame", [0, 1, LENGTH, 7.0])
def test_markers_on_the_timeline_are_added(frame: object) -> None:
    p, w, sent = _setup()
    w._on_msg(w, {"kind": "marker", "frame": frame}, [])
    assert _replies(sent) == []
    assert [m.time.to_frames(RATE) for m in p.markers] == [int(frame)]  # type: ignore[call-overload]


def test_the_model_refuses_markers_before_0_as_the_widget_does() -> None:
    p, w, _ = _setup()
    with pytest.raises(ProjectError, match="marker 'early': time -1@25 is before the timeline's start"):
        p.add_marker(Marker(time=RationalTime(-1, RATE), name="early"))
    marker = {"id": "mk_x", "time": {"value": "-3", "rate": "25"}, "name": "op"}
    with pytest.raises(ProjectError, match="before the timeline's start"):
        p.apply_all([{"op": "add_marker", "marker": marker}], name="gesture")
    kept = p.add_marker(Marker(time=RationalTime(80, RATE), name="past the end: the model keeps it"))
    before = dumps(p)
    with pytest.raises(ProjectError, match="before the timeline's start"):
        p.update_marker(kept.id, time=RationalTime(-2, RATE))
    assert dumps(p) == before
    with pytest.raises(ProjectError, match="frame -1 is outside the timeline"):
        w.add_marker(-1)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": None}, "title: text must be a string, got None"),
        ({"text": ["a", "b"]}, "title: text must be a string, got ['a', 'b']"),
        ({"text": 5}, "title: text must be a string, got 5"),
        ({"x": "left"}, "title: x must be a number, got 'left'"),
        ({"opacity": True}, "title: opacity must be a number, got True"),
        ({"y": None}, "title: y must be a number, got None"),
        ({"font_size": 12.5}, "title: font_size must be a whole number, got 12.5"),
        ({"font_size": "12"}, "title: font_size must be a whole number, got '12'"),
        ({"color": 255}, "title: color must be a string, got 255"),
        ({"box_color": ["#000"]}, "title: box_color must be a string"),
        ({"nope": 1}, "title: the inspector cannot change 'nope'"),
        ({}, "title: nothing to change"),
    ],
)
def test_title_edit_refuses_fields_of_the_wrong_kind_by_name(fields: dict[str, Any], error: str) -> None:
    p, w, sent = _setup()
    before, steps = dumps(p), len(p.history)
    w._on_msg(w, {"kind": "title_edit", "seq": 4, "item": "text_one", "fields": fields}, [])
    (reply,) = _replies(sent)
    assert reply["kind"] == "refused" and reply["seq"] == 4 and error in reply["error"]
    assert dumps(p) == before and len(p.history) == steps


@pytest.mark.parametrize(
    ("fields", "check"),
    [
        ({"text": ""}, lambda c: c.text == ""),
        ({"font_size": 20.0}, lambda c: c.style.font_size == 20),
        ({"x": 1}, lambda c: c.x == 1.0),
        ({"box_color": ""}, lambda c: c.style.box_color is None),
        ({"box_color": None}, lambda c: c.style.box_color is None),
    ],
)
def test_title_edit_takes_fields_of_their_kind(fields: dict[str, Any], check: Any) -> None:
    p, w, sent = _setup()
    w._on_msg(w, {"kind": "title_edit", "seq": 2, "item": "text_one", "fields": fields}, [])
    assert [r["kind"] for r in _replies(sent)] == ["ack"]
    assert check(p.tracks[0].items[0])


@pytest.mark.parametrize("value", [None, ["Ada"], 3])
def test_title_add_refuses_a_name_that_is_not_text(value: object) -> None:
    p, w, sent = _setup()
    before = dumps(p)
    w._on_msg(w, {"kind": "title_add", "seq": 1, "template": "lower_third", "fields": {"name": value}}, [])
    (reply,) = _replies(sent)
    assert reply["kind"] == "refused" and ("name" in reply["error"])
    assert dumps(p) == before


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        ("nudge", {"ids": ["text_one"], "frames": "x"}, "frames must be a whole number"),
        ("nudge", {"ids": ["text_one"], "frames": math.nan}, "frames must be a whole number"),
        ("nudge", {"ids": 5, "frames": 1}, "ids must be a list of strings"),
        ("copy", {"ids": [1, 2]}, "ids must be a list of strings"),
        ("title_edit", {"item": "text_one", "fields": [1, 2]}, "fields must be an object"),
        ("title_add", {"template": "lower_third", "fields": "name"}, "fields must be an object"),
        ("paste", {"frame": 2.5}, "frame must be a whole number"),
        ("drop", {"paths": "a.mp4"}, "paths must be a list of strings"),
        ("duck", {"track": "x", "under": [], "amount_db": "loud"}, "amount_db must be a number"),
    ],
)
def test_a_request_field_of_the_wrong_kind_is_named(kind: str, payload: dict[str, Any], field: str) -> None:
    """A wrong type reached int()/dict()/float() and came back in their words, naming no field."""
    p, w, sent = _setup()
    before = dumps(p)
    w._on_msg(w, {"kind": kind, "seq": 7, **payload}, [])
    refused = [m for m in _replies(sent) if m["kind"] == "refused"]
    assert refused and field in refused[-1]["error"] and refused[-1]["seq"] == 7
    assert dumps(p) == before
