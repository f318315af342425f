"""Exact rational time: frame accuracy must survive every edit, so no float seconds anywhere."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, SupportsIndex

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema

__all__ = ["RationalTime", "Rounding", "TimeRange", "parse_rate", "to_fraction"]

Rounding = Literal["floor", "nearest", "ceil"]
Exact = int | Fraction | str | Decimal

# NTSC rates people type as decimals; the real rates are n*1000/1001.
_NTSC = {
    Fraction("23.976"): Fraction(24000, 1001),
    Fraction("23.98"): Fraction(24000, 1001),
    Fraction("29.97"): Fraction(30000, 1001),
    Fraction("47.952"): Fraction(48000, 1001),
    Fraction("59.94"): Fraction(60000, 1001),
    Fraction("119.88"): Fraction(120000, 1001),
}


def to_fraction(x: Exact | float, *, what: str = "value") -> Fraction:
    """Convert user input to an exact Fraction; floats go through their shortest decimal repr."""
    if isinstance(x, bool):
        raise TypeError(f"{what}: expected a number, got bool")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, Decimal) and not x.is_finite():
        raise ValueError(f"{what}: cannot read {x!r} as an exact number (not finite)")
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"{what}: must be finite, got {x!r}")
        return Fraction(repr(x))
    if isinstance(x, Decimal | str):
        try:
            return Fraction(x)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise ValueError(f"{what}: cannot read {x!r} as an exact number") from exc
    raise TypeError(f"{what}: expected int, Fraction, str or Decimal, got {type(x).__name__}")


def parse_rate(rate: Exact | float) -> Fraction:
    """Read a frame/sample rate; '29.97' means the real NTSC 30000/1001, not 2997/100."""
    r = to_fraction(rate, what="rate")
    r = _NTSC.get(r, r)
    if r <= 0:
        raise ValueError(f"rate: must be > 0, got {r}")
    return r


def _round(x: Fraction, rounding: Rounding) -> int:
    if rounding == "floor":
        return math.floor(x)
    if rounding == "ceil":
        return math.ceil(x)
    if rounding == "nearest":
        return math.floor(x + Fraction(1, 2))
    raise ValueError(f"rounding: expected 'floor', 'nearest' or 'ceil', got {rounding!r}")


def _as_value_error(fn: Any) -> Any:
    """pydantic reports ValueError as a validation error but lets TypeError escape."""

    def wrapped(data: object) -> Any:
        try:
            return fn(data)
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    return wrapped


def _fraction_json(x: Fraction) -> int | str:
    return x.numerator if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


class RationalTime:
    """A point or length in time: ``value`` units at ``rate`` units per second, both exact."""

    __slots__ = ("_rate", "_value")

    _value: Fraction
    _rate: Fraction

    def __init__(self, value: Exact = 0, rate: Exact | float = 1) -> None:
        object.__setattr__(self, "_value", to_fraction(value))
        object.__setattr__(self, "_rate", parse_rate(rate))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RationalTime is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("RationalTime is immutable")

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_frames(cls, frames: SupportsIndex, rate: Exact | float) -> RationalTime:
        """Time of frame ``frames`` at ``rate`` (the frame's start)."""
        if isinstance(frames, bool) or not hasattr(frames, "__index__"):
            raise TypeError(f"frames: expected an integer, got {type(frames).__name__}")
        return cls(int(frames.__index__()), rate)

    @classmethod
    def from_seconds(cls, seconds: Exact | float, rate: Exact | float = 1) -> RationalTime:
        """Exact time for ``seconds`` expressed at ``rate`` (value may be fractional)."""
        r = parse_rate(rate)
        return cls(to_fraction(seconds, what="seconds") * r, r)

    @classmethod
    def from_timecode(cls, timecode: str, rate: Exact | float) -> RationalTime:
        """Parse ``HH:MM:SS:FF`` (``;`` before the frames means drop-frame at 29.97/59.94)."""
        from .timecode import timecode_frames

        r = parse_rate(rate)
        return cls(timecode_frames(timecode, r), r)

    # --- accessors ----------------------------------------------------------------------
    @property
    def value(self) -> Fraction:
        """Units at ``rate``; fractional when the time falls between frames."""
        return self._value

    @property
    def rate(self) -> Fraction:
        """Units per second."""
        return self._rate

    def to_seconds(self) -> Fraction:
        """Exact seconds (a Fraction; convert to float yourself only for display)."""
        return self._value / self._rate

    def to_frames(self, rate: Exact | float | None = None, rounding: Rounding = "floor") -> int:
        """Frame index at ``rate`` (default own rate); floor = the frame on screen at this time."""
        r = self._rate if rate is None else parse_rate(rate)
        return _round(self.to_seconds() * r, rounding)

    def rescaled_to(self, rate: Exact | float) -> RationalTime:
        """The same instant expressed at another rate (exact; value may become fractional)."""
        r = parse_rate(rate)
        return RationalTime(self.to_seconds() * r, r)

    def snapped(self, rate: Exact | float | None = None, rounding: Rounding = "nearest") -> RationalTime:
        """This time moved onto the frame grid of ``rate``."""
        r = self._rate if rate is None else parse_rate(rate)
        return RationalTime(self.to_frames(r, rounding), r)

    def is_frame_aligned(self, rate: Exact | float | None = None) -> bool:
        """True when this time is exactly a frame boundary at ``rate``."""
        r = self._rate if rate is None else parse_rate(rate)
        return (self.to_seconds() * r).denominator == 1

    def to_timecode(self, rate: Exact | float | None = None, drop_frame: bool | None = None) -> str:
        """SMPTE timecode; drop-frame by default at 29.97/59.94 (``;`` separator)."""
        from .timecode import format_timecode

        r = self._rate if rate is None else parse_rate(rate)
        return format_timecode(self.to_frames(r), r, drop_frame)

    # --- arithmetic (exact; results keep the left operand's rate) ------------------------
    def _other(self, other: object) -> RationalTime:
        if not isinstance(other, RationalTime):
            raise TypeError(f"expected RationalTime, got {type(other).__name__}")
        return other

    def __add__(self, other: RationalTime) -> RationalTime:
        o = self._other(other)
        return RationalTime(self._value + o.to_seconds() * self._rate, self._rate)

    def __sub__(self, other: RationalTime) -> RationalTime:
        o = self._other(other)
        return RationalTime(self._value - o.to_seconds() * self._rate, self._rate)

    def __mul__(self, k: int | Fraction) -> RationalTime:
        return RationalTime(self._value * to_fraction(k, what="factor"), self._rate)

    __rmul__ = __mul__

    def __truediv__(self, k: int | Fraction) -> RationalTime:
        f = to_fraction(k, what="divisor")
        if f == 0:
            raise ZeroDivisionError("RationalTime divided by zero")
        return RationalTime(self._value / f, self._rate)

    def __neg__(self) -> RationalTime:
        return RationalTime(-self._value, self._rate)

    def __abs__(self) -> RationalTime:
        return RationalTime(abs(self._value), self._rate)

    def __bool__(self) -> bool:
        return self._value != 0

    # --- comparison: instants compare by exact seconds, whatever their rates ------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RationalTime):
            return NotImplemented
        return self.to_seconds() == other.to_seconds()

    def __hash__(self) -> int:
        return hash(self.to_seconds())

    def __lt__(self, other: RationalTime) -> bool:
        return self.to_seconds() < self._other(other).to_seconds()

    def __le__(self, other: RationalTime) -> bool:
        return self.to_seconds() <= self._other(other).to_seconds()

    def __gt__(self, other: RationalTime) -> bool:
        return self.to_seconds() > self._other(other).to_seconds()

    def __ge__(self, other: RationalTime) -> bool:
        return self.to_seconds() >= self._other(other).to_seconds()

    def strictly_equal(self, other: RationalTime) -> bool:
        """Same value *and* same rate (``==`` only compares instants)."""
        if not isinstance(other, RationalTime):
            return False
        return self._value == other._value and self._rate == other._rate

    def __repr__(self) -> str:
        return f"RationalTime({_fraction_json(self._value)!r}, {_fraction_json(self._rate)!r})"

    def __str__(self) -> str:
        return f"{_fraction_json(self._value)}@{_fraction_json(self._rate)}"

    def __reduce__(self) -> tuple[type[RationalTime], tuple[Fraction, Fraction]]:
        return (RationalTime, (self._value, self._rate))

    # --- serialization ------------------------------------------------------------------
    def to_json(self) -> dict[str, int | str]:
        """JSON form: integers stay integers, other values become ``"num/den"`` strings."""
        return {"value": _fraction_json(self._value), "rate": _fraction_json(self._rate)}

    @classmethod
    def from_json(cls, data: object) -> RationalTime:
        """Inverse of :meth:`to_json`; floats are refused so files stay exact."""
        if isinstance(data, RationalTime):
            return data
        if not isinstance(data, dict) or set(data) != {"value", "rate"}:
            raise ValueError('expected an object {"value": ..., "rate": ...}')
        for key in ("value", "rate"):
            if isinstance(data[key], float):
                raise ValueError(f'{key}: floats are not exact; write "num/den" or an integer')
        return cls(data["value"], data["rate"])

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            _as_value_error(cls.from_json),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda t: t.to_json()),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        exact = {
            "anyOf": [
                {"type": "integer"},
                {"type": "string", "pattern": r"^-?\d+(/\d+)?$"},
            ]
        }
        return {
            "type": "object",
            "title": "RationalTime",
            "description": "value units at rate units per second; rationals as 'num/den'",
            "properties": {"value": exact, "rate": exact},
            "required": ["value", "rate"],
            "additionalProperties": False,
        }


class TimeRange:
    """A half-open interval [start, start + duration) of exact time."""

    __slots__ = ("_duration", "_start")

    _start: RationalTime
    _duration: RationalTime

    def __init__(self, start: RationalTime, duration: RationalTime) -> None:
        if not isinstance(start, RationalTime) or not isinstance(duration, RationalTime):
            raise TypeError("TimeRange(start, duration) takes two RationalTime values")
        if duration.value < 0:
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
        if not isinstance(data, dict) or set(data) != {"start", "duration"}:
            raise ValueError('expected an object {"start": ..., "duration": ...}')
        parts = {}
        for key in ("start", "duration"):
            try:
                parts[key] = RationalTime.from_json(data[key])
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{key}: {exc}") from None
        return cls(parts["start"], parts["duration"])

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
