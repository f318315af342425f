"""Frame numbers and counts past any timeline are refused by the operation's arguments, naming the op
and the field (2**63 frames in insert_gap or a ripple trim's delta raised a bare OverflowError from the
item index's machine integers; 2**62 was already refused by the 24 h check)."""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track
from timeline_lab.model._operation_args import FRAME_BOUND
from timeline_lab.model.io import dumps

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))
HUGE = [FRAME_BOUND + 1, 2**63, 2**63 + 1, 2**100, -(2**63) - 1, -(2**100)]


def _project() -> tuple[Project, str, str]:
    p = Project(settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(name="V1"))
    a = v.append(Clip(media=MEDIA, source_range=TimeRange.from_frames(10, 20, 25)))
    v.append(Clip(media=MEDIA, source_range=TimeRange.from_frames(50, 20, 25)))
    return p, v.id, a.id


def _ops(track: str, item: str, n: int) -> list[tuple[dict[str, Any], str]]:
    clip = Clip(media=MEDIA, source_range=TimeRange.from_frames(0, 5, 25)).model_dump(mode="json")
    return [
        ({"op": "insert_gap", "track": track, "at": 0, "frames": n}, "frames"),
        ({"op": "insert_gap", "track": track, "at": n, "frames": 1}, "at"),
        *(
            ({"op": "trim", "track": track, "item_id": item, "edge": e, "delta": n, "ripple": r}, "delta")
            for e in ("in", "out")
            for r in (True, False)
        ),
        *(
            ({"op": o, "track": track, "item_id": item, "delta": n}, "delta")
            for o in ("slip", "slide", "roll")
        ),
        ({"op": "move", "track": track, "item_id": item, "to": n}, "to"),
        ({"op": "split", "track": track, "at": n}, "at"),
        ({"op": "insert", "track": track, "item": clip, "at": n}, "at"),
        ({"op": "overwrite", "track": track, "item": clip, "at": n}, "at"),
        (
            {"op": "add_keyframe", "track": track, "item_id": item, "property": "opacity", "frame": n}
            | {"value": 1},
            "frame",
        ),
    ]


@pytest.mark.parametrize("n", HUGE)
def test_huge_frames_are_refused_by_op_and_field(n: int) -> None:
    p, track, item = _project()
    before = dumps(p)
    for op, field in _ops(track, item, n):
        if field in ("frames", "at") and op["op"] == "insert_gap" and n < 0:
            continue  # refused as before 0 / not positive, still by name
        with pytest.raises(ProjectError, match=rf"operation '{op['op']}': {field}: "):
            p.apply(op)
        assert dumps(p) == before  # nothing changed, nothing recorded


def test_frames_at_the_bound_are_still_judged_by_the_timeline() -> None:
    """The bound is the arguments'; within it the edit's own checks answer (the 24 h limit)."""
    p, track, _ = _project()
    with pytest.raises(ProjectError, match="past the 24 h limit"):
        p.apply({"op": "insert_gap", "track": track, "at": 0, "frames": FRAME_BOUND})
    p.apply({"op": "insert_gap", "track": track, "at": 0, "frames": 5})
    assert p.tracks[0].items[0].start.to_frames(25) == 5


@pytest.mark.parametrize("n", HUGE)
def test_the_python_methods_refuse_them_too(n: int) -> None:
    """``track.trim(id, "out", 2**63)`` and friends skip the operation's argument models."""
    p, _, a = _project()
    v = p.tracks[0]
    before = dumps(p)
    new = Clip(media=MEDIA, source_range=TimeRange.from_frames(0, 5, 25))
    calls = [
        lambda: v.trim(a, "out", n),
        lambda: v.trim(a, "in", n, ripple=True),
        lambda: v.insert(new, n),
        lambda: v.overwrite(new, n),
        lambda: v.split(n),
    ]
    for call in calls:
        with pytest.raises(ProjectError, match=r"past any timeline|outside|beyond|after"):
            call()
    assert dumps(p) == before
