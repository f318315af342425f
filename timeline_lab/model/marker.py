"""Named points or spans on the timeline: notes, chapters, recognition hits."""

from __future__ import annotations

from pydantic import Field

from ._base import Model, TimelineTime, new_id
from .time import RationalTime

__all__ = ["Marker"]


class Marker(Model):
    """A labelled instant (or span, when ``duration`` > 0) on the timeline."""

    id: str = Field(default_factory=lambda: new_id("mk"))
    time: TimelineTime
    duration: TimelineTime = RationalTime(0)
    name: str = ""
    color: str = "#ffcc00"
    note: str = ""
