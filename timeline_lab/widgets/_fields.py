"""Fields of a widget message read with their type checked: a refusal names the field, never
``int()``'s or ``dict()``'s own words (the front end is trusted for nothing)."""

from __future__ import annotations

import math
from typing import Any

from ..errors import ProjectError

__all__ = ["number", "object_of", "seq_of", "strings", "whole"]


def seq_of(value: object) -> int:
    """A message's sequence number, 0 when it has none the view could be waiting on."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def whole(value: object, field: str) -> int:
    """A whole number (a frame, a count): no string, bool, NaN or fraction."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ProjectError(f"{field} must be a whole number, got {str(value)[:40]!r}")


def number(value: object, field: str) -> float:
    """A finite number."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise ProjectError(f"{field} must be a number, got {str(value)[:40]!r}")


def object_of(value: object, field: str) -> dict[str, Any]:
    """A JSON object (``None``: an empty one)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise ProjectError(f"{field} must be an object, got {type(value).__name__}")


def strings(value: object, field: str) -> list[str]:
    """A list of strings (ids, paths)."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ProjectError(f"{field} must be a list of strings, got {str(value)[:40]!r}")
