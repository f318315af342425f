"""A transition at a cut of one track: between two clips, or a fade from or to the empty track."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._base import Model, PositiveDuration, new_id
from .time import RationalTime

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
    """Overlap of ``from_clip``'s tail and ``to_clip``'s head around their shared cut.

    Either side may be ``None`` (OpenTimelineIO's transition at a track edge or beside a gap): the
    clip then fades from or to the empty track, which shows the tracks below (black on the
    bottom track). ``in_offset`` is the part before the cut, exactly as OpenTimelineIO's; when it
    is not given, ``alignment`` places the transition around the cut.
    """

    id: str = Field(default_factory=lambda: new_id("tr"))
    kind: str = "dissolve"
    from_clip: str | None = None
    to_clip: str | None = None
    duration: PositiveDuration
    alignment: Literal["center", "start", "end"] = "center"
    in_offset: RationalTime | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in TRANSITION_KINDS and "." not in v:
            raise ValueError(f"unknown transition kind {v!r} (known: {', '.join(TRANSITION_KINDS)})")
        return v

    @field_validator("in_offset")
    @classmethod
    def _offset_not_negative(cls, v: RationalTime | None) -> RationalTime | None:
        if v is not None and v.value < 0:
            raise ValueError(f"must be >= 0 (got {v})")
        return v

    @model_validator(mode="after")
    def _sides(self) -> Transition:
        if self.from_clip is None and self.to_clip is None:
            raise ValueError("from_clip, to_clip: a transition needs a clip on at least one side")
        if self.in_offset is not None and self.in_offset > self.duration:
            raise ValueError(f"in_offset: {self.in_offset} is longer than the duration {self.duration}")
        return self

    def handles(self, rate: Fraction) -> tuple[int, int]:
        """Timeline frames (after the cut: past from_clip's out point, before it: to_clip's head)."""
        frames = self.duration.to_frames(rate, "nearest")
        if self.in_offset is not None:
            before = min(frames, self.in_offset.to_frames(rate, "nearest"))
            return frames - before, before
        if self.alignment == "start":
            return frames, 0
        if self.alignment == "end":
            return 0, frames
        return frames - frames // 2, frames // 2
