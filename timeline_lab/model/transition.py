"""A transition between two adjacent clips on one track, drawn from both clips' handles."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import Field, field_validator

from ._base import Model, PositiveDuration, new_id

__all__ = ["TRANSITION_KINDS", "Transition"]

TRANSITION_KINDS = (
    "dissolve",
    "fade_black",
    "fade_white",
    "wipe_left",
    "wipe_right",
    "wipe_up",
    "wipe_down",
    "slide_left",
    "slide_right",
    "slide_up",
    "slide_down",
    "circle_open",
    "circle_close",
)
"""Kinds the renderer maps onto FFmpeg's ``xfade`` family."""


class Transition(Model):
    """Overlap of ``from_clip``'s tail and ``to_clip``'s head around their shared edit point."""

    id: str = Field(default_factory=lambda: new_id("tr"))
    kind: str = "dissolve"
    from_clip: str
    to_clip: str
    duration: PositiveDuration
    alignment: Literal["center", "start", "end"] = "center"

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in TRANSITION_KINDS and "." not in v:
            raise ValueError(f"unknown transition kind {v!r} (known: {', '.join(TRANSITION_KINDS)})")
        return v

    def handles(self, rate: Fraction) -> tuple[int, int]:
        """Timeline frames needed (after from_clip's out point, before to_clip's in point)."""
        frames = self.duration.to_frames(rate, "nearest")
        if self.alignment == "start":
            return frames, 0
        if self.alignment == "end":
            return 0, frames
        return frames - frames // 2, frames // 2
