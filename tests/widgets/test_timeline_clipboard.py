"""The kernel half of the timeline's copy/cut/paste, paste attributes, duplicate and nudge."""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab import Studio
from timeline_lab.model import Project, RationalTime, Transition
from timeline_lab.model.properties import ColorCorrection, Effect, Transform
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets.clipboard import CLIPBOARD

from .conftest import Sent, record


@pytest.fixture(autouse=True)
def _empty_clipboard() -> None:
    CLIPBOARD.clear()


def ready(project: Project) -> tuple[TimelineWidget, Sent]:
    w = TimelineWidget(project)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    return w, sent


def ask(w: TimelineWidget, kind: str, **content: Any) -> None:
    w._on_msg(w, {"kind": kind, "seq": 5, "view": "v", **content}, [])


def spans(project: Project, track: int = 0) -> list[tuple[str, int, int]]:
    rate = project.settings.frame_rate
    return [(i.label(), i.start.to_frames(rate), i.frames(rate)) for i in project.tracks[track].items]


def test_copy_then_paste_overwrites_at_the_playhead_as_one_undo_step(project: Project) -> None:
    w, sent = ready(project)
    v1 = project.tracks[0]
    before = spans(project)
    ask(w, "copy", ids=[v1.items[0].id])
    copied = sent.last("copied")
    assert copied["what"] == "1 clip(s)" and '"timeline_lab": "Clipboard.1"' in copied["text"]
    ask(w, "paste", track=v1.id, frame=30, mode="overwrite")
    assert sent.last("ack")["seq"] == 5
    after = spans(project)
    assert ("pal", 30, 20) in after and len({i.id for i in v1.items}) == len(v1.items)
    assert after[-1] == ("wide", 50, 16)  # overwritten, not rippled: what is after keeps its place
    assert w.selection == [next(i.id for i in v1.items if i.start.to_frames(25) == 30)]
    project.undo()
    assert spans(project) == before


def test_paste_insert_ripples_the_target_track(project: Project) -> None:
    w, _ = ready(project)
    v1 = project.tracks[0]
    ask(w, "copy", ids=[v1.items[0].id])
    ask(w, "paste", track=v1.id, frame=20, mode="insert")
    assert spans(project) == [("pal", 0, 20), ("pal", 20, 20), ("ntsc", 40, 25), ("wide", 65, 21)]
    assert project.history.last is not None and project.history.last.args == {"name": "gesture"}


def test_paste_insert_keeps_the_gaps_between_copied_clips(project: Project) -> None:
    w, _ = ready(project)
    v1 = project.tracks[0]
    a, _b, c = v1.items
    ask(w, "copy", ids=[c.id, a.id])
    ask(w, "paste", track=v1.id, frame=0, mode="insert")
    assert spans(project) == [
        ("pal", 0, 20),
        ("wide", 45, 21),
        ("pal", 66, 20),
        ("ntsc", 86, 25),
        ("wide", 111, 21),
    ]


def test_paste_brings_transitions_between_copied_clips(project: Project) -> None:
    v1 = project.tracks[0]
    a, b, _c = v1.items
    v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(4, 25)))
    w, _ = ready(project)
    ask(w, "copy", ids=[a.id, b.id])
    v2 = project.add_track("video", "V2")
    ask(w, "paste", track=v2.id, frame=100, mode="insert")
    assert spans(project, 1) == [("pal", 100, 20), ("ntsc", 120, 25)]
    (tr,) = v2.transitions
    assert (tr.from_clip, tr.to_clip) == (v2.items[0].id, v2.items[1].id)


def test_cut_removes_and_paste_into_another_widget_of_the_kernel(studio: Studio, project: Project) -> None:
    w, _ = ready(project)
    other = studio.new_project("other", width=160, height=120, frame_rate=50)
    w2, _ = ready(other)
    first = project.tracks[0].items[0]
    ask(w, "cut", ids=[first.id])
    assert [s[0] for s in spans(project)] == ["ntsc", "wide"]
    ask(w2, "paste", track=None, frame=10)
    assert spans(other) == [("pal", 10, 40)]  # 20 frames at 25 fps are 40 at 50
    project.undo()
    assert [s[0] for s in spans(project)] == ["pal", "ntsc", "wide"]


