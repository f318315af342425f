"""widgets/_paste_keyframes.py: paste attributes between clips that play in opposite directions keeps
the keyframes at the same clip frames, each shaping the frames after it."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track
from timeline_lab.model.keyframes import value_at
from timeline_lab.widgets import clipboard as cb
from timeline_lab.widgets._paste_keyframes import attribute_keyframes

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))
R = Fraction(25)
REV = [{"kind": "reverse"}]
INTERPS = ["hold", "linear", "ease_in", "ease_out", "ease_in_out"]


def _project(src_rev: bool, dst_rev: bool, interp: str, dst_speed: Fraction) -> tuple[Project, Track]:
    p = Project(settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="V1"))
    v.append(
        Clip(id="src", media=A, source_range=TimeRange.from_frames(0, 20, 25), effects=REV if src_rev else [])
    )
    span = TimeRange.from_frames(100, int(20 * dst_speed), 25)
    v.append(Clip(id="dst", media=A, source_range=span, speed=dst_speed, effects=REV if dst_rev else []))
    for frame, value, how in ((2, 0.0, interp), (9, 0.7, "ease_in"), (12, 1.0, "linear"), (17, 0.3, "hold")):
        key = {"track": "V1", "item_id": "src", "property": "opacity", "frame": frame, "value": value}
        p.apply({"op": "add_keyframe", **key, "interp": how})
    return p, v


def _values(clip: Any) -> list[float]:
    return [value_at(clip, "opacity", f, R) for f in range(20)]


@pytest.mark.parametrize("interp", INTERPS)
@pytest.mark.parametrize(("src_rev", "dst_rev"), [(False, True), (True, False), (True, True), (False, False)])
@pytest.mark.parametrize("dst_speed", [Fraction(1), Fraction(1, 2), Fraction(2)])
def test_paste_attributes_onto_a_clip_of_either_direction(
    interp: str, src_rev: bool, dst_rev: bool, dst_speed: Fraction
) -> None:
    p, v = _project(src_rev, dst_rev, interp, dst_speed)
    p.apply_all(cb.attribute_ops(p, cb.copy(p, ["src"]), ["dst"]), name="paste attributes")
    assert _values(v.item("dst")) == _values(v.item("src"))


@pytest.mark.parametrize("interp", INTERPS)
@pytest.mark.parametrize(("src_rev", "dst_rev"), [(False, True), (True, False)])
def test_pasted_keyframes_keep_their_direction_when_the_effects_stay(
    interp: str, src_rev: bool, dst_rev: bool
) -> None:
    """Opacity alone (the target keeps its own effects, so it still plays the other way)."""
    _, v = _project(src_rev, dst_rev, interp, Fraction(1))
    src, dst = v.item("src"), v.item("dst")
    assert isinstance(src, Clip) and isinstance(dst, Clip)
    keyed = attribute_keyframes(src, dst, ["opacity"], {}, R)
    assert keyed is not None
    v.update("dst", keyframes={k: [kf.model_dump(mode="json") for kf in kfs] for k, kfs in keyed.items()})
    assert _values(v.item("dst")) == _values(src)


def test_a_refused_update_names_the_clip_without_an_empty_field() -> None:
    _, v = _project(False, False, "linear", Fraction(1))
    bad = [
        {"time": {"value": 110, "rate": 25}, "value": 0.0},
        {"time": {"value": 105, "rate": 25}, "value": 1.0},
    ]
    with pytest.raises(ProjectError, match=r"\(dst\) on .*\(V1\): clip 'a.mp4': keyframes 'opacity'") as err:
        v.update("dst", keyframes={"opacity": bad})
    assert ": :" not in str(err.value)
