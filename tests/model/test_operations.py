"""Every registered operation (model/operations.py) is undone and redone exactly, and replays.

Parametrized over ``REGISTRY``: an operation added without a case here fails, so each new one
comes with its undo/redo check. The oracle is the saved file: ``io.dumps`` before, after, after undo
and after redo.
"""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    Marker,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    SequenceClip,
    TextClip,
    TimeRange,
    Track,
    Transition,
    io,
)
from timeline_lab.model.operations import REGISTRY, ChangesOf

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def t(frames: int) -> dict[str, int]:
    return {"value": frames, "rate": 25}


def clip_json(n: int, count: int = 20) -> dict[str, Any]:
    clip = Clip(id=f"clip_{n:04d}", media=A, source_range=TimeRange.from_frames(10, count, 25))
    return clip.model_dump(mode="json")


def scene() -> Project:
    """Two video tracks (four clips and a transition on V1), a subtitle track, a marker, a sequence."""
    p = Project(id="prj_ops", name="ops", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v1", name="V1"))
    p.add_track(track=Track(id="trk_v2", name="V2"))
    for n in range(4):
        v.append(Clip.model_validate(clip_json(n)))
    v.add_transition(
        Transition(id="tr_1", from_clip="clip_0000", to_clip="clip_0001", duration=RationalTime(4, 25))
    )
    s = p.add_track(track=Track(id="trk_s1", kind="subtitle", name="S1"))
    s.append(TextClip(id="text_1", text="hello", duration=RationalTime(10, 25)))
    p.add_marker(Marker(id="mk_1", time=RationalTime(12, 25), name="one"))
    inner = Project(id="prj_inner", name="inner", settings=ProjectSettings(frame_rate=25))
    inner.add_track(track=Track(id="trk_in", name="in")).append(Clip.model_validate(clip_json(7)))
    inner.history.clear()
    p.add_sequence(inner)
    kf = [{"time": t(12), "value": 0.25}, {"time": t(20), "value": 1.0, "interp": "hold"}]
    p.apply(
        {"op": "set_keyframes", "track": V1, "item_id": "clip_0002", "property": "opacity", "keyframes": kf}
    )
    p.history.clear()
    return p


def spare_sequence() -> dict[str, Any]:
    other = Project(id="prj_other", name="other", settings=ProjectSettings(frame_rate=25))
    return other.model_dump(mode="json")


V1 = "trk_v1"
CASES: dict[str, dict[str, Any]] = {
    "add_track": {"kind": "audio", "name": "A1"},
    "remove_track": {"track_id": "trk_v2"},
    "set_track": {"track": V1, "changes": {"name": "Main", "muted": True, "volume": 0.5}},
    "append": {"track": "trk_v2", "item": clip_json(9)},
    "insert": {"track": V1, "item": clip_json(9, 5), "at": 40},
    "overwrite": {"track": V1, "item": clip_json(9, 5), "at": 45},
    "split": {"track": V1, "at": 50},
    "insert_gap": {"track": V1, "at": 50, "frames": 7},
    "trim": {"track": V1, "item_id": "clip_0002", "edge": "in", "delta": 2, "ripple": True},
    "lift": {"track": V1, "item_id": "clip_0002"},
    "ripple_delete": {"track": V1, "item_id": "clip_0002"},
    "move": {"track": V1, "item_id": "clip_0003", "to": 100, "to_track": "trk_v2"},
    "slip": {"track": V1, "item_id": "clip_0002", "delta": 3},
    "slide": {"track": V1, "item_id": "clip_0002", "delta": 2},
    "roll": {"track": V1, "item_id": "clip_0002", "delta": 2},
    "add_transition": {
        "track": V1,
        "transition": {"id": "tr_2", "from_clip": "clip_0002", "to_clip": "clip_0003", "duration": t(4)},
    },
    "remove_transition": {"track": V1, "transition_id": "tr_1"},
    "update": {"track": V1, "item_id": "clip_0001", "changes": {"opacity": 0.5, "name": "b"}},
    "update_transition": {
        "track": V1,
        "transition_id": "tr_1",
        "changes": {"kind": "wipe_left", "duration": t(6)},
    },
    "update_settings": {"changes": {"width": 1280, "height": 720, "frame_rate": "50", "sample_rate": 44100}},
    "update_project": {"changes": {"name": "renamed", "metadata": {"client": "x"}}},
    "add_marker": {"marker": {"id": "mk_2", "time": t(30), "name": "two"}},
    "remove_marker": {"marker_id": "mk_1"},
    "update_marker": {"marker_id": "mk_1", "changes": {"time": t(60), "note": "moved"}},
    "add_sequence": {"sequence": spare_sequence()},
    "remove_sequence": {"sequence_id": "prj_inner"},
    "add_keyframe": {"track": V1, "item_id": "clip_0001", "property": "transform.x", "frame": 3, "value": 40},
    "move_keyframe": {"track": V1, "item_id": "clip_0002", "property": "opacity", "frame": 2, "to": 5},
    "remove_keyframe": {"track": V1, "item_id": "clip_0002", "property": "opacity", "frame": 10},
    "set_keyframe_interp": {
        "track": V1,
        "item_id": "clip_0002",
        "property": "opacity",
        "frame": 2,
        "interp": "bezier",
        "handles": [0.2, 0.0, 0.3, 1.0],
    },
    "set_keyframes": {
        "track": V1,
        "item_id": "clip_0001",
        "property": "volume",
        "keyframes": [{"time": t(11), "value": 1.0}, {"time": t(15), "value": 0.25, "interp": "ease_out"}],
    },
    "group": {
        "name": "gesture",
        "ops": [
            {"op": "split", "track": V1, "at": 50},
            {"op": "update", "track": V1, "item_id": "clip_0001", "changes": {"enabled": False}},
        ],
    },
}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_undo_and_redo_of_each_operation_restore_the_file_exactly(name: str) -> None:
    assert name in CASES, f"operation {name!r} has no case here: add one to CASES"
    p = scene()
    before = io.dumps(p)
    op = p.apply({"op": name, **CASES[name]})
    after = io.dumps(p)
    assert after != before, f"{name} changed nothing"
    assert p.undo() is op or name == "group"
    assert io.dumps(p) == before
    p.redo()
    assert io.dumps(p) == after
    p.undo()
    assert io.dumps(p) == before
    # replay: the recorded JSON does the same to a fresh copy
    fresh = scene()
    fresh.apply(op.to_json())
    assert io.dumps(fresh) == after


def test_every_case_is_a_registered_operation() -> None:
    assert set(CASES) == set(REGISTRY)


def _fields(model: type[Any]) -> set[str]:
    return set(model.model_fields)


# fields each structural operation changes (the rest go through a ``changes`` operation)
STRUCTURAL = {
    Project: {"tracks", "markers", "sequences"},  # add/remove_track, add/remove_marker, add/remove_sequence
    Track: {"items", "transitions"},  # append, insert, ..., add/remove_transition
}
IDS = {"id", "type"}  # identity: never changed in place


@pytest.mark.parametrize(
    ("model", "ops"),
    [
        (Project, ("update_project", "update_settings")),
        (ProjectSettings, ("update_settings",)),
        (Track, ("set_track",)),
        (Clip, ("update",)),
        (TextClip, ("update",)),
        (SequenceClip, ("update",)),
        (Transition, ("update_transition",)),
        (Marker, ("update_marker",)),
    ],
)
def test_every_public_field_is_changed_by_an_operation(model: type[Any], ops: tuple[str, ...]) -> None:
    changeable: set[str] = set(STRUCTURAL.get(model, set()))
    for name in ops:
        args = REGISTRY[name].args
        assert issubclass(args, ChangesOf)
        changeable |= _fields(args.CHANGES)
    if model is Project:
        changeable |= {"settings"}
    if model is Transition:  # its clips are where it sits: remove it and add another
        changeable |= {"from_clip", "to_clip"}
    missing = _fields(model) - IDS - changeable
    assert not missing, f"{model.__name__} fields no operation changes: {sorted(missing)}"


def test_a_frame_rate_change_re_checks_the_project() -> None:
    p = scene()
    before = io.dumps(p)
    with pytest.raises(
        ProjectError, match=r"update_settings refused: .*not on the 30000/1001 fps frame grid"
    ):
        p.apply({"op": "update_settings", "changes": {"frame_rate": "30000/1001"}})
    assert io.dumps(p) == before and not p.history.can_undo


def test_nested_sequences_follow_a_frame_rate_change_and_are_checked_too() -> None:
    p = scene()
    p.apply({"op": "update_settings", "changes": {"frame_rate": 50}})
    assert p.sequences[0].settings.frame_rate == 50
    p.undo()
    assert p.sequences[0].settings.frame_rate == 25
    p.redo()
    inner = p.sequences[0]
    inner.tracks[0].update(inner.tracks[0].items[0].id, start=RationalTime(1, 50))  # on 50's grid only
    before = io.dumps(p)
    with pytest.raises(ProjectError, match=r"update_settings refused: .*not on the 25 fps frame grid"):
        p.apply({"op": "update_settings", "changes": {"frame_rate": 25, "width": 640}})
    assert io.dumps(p) == before


def test_changes_name_the_fields_an_operation_may_change() -> None:
    p = scene()
    with pytest.raises(ProjectError, match=r"operation 'update_settings': changes: cannot change 'fps'"):
        p.apply({"op": "update_settings", "changes": {"fps": 50}})
    with pytest.raises(ProjectError, match=r"update_settings.*width.*must be even"):
        p.apply({"op": "update_settings", "changes": {"width": 1281}})


def test_a_shown_sequence_is_not_removed() -> None:
    p = scene()
    p.tracks[1].append(
        SequenceClip(id="nest_1", sequence="prj_inner", source_range=TimeRange.from_frames(0, 5, 25))
    )
    with pytest.raises(ProjectError, match=r"remove_sequence refused: 'inner' is shown by nest_1"):
        p.apply({"op": "remove_sequence", "sequence_id": "prj_inner"})
