"""Things placed on a track: media clips, text clips, and the gaps between them."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from ._base import ExactFraction, Model, PositiveDuration, TimelineTime, new_id, within_day
from .keyframes import Keyframe, check_keyframes
from .media_ref import MediaReference
from .properties import ColorCorrection, Crop, Effect, TextStyle, Transform
from .speed_ramp import MAX_SPEED, MIN_SPEED, is_ramped, ramp_frames, ramp_seconds
from .time import RationalTime, TimeRange

__all__ = ["Clip", "Gap", "Item", "SequenceClip", "Spanned", "TextClip", "conform_frames"]


def _positive_span(v: TimeRange) -> TimeRange:
    """A source span is some time (at most a day), from the source's start on."""
    if v.duration.value <= 0:
        raise ValueError(f"duration: must be > 0 (got {v.duration})")
    if v.start.value < 0:
        raise ValueError(f"start: must be >= 0 (got {v.start})")
    within_day(v.duration)
    return v


SourceSpan = Annotated[TimeRange, AfterValidator(_positive_span)]
"""The part of a source (media, or a nested sequence) a clip shows."""


def conform_frames(source_duration: RationalTime, speed: Fraction, rate: Fraction) -> int:
    """Timeline frames a source span occupies at ``rate`` (nearest whole frame, at least one).

    ``duration / speed * rate`` in integers (Fraction arithmetic normalises every step; this runs
    for every clip whenever a timeline is checked or drawn).
    """
    v, r = source_duration.value, source_duration.rate
    num = v.numerator * r.denominator * rate.numerator * speed.denominator
    den = v.denominator * r.numerator * rate.denominator * speed.numerator
    return max(1, (2 * num + den) // (2 * den))


class Clip(Model):
    """A span of a media file placed at ``start`` on the timeline, played at ``speed``."""

    type: Literal["clip"] = "clip"
    id: str = Field(default_factory=lambda: new_id("clip"))
    name: str = ""
    media: MediaReference
    source_range: SourceSpan
    start: TimelineTime = RationalTime(0)
    speed: ExactFraction = Fraction(1)
    enabled: bool = True
    opacity: float = Field(1.0, ge=0, le=1)
    volume: float = Field(1.0, ge=0, le=16)
    transform: Transform = Field(default_factory=Transform)
    crop: Crop = Field(default_factory=Crop)
    color: ColorCorrection = Field(default_factory=ColorCorrection)
    effects: list[Effect] = Field(default_factory=list)
    keyframes: dict[str, list[Keyframe]] = Field(
        default_factory=dict,
        description="property path ('opacity', 'transform.x', 'effects[fx_id].sigma'...) -> keyframes",
    )

    @field_validator("speed")
    @classmethod
    def _positive_speed(cls, v: Fraction) -> Fraction:
        if v <= 0:
            raise ValueError(f"must be > 0 (got {v}); use the 'reverse' effect to play backwards")
        if not MIN_SPEED <= v <= MAX_SPEED:  # (a speed of 10^400 loaded, then overflowed the render)
            exponent = round(math.log10(v.numerator) - math.log10(v.denominator))
            shown = str(v) if len(str(v)) <= 24 else f"about 10^{exponent}"
            raise ValueError(f"must be within {float(MIN_SPEED):g}..{float(MAX_SPEED):g} (got {shown})")
        return v

    @model_validator(mode="after")
    def _check_keyframes(self) -> Clip:
        if self.keyframes:
            check_keyframes(self)
        return self

    def frames(self, rate: Fraction) -> int:
        """Timeline length in frames at the project ``rate`` (a speed ramp's, when keyframed)."""
        if self.keyframes and is_ramped(self):
            return ramp_frames(self, Fraction(rate))
        return conform_frames(self.source_range.duration, self.speed, rate)

    def timeline_range(self, rate: Fraction) -> TimeRange:
        """Where the clip sits on the timeline, on the project frame grid."""
        return TimeRange(self.start, RationalTime.from_frames(self.frames(rate), rate))

    def source_offset(self, timeline_frames: int, rate: Fraction) -> RationalTime:
        """Source time advanced by ``timeline_frames`` project frames at this clip's speed (or ramp)."""
        if self.keyframes and is_ramped(self):
            at = ramp_seconds(self, Fraction(rate), timeline_frames, 1)[0]
            secs = at - self.source_range.start.to_seconds()
        else:
            secs = Fraction(timeline_frames) / rate * self.speed
        return RationalTime.from_seconds(secs, self.source_range.start.rate)

    def source_frame_at(self, timeline_frame: int, rate: Fraction) -> int:
        """Source frame at span frame ``timeline_frame`` (from the in point) at the media's rate.

        The span's own order (no reverse or freeze) and, for variable-rate video, the average rate:
        what the render shows is ``media.clips.shown_frame``.
        """
        t = self.source_range.start + self.source_offset(timeline_frame, rate)
        return t.to_frames(self.media.rate)

    def frames_showing(self, lo: Fraction, hi: Fraction, rate: Fraction) -> tuple[int, int]:
        """Clip frames ``[first, end)`` whose source time lies in seconds ``[lo, hi)``, snapped outwards.

        ``first`` is the last frame at or before ``lo``, ``end`` the first at or after ``hi``, both
        within the clip; a speed ramp is followed frame by frame. Source time in the span's order: a
        reversed clip's sound mirrors it (loudness spans, ``analysis.ducking``); the picture's frames,
        through reverse, freeze and variable-rate times, are ``media.clips.frames_showing``.
        """
        n, s0 = self.frames(rate), self.source_range.start.to_seconds()
        if self.keyframes and is_ramped(self):
            times = ramp_seconds(self, Fraction(rate), 0, n + 1)
            first = bisect_right(times, lo) - 1
            end = bisect_left(times, hi)
        else:
            first = math.floor((lo - s0) / self.speed * rate)
            end = math.ceil((hi - s0) / self.speed * rate)
        return max(first, 0), min(end, n)

    def label(self) -> str:
        """Name to show in messages and the UI."""
        return self.name or self.media.name


class TextClip(Model):
    """Text drawn over the picture for a span of the timeline."""

    type: Literal["text"] = "text"
    id: str = Field(default_factory=lambda: new_id("text"))
    name: str = ""
    text: str
    start: TimelineTime = RationalTime(0)
    duration: PositiveDuration
    enabled: bool = True
    style: TextStyle = Field(default_factory=TextStyle)
    # keyframes may move the block off the canvas (-1..2: slides, credits rolls); its own x/y is on it
    x: float = Field(0.5, ge=-1, le=2, description="centre of the text block, fraction of the width")
    y: float = Field(0.9, ge=-1, le=2, description="centre of the text block, fraction of the height")
    opacity: float = Field(1.0, ge=0, le=1)
    fade_in_frames: int = Field(0, ge=0)
    fade_out_frames: int = Field(0, ge=0)
    keyframes: dict[str, list[Keyframe]] = Field(
        default_factory=dict, description="'opacity', 'x' or 'y' -> keyframes at clip-relative times"
    )

    @field_validator("x", "y")
    @classmethod
    def _on_canvas(cls, v: float) -> float:
        if not 0 <= v <= 1:
            raise ValueError(f"must be within 0..1 (got {v}); keyframes may move it to -1..2, off the canvas")
        return v

    @model_validator(mode="after")
    def _check_keyframes(self) -> TextClip:
        if self.keyframes:
            check_keyframes(self)
        return self

    def frames(self, rate: Fraction) -> int:
        """Timeline length in frames at the project ``rate``."""
        return max(1, self.duration.to_frames(rate, "nearest"))

    def timeline_range(self, rate: Fraction) -> TimeRange:
        """Where the text sits on the timeline, on the project frame grid."""
        return TimeRange(self.start, RationalTime.from_frames(self.frames(rate), rate))

    def label(self) -> str:
        """Name to show in messages and the UI."""
        return self.name or self.text[:24]


class SequenceClip(Model):
    """A span of a nested sequence (a compound clip) placed on the timeline.

    The sequence is one of the project's ``sequences``: a whole timeline of its own, at the
    project's rate, edited like any project and rendered into this span.
    """

    type: Literal["sequence"] = "sequence"
    id: str = Field(default_factory=lambda: new_id("nest"))
    name: str = ""
    sequence: str = Field(description="id of a project in the containing project's sequences")
    source_range: SourceSpan = Field(description="the nested sequence's frames shown, from its start 0")
    start: TimelineTime = RationalTime(0)
    enabled: bool = True
    opacity: float = Field(1.0, ge=0, le=1)
    volume: float = Field(1.0, ge=0, le=16)

    @property
    def speed(self) -> Fraction:
        """A nested sequence plays at its own rate (the project's)."""
        return Fraction(1)

    def frames(self, rate: Fraction) -> int:
        """Timeline length in frames at the project ``rate``."""
        return conform_frames(self.source_range.duration, Fraction(1), rate)

    def timeline_range(self, rate: Fraction) -> TimeRange:
        """Where the clip sits on the timeline, on the project frame grid."""
        return TimeRange(self.start, RationalTime.from_frames(self.frames(rate), rate))

    def source_offset(self, timeline_frames: int, rate: Fraction) -> RationalTime:
        """Sequence time advanced by ``timeline_frames`` project frames."""
        return RationalTime.from_seconds(Fraction(timeline_frames) / rate, self.source_range.start.rate)

    def label(self) -> str:
        """Name to show in messages and the UI."""
        return self.name or self.sequence


class Gap(Model):
    """Empty track time; derived from clip positions rather than stored (one truth)."""

    type: Literal["gap"] = "gap"
    start: RationalTime
    duration: PositiveDuration

    def timeline_range(self, rate: Fraction | None = None) -> TimeRange:
        """The empty span."""
        return TimeRange(self.start, self.duration)


Item = Clip | TextClip | SequenceClip
"""What a track stores; gaps are computed."""

Spanned = Clip | SequenceClip
"""Items that show a span of a source (media or a nested sequence): trims move the source."""
