"""The detections table (one schema, declared once) and its aggregations: segments, counts, summary.

Times are exact: ``pts`` holds each frame's presentation time as a rational string of seconds
("1001/30000"), ``pts_s`` the same as a float for plotting and filtering. Segment starts and
ends are exact too, computed from the exact frame times and frame duration. The table is built in
``_detections_table``, segments in ``_segments``; this module is where callers import them.
"""

from __future__ import annotations

import polars as pl

from ._detections_table import (
    DETECTION_SCHEMA,
    detections_frame,
    empty_detections,
    fraction_str,
    frame_durations,
    shape_schema,
)
from ._segments import SEGMENT_SCHEMA, segments

__all__ = [
    "DETECTION_SCHEMA",
    "SEGMENT_SCHEMA",
    "counts_per_second",
    "detections_frame",
    "empty_detections",
    "fraction_str",
    "frame_durations",
    "segments",
    "shape_schema",
    "summary",
]


def counts_per_second(df: pl.DataFrame) -> pl.DataFrame:
    """Per source, whole second and class: detections, frames, most seen at once, distinct tracks."""
    keys = ["source", "second", "class_name"]
    rows = df.with_columns(pl.col("pts_s").floor().cast(pl.Int64).alias("second"))
    per_frame = (
        rows.group_by([*keys, "frame"])
        .agg(pl.len().alias("n"))
        .group_by(keys)
        .agg(
            pl.col("n").sum().cast(pl.UInt32).alias("detections"),
            pl.len().cast(pl.UInt32).alias("frames"),
            pl.col("n").max().cast(pl.UInt32).alias("max_at_once"),
        )
    )
    tracks = rows.group_by(keys).agg(
        pl.col("track_id").drop_nulls().n_unique().cast(pl.UInt32).alias("tracks")
    )
    return per_frame.join(tracks, on=keys).sort(keys)


def summary(df: pl.DataFrame) -> pl.DataFrame:
    """Per source and class: detections, frames, tracks, first/last seen, confidence."""
    return (
        df.group_by("source", "class_id", "class_name")
        .agg(
            pl.len().cast(pl.UInt32).alias("detections"),
            pl.col("frame").n_unique().cast(pl.UInt32).alias("frames"),
            pl.col("track_id").drop_nulls().n_unique().cast(pl.UInt32).alias("tracks"),
            pl.col("pts_s").min().alias("first_s"),
            pl.col("pts_s").max().alias("last_s"),
            pl.col("conf").mean().cast(pl.Float32).alias("mean_conf"),
            pl.col("conf").max().alias("max_conf"),
        )
        .sort("source", "class_id")
    )
