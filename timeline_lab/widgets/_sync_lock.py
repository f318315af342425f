"""Sync lock for insert edits: what ripples one track ripples every unlocked track, as in Premiere.

An insert (a three-point insert from the bin, a paste insert) opens room on its own tracks; the
other unlocked tracks get a gap of the same frames at the same frame (a clip there is split), so
sound, captions and titles stay in sync with the picture; where that frame is inside a transition
or at its cut, the gap opens at the transition's first frame, so its clips move together (as NLEs
do). Locked tracks are left as they are.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ..model.editing import gap_frame
from ..model.project import Project

__all__ = ["sync_gap_ops"]


def sync_gap_ops(project: Project, frame: int, frames: int, skip: Collection[str]) -> list[dict[str, Any]]:
    """``insert_gap`` ops opening ``frames`` at ``frame`` (before a transition there) on each unlocked
    track not in ``skip`` that has something at or after ``frame`` (one that ends before has nothing
    to ripple)."""
    return [
        {"op": "insert_gap", "track": t.id, "at": gap_frame(t, frame), "frames": frames}
        for t in project.tracks
        if t.id not in skip and not t.locked and t.items_end() > frame
    ]
