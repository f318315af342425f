"""TimelineWidget's protocol: edits from the browser go through the model; model changes flow back."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from timeline_lab.model import Project
from timeline_lab.widgets import TimelineWidget

from .conftest import record
from .test_live_view import browser


def ready(project: Project):
    w = TimelineWidget(project)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    return w, sent


def test_ready_sends_the_whole_timeline(project: Project) -> None:
    w, sent = ready(project)
    doc = sent.last("reset")["doc"]
    assert [t["id"] for t in doc["tracks"]] == [t.id for t in project.tracks]
    assert len(doc["items"]) == 3
    assert "TimelineWidget('w'" in repr(w)


def test_edit_applies_through_the_model_and_acks(project: Project) -> None:
    w, sent = ready(project)
    v1 = project.tracks[0]
    clip = v1.items[2]
    w._on_msg(
        w,
        {"kind": "edit", "seq": 7, "ops": [{"op": "move", "track": v1.id, "item_id": clip.id, "to": 80}]},
        [],
    )
    assert v1.item(clip.id).start.to_frames(25) == 80
    assert sent.kinds()[-2:] == ["patch", "ack"]
    assert sent.last("patch")["patch"]["items"][0]["start"] == 80
    assert project.history.last is not None and project.history.last.op == "move"


def test_refused_edit_changes_nothing_and_says_why(project: Project) -> None:
    w, sent = ready(project)
    v1 = project.tracks[0]
    before = project.model_dump(mode="json")
    w._on_msg(
        w,
        {
            "kind": "edit",
            "seq": 3,
            "ops": [{"op": "trim", "track": v1.id, "item_id": v1.items[0].id, "edge": "out", "delta": 99}],
        },
        [],
    )
    refused = sent.last("refused")
    assert refused["seq"] == 3 and "past media end" in refused["error"]
    assert w.message == refused["error"]
    assert project.model_dump(mode="json") == before


def test_a_batch_is_all_or_nothing(project: Project) -> None:
    w, sent = ready(project)
    v1 = project.tracks[0]
    before = project.model_dump(mode="json")
    ops = [
        {"op": "split", "track": v1.id, "at": 10},
        {"op": "move", "track": v1.id, "item_id": "no-such-clip", "to": 3},
    ]
    w._on_msg(w, {"kind": "edit", "seq": 1, "ops": ops}, [])
    assert "no-such-clip" in sent.last("refused")["error"]
    assert project.model_dump(mode="json") == before


def test_transition_length_in_frames_and_undo_redo(project: Project) -> None:
    w, sent = ready(project)
    v1 = project.tracks[0]
    a, b = v1.items[1], v1.items[2]  # ntsc has a tail in its media, wide has no head
    six = {"value": 6, "rate": 25}  # as the widget writes frames (gestures.ts framesTime)
    tr = {"kind": "dissolve", "from_clip": a.id, "to_clip": b.id, "duration": six, "alignment": "start"}
    w._on_msg(
        w, {"kind": "edit", "seq": 1, "ops": [{"op": "add_transition", "track": v1.id, "transition": tr}]}, []
    )
    assert sent.kinds()[-1] == "ack", sent[-1]
    assert v1.transitions[0].duration.to_frames(25) == 6
    assert sent.last("patch")["patch"]["transitions"][0]["frames"] == 6
    w._on_msg(w, {"kind": "undo"}, [])
    assert v1.transitions == [] and sent.last("patch")["patch"]["removed_transitions"]
    w._on_msg(w, {"kind": "redo"}, [])
    assert len(v1.transitions) == 1
    w._on_msg(w, {"kind": "redo"}, [])
    assert sent.last("refused")["error"] == "nothing to redo"


def test_python_edits_reach_the_widget(project: Project) -> None:
    _, sent = ready(project)
    project.tracks[0].split(30)
    assert len(browser(sent)["tracks"][0]["items"]) == 4  # the patch's splice of the track's ids applied


def test_edits_in_one_kernel_turn_send_one_patch(project: Project) -> None:
    """Inside the kernel (a running loop), a cell's burst of edits is one message, sent after it."""
    _, sent = ready(project)
    v1 = project.tracks[0]

    async def cell() -> None:
        for k in (3, 13, 27, 38, 52):
            v1.split(k)
        assert "patch" not in sent.kinds()
        await asyncio.sleep(0)

    asyncio.run(cell())
    assert sent.kinds().count("patch") == 1
    assert len(browser(sent)["tracks"][0]["items"]) == 8


