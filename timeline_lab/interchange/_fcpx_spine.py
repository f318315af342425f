"""A fix for otio-fcpx-xml-adapter 1.x: the primary storyline it writes, and its ``tcStart``.

Its writer hangs every clip of a track above or below the first from the storyline element under
it, and had none where the first video track is empty or ends sooner (a sound-only project crashed
the save); here a gap runs under them to the sequence's end, as Final Cut's own projects have. It
wrote no ``tcStart`` and its reader read none back: a timeline starting at 01:00:00:00 came back
from 0. Now the sequence starts at the timeline's ``global_start_time`` (the storyline's offsets
counted from it, as Final Cut counts them) and the reader's timeline starts at ``tcStart``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any
from xml.etree import ElementTree

import opentimelineio as otio

from ._fcpx_rates import fcpx_time, seconds
from ._otio_common import exact

__all__ = ["spine_fixes"]


def spine_fixes(fcpx: Any) -> None:
    """Patch the adapter module's storyline writer and its ``tcStart`` both ways (idempotent)."""
    writer, reader = fcpx.FcpxOtio, fcpx.FcpxXml
    if getattr(writer._track_for_spine, "covered", False):
        return
    writer._track_for_spine = _covered(writer._track_for_spine)
    writer._stack_to_sequence = _tc_start_written(writer._stack_to_sequence)
    reader._from_project = _tc_start_read(reader._from_project)


def _covered(original: Any) -> Any:
    """The writer's track, a connected lane over a storyline that reaches the sequence's end."""

    def track_for_spine(self: Any, track: Any, lane_id: Any, spine: Any, compound: Any) -> Any:
        stack = track.parent()
        if lane_id and stack is not None:
            _pad_spine(spine, exact(stack.duration()).to_seconds())
        return original(self, track, lane_id, spine, compound)

    track_for_spine.covered = True  # type: ignore[attr-defined]
    return track_for_spine


def _pad_spine(spine: Any, end: Fraction) -> None:
    """A gap on ``spine`` from its last element's end to ``end`` (the clips above hang from it)."""
    reached = max(
        (seconds(e.get("offset")) + seconds(e.get("duration")) for e in spine if e.get("lane") is None),
        default=Fraction(0),
    )
    if reached < end:
        attrs = {"name": "Gap", "offset": fcpx_time(reached), "duration": fcpx_time(end - reached)}
        ElementTree.SubElement(spine, "gap", {**attrs, "start": "3600s"})


def _tc_start_written(original: Any) -> Any:
    """The writer's sequence from the timeline's start timecode (``tcStart``; its storyline's
    offsets on that clock); a compound clip's sequence starts at 0, as before."""

    def stack_to_sequence(self: Any, stack: Any, compound_clip: bool = False) -> Any:
        sequence = original(self, stack, compound_clip=compound_clip)
        timeline = next((tl for tl in getattr(self, "timelines", ()) if tl.tracks is stack), None)
        start = getattr(timeline, "global_start_time", None) if not compound_clip else None
        origin = exact(start).to_seconds() if start is not None else Fraction(0)
        if origin:
            sequence.set("tcStart", fcpx_time(origin))
            for element in sequence.findall("./spine/*"):
                element.set("offset", fcpx_time(origin + seconds(element.get("offset"))))
        return sequence

    return stack_to_sequence


def _tc_start_read(original: Any) -> Any:
    """The reader's timeline, starting at its sequence's ``tcStart`` at the sequence's rate."""

    def from_project(self: Any, project: Any) -> Any:
        timeline = original(self, project)
        sequence = project.find("./sequence")
        fmt = sequence.get("format") if sequence is not None else None
        if fmt and self._format_by_id(fmt) is not None:
            rate = Fraction(self._format_frame_rate(fmt)).limit_denominator(1001)
            origin = seconds(sequence.get("tcStart"))
            timeline.global_start_time = otio.opentime.RationalTime(float(origin * rate), float(rate))
        return timeline

    return from_project
