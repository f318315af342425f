"""Analysis: shot boundaries, per-frame signals, zones and lines of videos, as Polars tables."""

from __future__ import annotations

from ._tracks import ANCHORS, TRACK_COLUMNS, AnalysisError, Anchor
from .annotate import annotate, apply_frame_function
from .ducking import duck, speech_spans
from .edits import project_from_ranges
from .lines import CROSSING_SCHEMA, LINE_FRAME_SCHEMA, Line, line_counts, line_crossings
from .shots import BOUNDARY_SCHEMA, SHOT_SCHEMA, project_from_shots, shot_boundaries, shots
from .signals import AUDIO_SCHEMA, VIDEO_SCHEMA, per_second, signals
from .zones import (
    OCCUPANCY_SCHEMA,
    ZONE_FRAME_SCHEMA,
    ZONE_TRACK_SCHEMA,
    Zone,
    occupancy_segments,
    zone_counts,
    zone_dwell,
)

__all__ = [
    "ANCHORS",
    "AUDIO_SCHEMA",
    "BOUNDARY_SCHEMA",
    "CROSSING_SCHEMA",
    "LINE_FRAME_SCHEMA",
    "OCCUPANCY_SCHEMA",
    "SHOT_SCHEMA",
    "TRACK_COLUMNS",
    "VIDEO_SCHEMA",
    "ZONE_FRAME_SCHEMA",
    "ZONE_TRACK_SCHEMA",
    "AnalysisError",
    "Anchor",
    "Line",
    "Zone",
    "annotate",
    "apply_frame_function",
    "duck",
    "line_counts",
    "line_crossings",
    "occupancy_segments",
    "per_second",
    "project_from_ranges",
    "project_from_shots",
    "shot_boundaries",
    "shots",
    "signals",
    "speech_spans",
    "zone_counts",
    "zone_dwell",
]
