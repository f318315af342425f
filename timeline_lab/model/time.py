"""Exact rational time: the one import for instants, ranges and rates (no float seconds anywhere)."""

from __future__ import annotations

from ._exact import Rounding, parse_rate, to_fraction
from .rational_time import RationalTime
from .time_range import TimeRange

__all__ = ["RationalTime", "Rounding", "TimeRange", "parse_rate", "to_fraction"]
