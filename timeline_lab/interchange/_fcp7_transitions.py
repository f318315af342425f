"""Transitions FCP 7 XML cannot place: its ``<alignment>`` puts the cut at a transition's start, end
or middle only, so OpenTimelineIO's writer writes an asymmetric dissolve (2 frames before the cut,
4 after) centred, and every reader puts the cut in its middle. Said once, naming each such
transition and how far its cut moves (the pictures either side are the same frames)."""

from __future__ import annotations

import json
import logging
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from ._otio_common import exact

__all__ = ["off_centre_transitions"]

log = logging.getLogger(__name__)


def off_centre_transitions(tl: otio.schema.Timeline, p: Path, rate: Fraction) -> list[str]:
    """Each transition with frames both sides of its cut but not as many (named, with how many
    frames its cut moves as FCP 7 XML reads it), logged once; the list returned."""
    moved: list[str] = []
    for tr in tl.find_children(descended_from_type=otio.schema.Transition):
        before = exact(tr.in_offset).to_frames(rate, "nearest")
        after = exact(tr.out_offset).to_frames(rate, "nearest")
        shift = (before + after) // 2 - before  # as its reader cuts: int((start + end) / 2)
        if before and after and shift:
            moved.append(f"{json.dumps(tr.name)} ({before} before the cut, {after} after: cut {shift:+d})")
    if moved:
        log.warning(
            "%s: FCP 7 XML places a transition's cut at its start, middle or end only: transition(s) %s "
            "written centred, their cut moved by that many frames",
            p,
            ", ".join(moved),
        )
    return moved
