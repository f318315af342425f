"""TimeRange: a half-open interval of exact time, with the interval verbs edits and renders use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._exact import Exact, parse_rate
from .rational_time import RationalTime

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema

__all__ = ["TimeRange"]


class TimeRange:
    """A half-open interval [start, start + duration) of exact time."""

    __slots__ = ("_duration", "_start")

    _start: RationalTime
    _duration: RationalTime

    def __init__(self, start: RationalTime, duration: RationalTime) -> None:
        if not isinstance(start, RationalTime) or not isinstance(duration, RationalTime):
            raise TypeError("TimeRange(start, duration) takes two RationalTime values")
        if duration.value.numerator < 0:  # (an int compare: Fraction's own is slow on hot paths)
            raise ValueError(f"duration: must be >= 0, got {duration}")
        object.__setattr__(self, "_start", start)
        object.__setattr__(self, "_duration", duration)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("TimeRange is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("TimeRange is immutable")

    @classmethod
    def from_frames(cls, start: int, count: int, rate: Exact | float) -> TimeRange:
        """Frames ``start .. start+count-1`` at ``rate``."""
        return cls(RationalTime.from_frames(start, rate), RationalTime.from_frames(count, rate))

    @classmethod
    def from_start_end(cls, start: RationalTime, end_exclusive: RationalTime) -> TimeRange:
        """Range from two instants; the duration takes the start's rate."""
        if end_exclusive < start:
            raise ValueError(f"end {end_exclusive} is before start {start}")
        return cls(start, (end_exclusive - start).rescaled_to(start.rate))

    @property
    def start(self) -> RationalTime:
        """First instant inside the range."""
        return self._start

    @property
    def duration(self) -> RationalTime:
        """Length of the range."""
        return self._duration

    def end_exclusive(self) -> RationalTime:
        """First instant after the range."""
        return self._start + self._duration

    def contains(self, other: RationalTime | TimeRange) -> bool:
        """True for an instant inside [start, end) or a range wholly inside it."""
        if isinstance(other, TimeRange):
            return self._start <= other._start and other.end_exclusive() <= self.end_exclusive()
        return self._start <= other < self.end_exclusive()

    def overlaps(self, other: TimeRange) -> bool:
        """True when the two half-open ranges share some instant (touching is not overlap)."""
        if not self._duration or not other._duration:
            return False
        return self._start < other.end_exclusive() and other._start < self.end_exclusive()

    def intersection(self, other: TimeRange) -> TimeRange | None:
        """The shared part, or None when the ranges do not overlap."""
        if not self.overlaps(other):
            return None
        start = max(self._start, other._start)
        end = min(self.end_exclusive(), other.end_exclusive())
        return TimeRange(start, (end - start).rescaled_to(self._duration.rate))

    def shifted(self, by: RationalTime) -> TimeRange:
        """The same length, moved by ``by``."""
        return TimeRange(self._start + by, self._duration)

    def rescaled_to(self, rate: Exact | float) -> TimeRange:
        """The same interval expressed at another rate."""
        return TimeRange(self._start.rescaled_to(rate), self._duration.rescaled_to(rate))

    def to_frames(self, rate: Exact | float | None = None) -> tuple[int, int]:
        """(first frame, frame count) of the frames whose start instant lies in the range."""
        r = self._start.rate if rate is None else parse_rate(rate)
        first = self._start.to_frames(r, "ceil")
        end = self.end_exclusive().to_frames(r, "ceil")
        return first, end - first

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimeRange):
            return NotImplemented
        return self._start == other._start and self._duration == other._duration

    def __hash__(self) -> int:
        return hash((self._start, self._duration))

    def __repr__(self) -> str:
        return f"TimeRange({self._start!r}, {self._duration!r})"

    def __reduce__(self) -> tuple[type[TimeRange], tuple[RationalTime, RationalTime]]:
        return (TimeRange, (self._start, self._duration))

    def to_json(self) -> dict[str, dict[str, int | str]]:
        """JSON form with explicit start and duration."""
        return {"start": self._start.to_json(), "duration": self._duration.to_json()}

    @classmethod
    def from_json(cls, data: object) -> TimeRange:
        """Inverse of :meth:`to_json`; errors name the field that is wrong."""
        if isinstance(data, TimeRange):
            return data
        if not isinstance(data, dict) or len(data) != 2 or "start" not in data or "duration" not in data:
            raise ValueError('expected an object {"start": ..., "duration": ...}')
        try:
            start = RationalTime.from_json(data["start"])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"start: {exc}") from None
        try:
            duration = RationalTime.from_json(data["duration"])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"duration: {exc}") from None
        return cls(start, duration)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls.from_json,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda r: r.to_json()),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        rt = RationalTime.__get_pydantic_json_schema__(schema, handler)
        return {
            "type": "object",
            "title": "TimeRange",
            "properties": {"start": rt, "duration": rt},
            "required": ["start", "duration"],
            "additionalProperties": False,
        }
