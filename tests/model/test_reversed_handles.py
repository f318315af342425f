"""A transition's handle on a clip played backwards comes from the other end of its source: past its
out point the source before its start, before its in point the source after its end. The check looked
at the forward ends, so a dissolve after a reversed clip starting at the media's first frame was
accepted (its render held frame 0) while one at the media's end was refused for frames it never plays."""

from __future__ import annotations

from fractions import Fraction

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
)

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))
LENGTH = 40  # timeline frames of each clip


def _clip(cid: str, place: str, speed: Fraction, reverses: int) -> Clip:
    """A clip at the media's start, its end, or in the middle (room at both ends)."""
    span = int(LENGTH * speed)
    first = {"start": 0, "end": 400 - span, "middle": 150}[place]
    effects = [{"kind": "reverse"} for _ in range(reverses)]
    return Clip.model_validate(
        {
            "id": cid,
            "media": MEDIA.model_dump(mode="json"),
            "source_range": TimeRange.from_frames(first, span, 25).to_json(),
            "speed": str(speed),
            "effects": effects,
        }
    )


@pytest.mark.parametrize("reverses", [0, 1, 2])
@pytest.mark.parametrize("place", ["start", "end", "middle"])
@pytest.mark.parametrize("side", ["out", "in"])
@pytest.mark.parametrize("speed", [Fraction(1), Fraction(2), Fraction(1, 2)])
@pytest.mark.parametrize("alignment", ["center", "start", "end"])
def test_a_handle_comes_from_the_end_the_clip_plays_into(
    reverses: int, place: str, side: str, speed: Fraction, alignment: str
) -> None:
    p = Project(name="p", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="V1"))
    tested = _clip("T", place, speed, reverses)
    other = _clip("O", "middle", Fraction(1), 0)
    a, b = (tested, other) if side == "out" else (other, tested)
    v.append(a)
    v.append(b)
    tr = Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(10, 25), alignment=alignment)
    after, before = tr.handles(Fraction(25))
    frames = after if side == "out" else before
    backwards = reverses % 2 == 1
    # the source end the handle is read from: past the out point forwards is the source's end
    reads_end = (side == "out") != backwards
    missing = frames > 0 and place == ("end" if reads_end else "start")
    if not missing:
        v.add_transition(tr)
        return
    edge = "after its out point" if side == "out" else "before its in point"
    with pytest.raises(ProjectError, match=f"'a.mp4' needs {frames} frames of handle {edge}") as err:
        v.add_transition(tr)
    assert ("played backwards" in str(err.value)) == backwards
