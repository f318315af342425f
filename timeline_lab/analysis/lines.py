"""Line crossings of tracked detections: which track crossed which way, at which exact frame.

Semantics follow supervision's ``LineZone``: a box is on one side when all its anchor points are
(bottom-centre by default; supervision's LineZone uses the four corners: pass them as ``anchor``),
and only while they project inside the segment's ends; a box touching or straddling the line, or
beyond an end, keeps its last side. Crossing to the left of ``start -> end`` as seen on screen
(y down) is "in" (a line drawn left to right: moving up the picture), the other way "out".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ._tracks import AnalysisError, Anchor, anchor_points, debounced, prepared

__all__ = ["CROSSING_SCHEMA", "LINE_FRAME_SCHEMA", "Line", "line_counts", "line_crossings"]

Array = np.ndarray[Any, Any]

CROSSING_SCHEMA = pl.Schema(
    {"source": pl.String, "track_id": pl.Int64, "frame": pl.Int64, "pts": pl.String, "direction": pl.String}
)
"""One row per crossing: the first frame the track is seen on its new side; direction "in" or "out"."""

LINE_FRAME_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "frame": pl.Int64,
        "pts": pl.String,
        "crossed_in": pl.UInt32,
        "crossed_out": pl.UInt32,
        "in_total": pl.UInt32,
        "out_total": pl.UInt32,
    }
)
"""One row per frame of the table: crossings at that frame and the running totals up to it."""


@dataclass(frozen=True)
class Line:
    """A segment from ``start`` to ``end`` in source pixels, or fractions of the frame when ``normalized``."""

    start: tuple[float, float]
    end: tuple[float, float]
    normalized: bool = False

    def __post_init__(self) -> None:
        pts = np.asarray([self.start, self.end], dtype=np.float64)
        if pts.shape != (2, 2) or not np.isfinite(pts).all() or (pts[0] == pts[1]).all():
            raise AnalysisError(
                f"line: expected two distinct finite (x, y) points, got {self.start}, {self.end}"
            )
        object.__setattr__(self, "start", (float(pts[0, 0]), float(pts[0, 1])))
        object.__setattr__(self, "end", (float(pts[1, 0]), float(pts[1, 1])))

    def sides(self, xy: Array) -> Array:
        """Per ``(n, 2)`` point: -1 left of ``start -> end`` (on screen), 1 right, 0 on it or past an end."""
        (sx, sy), (ex, ey) = self.start, self.end
        dx, dy = ex - sx, ey - sy
        px, py = xy[:, 0] - sx, xy[:, 1] - sy
        cross = dx * py - dy * px
        along = dx * px + dy * py
        within = (along >= 0) & (along <= dx * dx + dy * dy)
        return np.where(within, np.sign(cross), 0).astype(np.int8)


def line_crossings(
    tracks: pl.DataFrame,
    line: Line,
    *,
    anchor: Anchor | Sequence[Anchor] = "bottom_center",
    min_frames: int = 1,
) -> pl.DataFrame:
    """Every crossing of ``line`` by a track of ``tracks`` (a detections table with track ids).

    ``min_frames``: observations in a row a track must be seen on the new side before it counts
    (supervision's ``minimum_crossing_threshold``; the crossing is dated at the first of them).
    """
    rows = prepared(tracks, normalized=line.normalized)
    if rows.is_empty():
        return CROSSING_SCHEMA.to_frame()
    sides = np.stack([line.sides(p) for p in anchor_points(rows, anchor, normalized=line.normalized)])
    side = sides[0]
    settled_side = (side != 0) & (sides == side).all(axis=0)
    seen = rows.filter(pl.Series(settled_side))
    left, change = debounced(seen["key"].to_numpy(), side[settled_side] < 0, min_frames)
    return (
        seen.filter(pl.Series(change))
        .select(
            "source",
            "track_id",
            "frame",
            "pts",
            pl.Series("direction", np.where(left[change], "in", "out"), dtype=pl.String),
        )
        .sort("source", "frame", "track_id")
    )


def line_counts(
    tracks: pl.DataFrame,
    line: Line,
    *,
    anchor: Anchor | Sequence[Anchor] = "bottom_center",
    min_frames: int = 1,
) -> pl.DataFrame:
    """Per frame of ``tracks``: crossings in and out at that frame and the totals so far."""
    crossings = line_crossings(tracks, line, anchor=anchor, min_frames=min_frames)
    frames = (
        tracks.select("source", "frame", "pts")
        .unique(["source", "frame"])
        .cast({"source": pl.String, "frame": pl.Int64, "pts": pl.String})
    )
    per_frame = crossings.group_by("source", "frame").agg(
        (pl.col("direction") == "in").sum().alias("crossed_in"),
        (pl.col("direction") == "out").sum().alias("crossed_out"),
    )
    return (
        frames.join(per_frame, on=["source", "frame"], how="left")
        .with_columns(pl.col("crossed_in", "crossed_out").fill_null(0))
        .sort("source", "frame")
        .with_columns(
            pl.col("crossed_in").cum_sum().over("source").alias("in_total"),
            pl.col("crossed_out").cum_sum().over("source").alias("out_total"),
        )
        .select(LINE_FRAME_SCHEMA.names())
        .cast(LINE_FRAME_SCHEMA)
    )
