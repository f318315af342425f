"""Shared pydantic config and id helpers, so every model serializes and validates the same way."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    WithJsonSchema,
)

from .time import RationalTime, to_fraction

__all__ = [
    "MAX_RATE",
    "MAX_SECONDS",
    "MIN_RATE",
    "URL_SCHEME",
    "ExactFraction",
    "Model",
    "PathText",
    "PositiveDuration",
    "TimelineTime",
    "new_id",
    "within_day",
]


def new_id(prefix: str) -> str:
    """Short random id: stable across saves, unique enough for one project."""
    return f"{prefix}_{secrets.token_hex(4)}"


def _exact(v: Any) -> Fraction:
    if isinstance(v, float):
        raise ValueError("floats are not exact; write an integer or 'num/den'")
    if isinstance(v, bool) or not isinstance(v, int | str | Fraction | Decimal):
        # a ValueError: pydantic names the field for it (a TypeError escaped naming neither file nor field)
        got = "null" if v is None else type(v).__name__
        raise ValueError(f"expected an integer or a 'num/den' string, got {got}")
    return to_fraction(v)


def _exact_json(v: Fraction) -> int | str:
    return v.numerator if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


ExactFraction = Annotated[
    Fraction,
    BeforeValidator(_exact),
    PlainSerializer(_exact_json, return_type=int | str),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\d+(/\d+)?$"}]}),
]
"""An exact rational (speed factors, rates) stored as an integer or a 'num/den' string."""


URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]+:/")
"""A URL (``memory://``, ``https://``; also after ``Path`` folded its ``//``): named as given, never
a path under the project's folder. (``media.urls.as_url`` says which are readable.)"""

_NAME_MAX = 255
"""Characters in one file or folder name at most: no file system stores a longer one (ext4 and
APFS count 255 bytes, NTFS 255 UTF-16 units, each at least one per character)."""


def _storable_path(v: str) -> str:
    """``v`` when some file system could hold a file by that name (a clear error otherwise): a NUL
    or an over-long name loaded, then failed at render as a bare ValueError or OSError."""
    if "\x00" in v:
        raise ValueError("holds a NUL character, which no file name can")
    if not URL_SCHEME.match(v):
        longest = max(map(len, re.split(r"[/\\]", v)))
        if longest > _NAME_MAX:
            msg = f"has a name part {longest} characters long; no file system stores more than {_NAME_MAX}"
            raise ValueError(msg)
    return v


PathText = Annotated[str, AfterValidator(_storable_path)]
"""A file's path (or a URL) as a project stores it: refused when no file system could hold it."""


MAX_SECONDS = 24 * 3600
"""The longest timeline (and any time or length in it): 24 hours."""

MIN_RATE, MAX_RATE = Fraction(1, 1001), Fraction(1000)
"""Frame rates a project may have."""


def within_day(v: RationalTime) -> RationalTime:
    """``v`` when it is at most 24 hours (a clear error otherwise)."""
    value, rate = v.value, v.rate  # seconds > limit, in integers (every time in a file passes here)
    if value.numerator * rate.denominator > MAX_SECONDS * value.denominator * rate.numerator:
        seconds = v.to_seconds()
        shown = f"{float(seconds):.3f}" if seconds < 10**12 else "more than 10^12"  # float() overflows
        raise ValueError(f"must be at most 24 h (86400 s), the limit of a timeline; got {shown} s")
    return v


def _positive(v: RationalTime) -> RationalTime:
    if v.value.numerator <= 0:
        raise ValueError(f"must be > 0 (got {v})")
    return within_day(v)


PositiveDuration = Annotated[RationalTime, AfterValidator(_positive)]
"""A length of time that must be greater than zero (and at most 24 hours)."""

TimelineTime = Annotated[RationalTime, AfterValidator(within_day)]
"""A time on the timeline, or a length: at most 24 hours."""


class Model(BaseModel):
    """Base for project models: unknown keys are errors, assignments are validated, and no number
    is NaN or infinite (a file may hold them: a render then failed with no field named)."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        arbitrary_types_allowed=True,
        use_enum_values=True,
        allow_inf_nan=False,
    )

    def __eq__(self, other: object) -> bool:
        """Equal when of one type with equal fields; private state (history, owner links) aside.

        pydantic also compares private attributes, so a project read back from its own file
        (a new, empty history; tracks linked to the new project) would never equal the original.
        """
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable models are not hashable (as pydantic's)
