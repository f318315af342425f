"""A path, a frame or an object where the model wants something else is refused by name, saying
what to pass (how to make a clip, pass clip.id...), never an AttributeError from inside an edit;
and nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model.marker import Marker
from timeline_lab.model.project import Project
from timeline_lab.model.time import RationalTime
from timeline_lab.studio import Studio

NOT_ITEMS = ["media/x.mp4", Path("media/x.mp4"), 25, None, {"type": "clip"}, Marker(time=RationalTime(0, 25))]


@pytest.fixture()
def project(media: dict[str, Path]) -> Project:
    studio = Studio()
    p = studio.new_project(width=160, height=120, frame_rate=25)
    p.tracks[0].append(studio.clip(media["pal"], 0, 10))
    p.tracks[0].append(studio.clip(media["pal"], 10, 10))
    p.history.clear()
    return p


def _refused(project: Project, call: Callable[[], Any], error: str) -> None:
    before = project.model_dump(mode="json")
    with pytest.raises(TypeError, match=error):
        call()
    assert project.model_dump(mode="json") == before and not project.history.can_undo


@pytest.mark.parametrize("item", NOT_ITEMS)
@pytest.mark.parametrize("how", ["append", "insert", "overwrite"])
def test_a_track_takes_only_clips(project: Project, how: str, item: object) -> None:
    v1 = project.tracks[0]
    call = v1.append if how == "append" else (lambda i: getattr(v1, how)(i, 5))
    why = (
        r"^item: expected a clip \(Clip, TextClip or SequenceClip\), got .*; make a clip with studio\.clip\("
    )
    _refused(project, lambda: call(item), why)


@pytest.mark.parametrize("frame", [25, 0, "00:00:01:00", RationalTime(25, 25), None, "chapter"])
def test_add_marker_takes_a_marker(project: Project, frame: object) -> None:
    why = r"^marker: expected a Marker, got .*; make one with Marker\(time=RationalTime\.from_frames"
    _refused(project, lambda: project.add_marker(frame), why)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("how", "error"),
    [
        ("lift", "item_id: expected a clip's id .*; pass clip.id"),
        ("ripple_delete", "item_id: expected a clip's id .*; pass clip.id"),
        ("trim_out", "item_id: expected a clip's id .*; pass clip.id"),
        ("slip", "item_id: expected a clip's id .*; pass clip.id"),
        ("update", "item_id: expected a clip's id .*; pass clip.id"),
        ("item", "item_id: expected a clip's id .*; pass clip.id"),
    ],
)
def test_item_edits_take_the_clip_id_not_the_clip(project: Project, how: str, error: str) -> None:
    v1 = project.tracks[0]
    clip = v1.items[0]
    args: dict[str, tuple[Any, ...]] = {"trim_out": (-2,), "slip": (1,)}
    kwargs = {"opacity": 0.5} if how == "update" else {}
    _refused(project, lambda: getattr(v1, how)(clip, *args.get(how, ()), **kwargs), f"^{error}")
    _refused(
        project, lambda: getattr(v1, how)(3, *args.get(how, ()), **kwargs), "^item_id: expected a clip's id"
    )


def test_other_arguments_of_the_wrong_type(project: Project) -> None:
    v1 = project.tracks[0]
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: v1.move(v1.items[0].id, 30, "V2"), r"^track: expected a Track, got str 'V2'; pick one"),
        (
            lambda: v1.add_transition("dissolve"),
            r"^transition: expected a Transition, got str .*Transition\(kind=",
        ),
        (lambda: v1.remove_transition(v1.items[0]), r"^transition_id: expected a transition's id"),
        (lambda: project.add_track(track="V2"), r"^track: expected a Track, got str 'V2'"),
        (lambda: project.remove_track(v1), r"^track_id: expected a track's id .*; pass track\.id"),
        (lambda: project.set_track(v1, muted=True), r"^track_id: expected a track's id"),
        (lambda: project.remove_marker(1), r"^marker_id: expected a marker's id"),
        (lambda: project.add_sequence("seq.tlproj"), r"^sequence: expected a Project, got str .*new_project"),
        (lambda: project.sequence_clip(Path("x")), r"^sequence: expected a Project"),
        (lambda: project.sequence(project), r"^sequence_id: expected a sequence's id .*; pass sequence\.id"),
    ]
    for call, error in cases:
        _refused(project, call, error)


@pytest.mark.parametrize("kind", ["bogus", "Video", "", 1])
def test_add_track_names_the_kinds(project: Project, kind: object) -> None:
    with pytest.raises(ProjectError, match=r"add_track: kind .* is not one of video, audio, subtitle"):
        project.add_track(kind)  # type: ignore[arg-type]
    assert len(project.tracks) == 1


def test_the_right_types_still_edit(project: Project, media: dict[str, Path]) -> None:
    studio = Studio()
    v1 = project.tracks[0]
    v1.append(studio.clip(media["pal"], 0, 5))
    v1.insert(studio.clip(media["pal"], 0, 5), 5)
    v1.lift(v1.items[0].id)
    project.add_marker(Marker(time=RationalTime.from_frames(3, 25), name="here"))
    assert project.add_track("audio", "A1").kind == "audio" and len(project.history) == 5
