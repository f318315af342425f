"""Project-wide output format: every track is conformed to these."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import Field, field_validator

from ._base import MAX_RATE, MIN_RATE, ExactFraction, Model
from .time import parse_rate

__all__ = ["ProjectSettings"]


class ProjectSettings(Model):
    """Canvas size, frame and sample rates, pixel format and background of the timeline."""

    width: int = Field(1920, gt=0, le=16384)
    height: int = Field(1080, gt=0, le=16384)
    frame_rate: ExactFraction = Fraction(30000, 1001)
    sample_rate: int = Field(48000, ge=8000, le=192000)
    channels: int = Field(2, ge=1, le=8)
    pixel_format: str = "yuv420p"
    color_range: Literal["tv", "pc"] = "tv"
    background: str = "#000000"

    @field_validator("frame_rate", mode="before")
    @classmethod
    def _rate(cls, v: object) -> object:
        if isinstance(v, float):
            raise ValueError("floats are not exact; write 25, '30000/1001' or '29.97' as a string")
        return parse_rate(v) if type(v) is int or isinstance(v, str | Fraction) else v  # others: refused

    @field_validator("frame_rate")
    @classmethod
    def _rate_bounds(cls, v: Fraction) -> Fraction:
        if not MIN_RATE <= v <= MAX_RATE:
            raise ValueError(f"must be between 1/1001 and 1000 fps (got {v.numerator}/{v.denominator})")
        return v

    @field_validator("width", "height")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise ValueError(f"must be even for 4:2:0 video (got {v})")
        return v
