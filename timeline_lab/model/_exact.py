"""Exact numbers from user input, and rates: the arithmetic that RationalTime and TimeRange share."""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

__all__ = [
    "Exact",
    "Rounding",
    "as_value_error",
    "fraction_json",
    "parse_rate",
    "round_to_int",
    "to_fraction",
]

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
    if type(x) is int:  # the common case first (bool is a subclass, refused below)
        return Fraction(x)
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
    if isinstance(x, str):
        try:
            return _from_text(x)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise ValueError(f"{what}: cannot read {x!r} as an exact number") from exc
    if isinstance(x, Decimal):
        if abs(x.adjusted()) > _MAX_EXPONENT:
            raise ValueError(f"{what}: cannot read {x!r} as an exact number (exponent out of range)")
        try:
            return Fraction(x)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise ValueError(f"{what}: cannot read {x!r} as an exact number") from exc
    raise TypeError(f"{what}: expected int, Fraction, str or Decimal, got {type(x).__name__}")


@functools.lru_cache(maxsize=4096)
def _from_text(text: str) -> Fraction:
    """``Fraction(text)``, parsed once per distinct string (a project file repeats a few rates and
    times thousands of times; Fraction's parser is the slow part of loading one). An exponent past
    ``_MAX_EXPONENT`` is refused first: ``Fraction("1e1000000000")`` computes the power and hangs."""
    _, e, exponent = text.lower().partition("e")
    digits = exponent.strip().lstrip("+-")
    if e and (len(digits) > len(str(_MAX_EXPONENT)) or (digits.isdigit() and int(digits) > _MAX_EXPONENT)):
        raise ValueError(f"exponent out of range (at most {_MAX_EXPONENT})")
    return Fraction(text)


_MAX_EXPONENT = 400
"""Powers of ten a number in a file may carry; times and rates need a dozen."""


def parse_rate(rate: Exact | float) -> Fraction:
    """Read a frame/sample rate; '29.97' means the real NTSC 30000/1001, not 2997/100."""
    r = to_fraction(rate, what="rate")
    if r.denominator not in (1, 1001):  # else no NTSC alias (and no costly Fraction hash)
        r = _NTSC.get(r, r)
    if r.numerator <= 0:
        raise ValueError(f"rate: must be > 0, got {r}")
    return r


def round_to_int(x: Fraction, rounding: Rounding) -> int:
    """``x`` as a whole number, rounded the way the caller names (a frame index, a sample count)."""
    if rounding == "floor":
        return math.floor(x)
    if rounding == "ceil":
        return math.ceil(x)
    if rounding == "nearest":
        return math.floor(x + Fraction(1, 2))
    raise ValueError(f"rounding: expected 'floor', 'nearest' or 'ceil', got {rounding!r}")


def as_value_error(fn: Any) -> Any:
    """pydantic reports ValueError as a validation error but lets TypeError escape."""

    def wrapped(data: object) -> Any:
        try:
            return fn(data)
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    return wrapped


def fraction_json(x: Fraction) -> int | str:
    """An integer stays an integer in JSON; any other fraction is ``"num/den"``, so files stay exact."""
    return x.numerator if x.denominator == 1 else f"{x.numerator}/{x.denominator}"
