"""Analysis: shot boundaries and per-frame signals of videos, as Polars tables."""

from __future__ import annotations

from .shots import BOUNDARY_SCHEMA, SHOT_SCHEMA, project_from_shots, shot_boundaries, shots
from .signals import AUDIO_SCHEMA, VIDEO_SCHEMA, per_second, signals

__all__ = [
    "AUDIO_SCHEMA",
    "BOUNDARY_SCHEMA",
    "SHOT_SCHEMA",
    "VIDEO_SCHEMA",
    "per_second",
    "project_from_shots",
    "shot_boundaries",
    "shots",
    "signals",
]
