"""RationalTime: one exact instant or length, so frame accuracy survives every edit (no float seconds)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any, SupportsIndex

from ._exact import Exact, Rounding, as_value_error, fraction_json, parse_rate, round_to_int, to_fraction

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema

__all__ = ["RationalTime"]


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
        return Fraction(*self._seconds())

    def _seconds(self) -> tuple[int, int]:
        """Seconds as (numerator, positive denominator), not reduced: exact comparisons in integers
        (Fraction division normalises and type-checks every step; loading a project compares
        every clip's times)."""
        v, r = self._value, self._rate
        return v.numerator * r.denominator, v.denominator * r.numerator

    def to_frames(self, rate: Exact | float | None = None, rounding: Rounding = "floor") -> int:
        """Frame index at ``rate`` (default own rate); floor = the frame on screen at this time."""
        r = self._rate if rate is None else parse_rate(rate)
        v, own = self._value, self._rate  # value / own * r, in integers (a hot path)
        num = v.numerator * own.denominator * r.numerator
        den = v.denominator * own.numerator * r.denominator
        if rounding == "floor":
            return num // den
        if rounding == "nearest":
            return (2 * num + den) // (2 * den)
        if rounding == "ceil":
            return -(-num // den)
        return round_to_int(Fraction(num, den), rounding)  # names the bad rounding

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
        v, own = self._value, self._rate
        num, den = v.numerator * own.denominator * r.numerator, v.denominator * own.numerator * r.denominator
        return num % den == 0

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
        if o._rate == self._rate:  # the usual case: no rescaling, no re-validation
            return _make(self._value + o._value, self._rate)
        return RationalTime(self._value + o.to_seconds() * self._rate, self._rate)

    def __sub__(self, other: RationalTime) -> RationalTime:
        o = self._other(other)
        if o._rate == self._rate:
            return _make(self._value - o._value, self._rate)
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
        return self._cmp(other) == 0

    def __hash__(self) -> int:
        return hash(self.to_seconds())

    def _cmp(self, other: RationalTime) -> int:
        """Sign of ``self - other`` in seconds, by cross-multiplying integers."""
        (a, b), (c, d) = self._seconds(), self._other(other)._seconds()
        x, y = a * d, c * b  # b, d > 0
        return (x > y) - (x < y)

    def __lt__(self, other: RationalTime) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: RationalTime) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: RationalTime) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: RationalTime) -> bool:
        return self._cmp(other) >= 0

    def strictly_equal(self, other: RationalTime) -> bool:
        """Same value *and* same rate (``==`` only compares instants)."""
        if not isinstance(other, RationalTime):
            return False
        return self._value == other._value and self._rate == other._rate

    def __repr__(self) -> str:
        return f"RationalTime({fraction_json(self._value)!r}, {fraction_json(self._rate)!r})"

    def __str__(self) -> str:
        return f"{fraction_json(self._value)}@{fraction_json(self._rate)}"

    def __reduce__(self) -> tuple[type[RationalTime], tuple[Fraction, Fraction]]:
        return (RationalTime, (self._value, self._rate))

    # --- serialization ------------------------------------------------------------------
    def to_json(self) -> dict[str, int | str]:
        """JSON form: integers stay integers, other values become ``"num/den"`` strings."""
        return {"value": fraction_json(self._value), "rate": fraction_json(self._rate)}

    @classmethod
    def from_json(cls, data: object) -> RationalTime:
        """Inverse of :meth:`to_json`; floats are refused so files stay exact."""
        if type(data) is dict and len(data) == 2:  # the fast path: whole-number times
            value, rate = data.get("value"), data.get("rate")
            if type(value) is int and type(rate) is int and rate > 0:  # bool is no number
                return _make(Fraction(value), Fraction(rate))
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
            as_value_error(cls.from_json),
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


def _make(value: Fraction, rate: Fraction) -> RationalTime:
    """A RationalTime from parts already checked (an exact value, a valid rate): no re-parsing."""
    t = object.__new__(RationalTime)
    object.__setattr__(t, "_value", value)
    object.__setattr__(t, "_rate", rate)
    return t