def test_paste_attributes_copies_effects_grade_transform_opacity(project: Project) -> None:
    v1 = project.tracks[0]
    a, b, c = v1.items
    v1.update(
        a.id,
        effects=[Effect(kind="blur")],
        color=ColorCorrection(contrast=1.5),
        transform=Transform(x=10),
        opacity=0.5,
    )
    w, _ = ready(project)
    ask(w, "copy", ids=[a.id])
    ask(w, "paste_attributes", ids=[b.id, c.id])
    for item in v1.items[1:]:
        assert item.opacity == 0.5 and item.color.contrast == 1.5 and item.transform.x == 10
        assert [e.kind for e in item.effects] == ["blur"] and item.effects[0].id != v1.items[0].effects[0].id
    assert v1.items[1].label() == "ntsc"  # the clip itself (media, span) is untouched
    project.undo()
    assert v1.items[1].opacity == 1.0 and v1.items[2].effects == []


def test_nudge_moves_the_selection_by_frames_or_refuses_whole(project: Project) -> None:
    w, sent = ready(project)
    v1 = project.tracks[0]
    c = v1.items[2]
    ask(w, "nudge", ids=[c.id], frames=10)
    assert spans(project)[-1] == ("wide", 55, 21)
    ask(w, "nudge", ids=[c.id], frames=-1)
    assert spans(project)[-1] == ("wide", 54, 21)
    ask(w, "nudge", ids=[v1.items[0].id], frames=1)  # the next clip is in the way
    assert "refused" in sent.last("refused")["error"] and spans(project)[0] == ("pal", 0, 20)
    ask(w, "nudge", ids=[v1.items[1].id, c.id], frames=-1)  # both, the leading one first... blocked
    assert sent.kinds()[-1] == "refused"


def test_duplicate_places_a_copy_with_new_ids(project: Project) -> None:
    w, _ = ready(project)
    v1 = project.tracks[0]
    first = v1.items[0]
    ask(w, "duplicate", ids=[first.id], track=v1.id, frame=200)
    dup = v1.items[-1]
    assert dup.id != first.id and dup.start.to_frames(25) == 200 and dup.label() == "pal"


@pytest.mark.parametrize(
    ("kind", "content", "error"),
    [
        ("paste", {"track": None, "frame": 0}, "clipboard is empty"),
        ("copy", {"ids": []}, "select clips or transitions"),
        ("paste_attributes", {"ids": []}, "clipboard is empty"),
        ("nudge", {"ids": ["nope"], "frames": 1}, "select clips first"),
    ],
)
def test_refusals_say_why(project: Project, kind: str, content: dict[str, Any], error: str) -> None:
    w, sent = ready(project)
    before = project.model_dump(mode="json")
    ask(w, kind, **content)
    assert error in sent.last("refused")["error"]
    assert project.model_dump(mode="json") == before


def test_a_copied_transition_pastes_onto_the_cut_nearest_the_playhead(project: Project) -> None:
    v1 = project.tracks[0]
    a, b, c = v1.items
    v1.add_transition(
        Transition(kind="wipe_left", from_clip=a.id, to_clip=b.id, duration=RationalTime(4, 25))
    )
    w, sent = ready(project)
    first = v1.transitions[0].id
    ask(w, "cut", ids=[first])
    assert v1.transitions == [] and [i.id for i in v1.items] == [a.id, b.id, c.id]
    ask(w, "paste", track=v1.id, frame=22)  # the cut between pal and ntsc is at 20
    (pasted,) = v1.transitions
    assert (pasted.kind, pasted.from_clip, pasted.to_clip) == ("wipe_left", a.id, b.id) and pasted.id != first
    ask(w, "paste", track=v1.id, frame=44)  # between ntsc and wide: wide has no frames before its in point
    assert "needs 2 frames of handle" in sent.last("refused")["error"]


def test_paste_attributes_onto_a_title_takes_only_what_it_has(studio: Studio, project: Project) -> None:
    from timeline_lab.model import TextClip

    v1 = project.tracks[0]
    v1.update(v1.items[0].id, opacity=0.25, effects=[Effect(kind="blur")])
    v2 = project.add_track("video", "V2")
    title = v2.append(TextClip(text="hi", duration=RationalTime(10, 25)))
    w, _ = ready(project)
    ask(w, "copy", ids=[v1.items[0].id])
    ask(w, "paste_attributes", ids=[title.id])
    assert v2.items[0].opacity == 0.25


def test_the_same_from_python(project: Project) -> None:
    w, _ = ready(project)
    v1 = project.tracks[0]
    w.selection = [v1.items[0].id]
    assert len(w.copy_clips().items) == 1
    w.playhead = 70
    w.paste_clips(track=v1.id)
    assert spans(project)[-1] == ("pal", 70, 20)
    w.paste_clips(frame=0, track=v1.id, mode="insert")
    assert [s[1] for s in spans(project)] == [0, 20, 40, 65, 90]
    project.undo()
    assert [s[1] for s in spans(project)] == [0, 20, 45, 70]