@pytest.mark.parametrize(
    ("op", "error"),
    [
        ({"op": "split", "at": 3}, "operation 'split': missing argument 'track'"),
        (
            {"op": "split", "track": "T", "at": "soon"},
            "operation 'split': at: Input should be a valid integer",
        ),
        (
            {"op": "split", "track": "T", "at": 3, "frame": 3},
            "operation 'split': frame: Extra inputs are not permitted",
        ),
        ({"op": "trim", "track": "T", "item_id": "x", "edge": "mid", "delta": 1}, "operation 'trim': edge:"),
        (
            {"op": "update", "track": "T", "item_id": "x", "changes": {"visible": 0}},
            "cannot change 'visible'",
        ),
        (
            {"op": "add_transition", "track": "T", "transition": {"duration_frames": 6}},
            "operation 'add_transition': missing argument 'transition.duration'",
        ),
        ({"op": "update_settings", "changes": {"frame_rate": "1/1002"}}, "frame_rate: must be between"),
        ("split", "an operation is a JSON object"),
        ({"track": "T"}, "unknown operation None"),
    ],
)
def test_every_command_is_checked_by_its_registered_arguments(
    project: Project, op: object, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One clear refusal naming the op and the field goes back to the widget; nothing is logged."""
    w, sent = ready(project)
    before = project.model_dump(mode="json")
    if isinstance(op, dict) and op.get("track") == "T":
        op = {**op, "track": project.tracks[0].id}
    with caplog.at_level(logging.WARNING):
        w._on_msg(w, {"kind": "edit", "seq": 5, "ops": [op]}, [])
    refused = sent.last("refused")
    assert refused["seq"] == 5 and error in refused["error"], refused["error"]
    assert project.model_dump(mode="json") == before
    assert not caplog.records  # no traceback in the kernel


def test_a_frame_rate_change_resets_the_view(project: Project) -> None:
    w, sent = ready(project)
    op = {"op": "update_settings", "changes": {"frame_rate": 50}}
    w._on_msg(w, {"kind": "edit", "seq": 7, "ops": [op]}, [])
    assert sent.kinds()[-2:] == ["reset", "ack"], sent.kinds()
    assert sent.last("reset")["doc"]["rate"] == [50, 1]
    w._on_msg(w, {"kind": "undo"}, [])
    assert sent.last("reset")["doc"]["rate"] == [25, 1]


def test_ops_that_are_not_a_list_are_refused(project: Project) -> None:
    w, sent = ready(project)
    w._on_msg(w, {"kind": "edit", "seq": 6, "ops": {"op": "split"}}, [])
    assert "ops must be a list" in sent.last("refused")["error"]


def test_unknown_operations_are_refused(project: Project) -> None:
    w, sent = ready(project)
    w._on_msg(w, {"kind": "edit", "seq": 2, "ops": [{"op": "explode"}]}, [])
    assert "unknown operation 'explode'" in sent.last("refused")["error"]


def test_media_message_carries_thumbnails_and_peaks(project: Project, media: dict[str, Path]) -> None:
    w, sent = ready(project)
    w._on_msg(w, {"kind": "media", "media": str(media["pal"])}, [])
    deadline = time.monotonic() + 30
    while "media" not in sent.kinds() and time.monotonic() < deadline:
        time.sleep(0.05)
    msg, buffers = next((m, b) for m, b in sent if m["kind"] == "media")
    assert msg["has_strip"] and msg["has_peaks"] and "error" not in msg
    assert buffers[0][:3] == b"\xff\xd8\xff"  # JPEG sprite
    assert len(msg["tiles"]) == 24 and msg["tiles"][0]["t"] == 0.0
    assert len(buffers[1]) % 4 == 0 and msg["bucket_seconds"] > 0


def test_missing_media_is_reported_not_raised(project: Project, tmp_path: Path) -> None:
    from timeline_lab.widgets.thumbnails import media_message

    msg, buffers = media_message(str(tmp_path / "gone.mp4"))
    assert "not found" in msg["error"] and buffers == []


def test_a_media_request_that_breaks_is_still_answered(
    project: Project, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import timeline_lab.widgets.timeline as timeline_module

    def broken(path: str, **_: object) -> None:
        raise RuntimeError("decoder fell over")

    monkeypatch.setattr(timeline_module, "media_message", broken)
    w, sent = ready(project)
    w._on_msg(w, {"kind": "media", "media": str(media["pal"])}, [])
    deadline = time.monotonic() + 30
    while "media" not in sent.kinds() and time.monotonic() < deadline:
        time.sleep(0.05)
    msg = sent.last("media")  # the view waits for an answer to every media file it asked for
    assert msg["media"] == str(media["pal"]) and "decoder fell over" in msg["error"]


def test_a_media_request_that_cannot_be_queued_is_still_answered(
    project: Project, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import timeline_lab.widgets.timeline as timeline_module

    def shut(*_: object) -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    monkeypatch.setattr(timeline_module._MEDIA_WORKERS, "submit", shut)
    w, sent = ready(project)
    w._on_msg(w, {"kind": "media", "media": str(media["pal"])}, [])
    msg = sent.last("media")  # at once, on the comm's own thread
    assert msg["media"] == str(media["pal"]) and "after shutdown" in msg["error"]


def test_lanes_from_segments_map_through_clips(project: Project, media: dict[str, Path]) -> None:
    import polars as pl

    w, _ = ready(project)
    segs = pl.DataFrame(
        {
            "source": [str(media["ntsc"])],
            "start": ["10010/30000"],
            "end": ["20020/30000"],
            "class_name": ["person"],
        }
    )
    lane = w.add_lane(segs, name="people")
    # the ntsc clip shows source time 5*1001/30000 s at timeline frame 20 (25 fps): the segment is
    # source frames 10..19 (0.334..0.667 s), on screen at timeline frames 25..32 (frame 24 still shows
    # source frame 9, frame 33 frame 20): the lane covers the frames that show it
    assert lane["segments"] == [[25, 33, "person"]]
    assert w.lanes == [lane]
    w.add_lane([(0, 10, "intro")], name="people")
    assert w.lanes[0]["segments"] == [[0, 10, "intro"]]
    with pytest.raises(Exception, match="ends"):
        w.add_lane([(10, 5)])
    w.clear_lanes()
    assert w.lanes == []


def test_close_stops_following(project: Project) -> None:
    w, sent = ready(project)
    w.close()
    n = len(sent)
    project.tracks[0].split(30)
    assert len(sent) == n


def test_a_batch_undoes_and_redoes_as_one(project: Project) -> None:
    w, _ = ready(project)
    v1 = project.tracks[0]
    titles = project.add_track("video", "T")
    titles.append(project.tracks[0].items[0].model_copy(update={"id": "copy"}))
    ops = [{"op": "split", "track": v1.id, "at": 10}, {"op": "split", "track": titles.id, "at": 10}]
    w._on_msg(w, {"kind": "edit", "seq": 1, "ops": ops}, [])
    assert (len(v1.items), len(titles.items)) == (4, 2)
    w._on_msg(w, {"kind": "undo"}, [])
    assert (len(v1.items), len(titles.items)) == (3, 1)
    w._on_msg(w, {"kind": "redo"}, [])
    assert (len(v1.items), len(titles.items)) == (4, 2)
    v1.split(30)  # a Python edit in between is undone on its own
    w._on_msg(w, {"kind": "undo"}, [])
    assert (len(v1.items), len(titles.items)) == (4, 2)
    w._on_msg(w, {"kind": "undo"}, [])
    assert (len(v1.items), len(titles.items)) == (3, 1)


def test_refresh_sees_in_place_changes_and_replies_name_their_view(project: Project) -> None:
    w, sent = ready(project)
    v1 = project.tracks[0]
    v1.items[0].name = "renamed"  # assignment, no operation: only refresh() can see it
    w.refresh()
    assert sent.last("patch")["patch"]["items"][0]["label"] == "renamed"
    op = {"op": "split", "track": v1.id, "at": 5}
    w._on_msg(w, {"kind": "edit", "seq": 4, "view": "view-a", "ops": [op]}, [])
    assert sent.last("ack") == {"kind": "ack", "seq": 4, "view": "view-a"}


def test_m_adds_a_marker_and_e_switches_a_clip_off(project: Project) -> None:
    w, sent = ready(project)
    w._on_msg(w, {"kind": "marker", "frame": 12}, [])
    (marker,) = browser(sent)["markers"]  # sent as a splice of the markers' list
    assert (marker["frame"], marker["name"]) == (12, "marker 1")
    assert project.markers[0].time.to_frames(25) == 12
    v1 = project.tracks[0]
    clip = v1.items[0].id
    op = {"op": "update", "track": v1.id, "item_id": clip, "changes": {"enabled": False}}
    w._on_msg(w, {"kind": "edit", "seq": 1, "ops": [op]}, [])
    assert v1.item(clip).enabled is False
    assert sent.last("patch")["patch"]["items"][0]["enabled"] is False
