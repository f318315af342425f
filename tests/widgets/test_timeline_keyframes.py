"""The kernel half of the timeline's keyframe gestures: diamonds in the view, K/Alt-click, curves."""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab.model import Project, RationalTime
from timeline_lab.model.keyframes import Keyframe, value_at
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets._keyframes import curve_message, keyframe_views, value_bounds

from .conftest import Sent, record


def ready(project: Project) -> tuple[TimelineWidget, Sent]:
    w = TimelineWidget(project)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    return w, sent


def ask(w: TimelineWidget, kind: str, **content: Any) -> None:
    w._on_msg(w, {"kind": kind, "seq": 5, "view": "v", **content}, [])


def op(project: Project, name: str, **args: Any) -> None:
    clip = project.tracks[0].items[1]
    project.apply({"op": name, "track": project.tracks[0].id, "item_id": clip.id, **args})


def test_keyframes_reach_the_widget_at_clip_frames_in_a_patch(project: Project) -> None:
    w, sent = ready(project)
    clip = project.tracks[0].items[1]  # ntsc, trimmed in by 5 source frames
    assert "keyframes" not in sent.last("reset")["doc"]["items"][clip.id]
    op(project, "add_keyframe", property="opacity", frame=3, value=0.5)
    op(project, "add_keyframe", property="opacity", frame=10, value=1.0, interp="hold")
    w._send_patch()
    view = next(i for i in sent.last("patch")["patch"]["items"] if i["id"] == clip.id)
    assert view["keyframes"] == {"opacity": [[3, 0.5, "linear"], [10, 1.0, "hold"]]}
    assert keyframe_views(project.tracks[0].items[0], project.settings.frame_rate) == {}


def test_alt_click_keys_the_current_value_as_one_undo_step(project: Project) -> None:
    w, sent = ready(project)
    op(project, "add_keyframe", property="opacity", frame=0, value=0.0)
    op(project, "add_keyframe", property="opacity", frame=10, value=1.0)
    clip_id = project.tracks[0].items[1].id
    ask(w, "keyframe", item=clip_id, property="opacity", frame=4)
    assert sent.last("ack")["seq"] == 5
    frames = project.tracks[0].items[1].keyframes["opacity"]
    assert [kf.value for kf in frames] == [0.0, 0.4, 1.0]  # the line's value there: nothing changes
    project.undo()
    assert len(project.tracks[0].items[1].keyframes["opacity"]) == 2


@pytest.mark.parametrize(
    ("prop", "frame", "error"),
    [("opacity", 99, "outside the clip"), ("nope", 1, "unknown keyframable property")],
)
def test_keying_refuses_with_the_models_message(project: Project, prop: str, frame: int, error: str) -> None:
    w, sent = ready(project)
    ask(w, "keyframe", item=project.tracks[0].items[1].id, property=prop, frame=frame)
    assert error in sent.last("refused")["error"]
    assert not project.tracks[0].items[1].keyframes


def test_k_keys_at_the_playhead_from_python(project: Project) -> None:
    w, _ = ready(project)
    w.playhead = 25  # ntsc starts at 20
    w.add_keyframe_here(project.tracks[0].items[1].id, "volume")
    kfs = project.tracks[0].items[1].keyframes["volume"]
    assert [kf.value for kf in kfs] == [1.0]
    assert keyframe_views(project.tracks[0].items[1], project.settings.frame_rate)["volume"][0][0] == 5


def test_the_curve_is_the_models_evaluation_with_the_propertys_bounds(project: Project) -> None:
    w, sent = ready(project)
    op(project, "add_keyframe", property="opacity", frame=2, value=0.0, interp="ease_in_out")
    op(project, "add_keyframe", property="opacity", frame=12, value=1.0)
    clip = project.tracks[0].items[1]
    ask(w, "curve", item=clip.id, property="opacity", first=0, count=1000)
    msg = sent.last("curve")
    assert (msg["first"], len(msg["values"]), msg["lo"], msg["hi"]) == (0, clip.frames(25), 0.0, 1.0)
    assert msg["values"] == [
        value_at(clip, "opacity", f, project.settings.frame_rate) for f in range(clip.frames(25))
    ]
    assert value_bounds(clip, "volume") == (0.0, 16.0)
    assert value_bounds(clip, "transform.x") == (None, None)
    x = curve_message(project, clip.id, "transform.x", 5, 3)
    assert (x["first"], x["values"], x["lo"], x["hi"], x["max"]) == (5, [0.0, 0.0, 0.0], 0.0, 0.0, None)
    ask(w, "curve", item=clip.id, property="bogus", first=0, count=3)
    assert "unknown keyframable property" in sent.last("curve")["error"]


def test_views_carry_bezier_handles_and_unaligned_times_as_floats(project: Project) -> None:
    handles = (0.1, 0, 0.9, 1)
    op(project, "add_keyframe", property="opacity", frame=2, value=0.2, interp="bezier", handles=handles)
    first = project.tracks[0].items[1].keyframes["opacity"][0]
    later = first.time + RationalTime(1, 50)  # half a frame on
    half = Keyframe(time=later, value=0.2).model_dump(mode="json")
    op(project, "set_keyframes", property="volume", keyframes=[half])
    views = keyframe_views(project.tracks[0].items[1], project.settings.frame_rate)
    assert views["opacity"] == [[2, 0.2, "bezier", [0.1, 0.0, 0.9, 1.0]]]
    assert views["volume"] == [[2.5, 0.2, "linear"]]


def test_a_speed_ramped_clip_draws_keyframes_at_the_frames_that_show_them(project: Project) -> None:
    op(project, "add_keyframe", property="speed", frame=0, value=2.0, interp="hold")
    op(project, "add_keyframe", property="opacity", frame=6, value=0.5)  # source frame 12 at 2x
    views = keyframe_views(project.tracks[0].items[1], project.settings.frame_rate)
    assert views["opacity"] == [[6, 0.5, "linear"]]
    assert views["speed"] == [[0, 2.0, "hold"]]


@pytest.mark.parametrize("reversed_", [False, True])
@pytest.mark.parametrize("frames", [(0, 7), (3, 10), (1, 2, 11)])
def test_diamonds_sit_at_the_clip_frames_keyed_on_a_reversed_clip_too(
    project: Project, reversed_: bool, frames: tuple[int, ...]
) -> None:
    """A reversed clip plays its span backwards; a keyframe set at clip frame k is drawn at k (it was
    drawn mirrored, and a drag stored it at the mirrored source time)."""
    from timeline_lab.model import Effect

    clip = project.tracks[0].items[1]
    if reversed_:
        project.tracks[0].update(clip.id, effects=[Effect(kind="reverse")])
    w, sent = ready(project)
    for n, f in enumerate(frames):
        op(project, "add_keyframe", property="opacity", frame=f, value=n / 10)
    w._send_patch()
    view = next(i for i in sent.last("patch")["patch"]["items"] if i["id"] == clip.id)
    assert [k[0] for k in view["keyframes"]["opacity"]] == sorted(frames)
