"""Polygon zones over tracked detections: who is inside each frame, who entered or left, for how long.

Semantics follow supervision's ``PolygonZone``: a detection is inside when its anchor point
(bottom-centre by default; with several anchors, all of them) lies in the polygon, edges and
corners included; concave polygons work (even-odd rule). Unlike supervision this runs over a whole
table at once (numpy/Polars) and tracks a settled state per track, so a track that flickers (a
missing frame) does not leave and re-enter; see :func:`._tracks.debounced` for ``min_frames``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl

from ..media.frame_spans import strided_hole
from ._tracks import AnalysisError, Anchor, anchor_points, debounced, frame_ends, prepared, text

__all__ = [
    "OCCUPANCY_SCHEMA",
    "ZONE_FRAME_SCHEMA",
    "ZONE_TRACK_SCHEMA",
    "Zone",
    "occupancy_segments",
    "zone_counts",
    "zone_dwell",
]

Array = np.ndarray[Any, Any]

ZONE_FRAME_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "frame": pl.Int64,
        "pts": pl.String,
        "inside": pl.UInt32,
        "entered": pl.UInt32,
        "exited": pl.UInt32,
    }
)
"""One row per frame of the table: detections inside, and tracks that entered or left at that frame."""

ZONE_TRACK_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "track_id": pl.Int64,
        "first_frame": pl.Int64,
        "last_frame": pl.Int64,
        "frames_inside": pl.UInt32,
        "dwell_frames": pl.Int64,
        "dwell": pl.String,
        "dwell_s": pl.Float64,
        "entries": pl.UInt32,
        "exits": pl.UInt32,
    }
)
"""One row per track ever inside: first/last frame inside, observations inside, and the dwell: frames
from each stay's first to last frame inside (missing frames within a stay count), exact seconds."""

OCCUPANCY_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "class_name": pl.String,
        "start_frame": pl.Int64,
        "end_frame": pl.Int64,
        "start": pl.String,
        "end": pl.String,
        "start_s": pl.Float64,
        "end_s": pl.Float64,
        "frames": pl.UInt32,
        "max_inside": pl.UInt32,
    }
)
"""One row per occupied span: frames ``[start_frame, end_frame)``, exact ``[start, end)`` seconds;
``class_name`` is the zone's name, so ``recognition.cut_to``/``add_markers`` take these rows as
they take recognition's segments."""


@dataclass(frozen=True)
class Zone:
    """A polygon in source pixels, or in fractions of the frame when ``normalized``."""

    points: tuple[tuple[float, float], ...]
    normalized: bool = False
    name: str = "zone"

    def __init__(self, points: Sequence[Sequence[float]], *, normalized: bool = False, name: str = "zone"):
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3 or not np.isfinite(pts).all():
            raise AnalysisError(f"zone {name!r}: expected 3 or more finite (x, y) points, got {points!r}")
        object.__setattr__(self, "points", tuple((float(x), float(y)) for x, y in pts))
        object.__setattr__(self, "normalized", normalized)
        object.__setattr__(self, "name", name)

    def contains(self, xy: Array) -> Array:
        """Whether each ``(n, 2)`` point is inside or on the edge (even-odd rule, so concave works)."""
        poly = np.asarray(self.points)
        x, y = xy[:, :1], xy[:, 1:2]
        x1, y1 = poly[:, 0], poly[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        straddles = (y1 > y) != (y2 > y)
        crossings = straddles & ((cross > 0) == (y2 > y1))  # the edge passes right of the point
        on_edge = (
            (cross == 0)
            & (np.minimum(x1, x2) <= x)
            & (x <= np.maximum(x1, x2))
            & (np.minimum(y1, y2) <= y)
            & (y <= np.maximum(y1, y2))
        )
        return np.asarray((crossings.sum(axis=1) % 2 == 1) | on_edge.any(axis=1))


def _states(
    tracks: pl.DataFrame, zone: Zone, anchor: Anchor | Sequence[Anchor], min_frames: int
) -> pl.DataFrame:
    """Each row (sorted by track and frame) with its settled ``inside`` and entered/exited flags."""
    rows = prepared(tracks, normalized=zone.normalized)
    points = anchor_points(rows, anchor, normalized=zone.normalized)
    raw = np.logical_and.reduce([zone.contains(p) for p in points]) if rows.height else np.zeros(0, bool)
    inside, change = debounced(rows["key"].to_numpy(), raw, min_frames)
    return rows.with_columns(
        pl.Series("inside", inside, dtype=pl.Boolean),
        pl.Series("entered", change & inside, dtype=pl.Boolean),
        pl.Series("exited", change & ~inside, dtype=pl.Boolean),
    )


def zone_counts(
    tracks: pl.DataFrame,
    zone: Zone,
    *,
    anchor: Anchor | Sequence[Anchor] = "bottom_center",
    min_frames: int = 1,
) -> pl.DataFrame:
    """Per frame of ``tracks`` (a detections table with track ids): how many are inside, entered, left.

    ``min_frames``: observations in a row a track must spend on the other side before it counts as
    having entered or left (1, like supervision; the change is dated at the first of them).
    """
    states = _states(tracks, zone, anchor, min_frames)
    return (
        states.group_by("source", "frame")
        .agg(
            pl.col("pts").first(),
            pl.col("inside").sum().alias("inside"),
            pl.col("entered").sum().alias("entered"),
            pl.col("exited").sum().alias("exited"),
        )
        .sort("source", "frame")
        .cast(ZONE_FRAME_SCHEMA)
        .select(ZONE_FRAME_SCHEMA.names())
    )


def zone_dwell(
    tracks: pl.DataFrame,
    zone: Zone,
    *,
    anchor: Anchor | Sequence[Anchor] = "bottom_center",
    min_frames: int = 1,
    rate: int | Fraction | str | None = None,
) -> pl.DataFrame:
    """Per track ever inside ``zone``: when, how many stays, and the exact dwell time.

    ``rate``: frames per second of the frame indices, for every source (default: each frame lasts
    until the file's next frame replaces it, as in ``recognition.segments``; else, the file
    unreadable, the source's average step in the ``pts`` column).
    """
    states = _states(tracks, zone, anchor, min_frames).filter(pl.col("track_id").is_not_null())
    key = states["key"].to_numpy()
    inside = states["inside"].to_numpy()
    stay = inside.copy()  # the first row of each stay (a run of settled-inside rows of one track)
    stay[1:] &= ~inside[:-1] | (key[1:] != key[:-1])
    stays = states.with_columns(pl.Series("_stay", np.cumsum(stay))).filter(pl.col("inside"))
    if stays.is_empty():
        return ZONE_TRACK_SCHEMA.to_frame()
    per_stay = stays.group_by("source", "track_id", "_stay").agg(
        pl.col("frame").min().alias("f0"),
        pl.col("frame").max().alias("f1"),
        pl.col("pts").sort_by("frame").first().alias("t0"),
        pl.col("pts").sort_by("frame").last().alias("t1"),
        pl.len().alias("n"),
    )
    ends = frame_ends(
        states, per_stay.select("source", pl.col("f1").alias("frame"), pl.col("t1").alias("pts")), rate
    )
    dwell: dict[tuple[str, int], Fraction] = {}
    for s, track, t0, f1 in per_stay.select("source", "track_id", "t0", "f1").iter_rows():
        dwell[(s, track)] = dwell.get((s, track), Fraction(0)) + ends[(s, f1)] - Fraction(t0)
    exact = pl.DataFrame(
        {
            "source": [k[0] for k in dwell],
            "track_id": [k[1] for k in dwell],
            "dwell": [text(d) for d in dwell.values()],
            "dwell_s": [float(d) for d in dwell.values()],
        },
        schema={"source": pl.String, "track_id": pl.Int64, "dwell": pl.String, "dwell_s": pl.Float64},
    )
    exits = states.group_by("source", "track_id").agg(pl.col("exited").sum().alias("exits"))
    return (
        per_stay.group_by("source", "track_id")
        .agg(
            pl.col("f0").min().alias("first_frame"),
            pl.col("f1").max().alias("last_frame"),
            pl.col("n").sum().alias("frames_inside"),
            (pl.col("f1") - pl.col("f0") + 1).sum().alias("dwell_frames"),
            pl.len().alias("entries"),
        )
        .join(exits, on=["source", "track_id"], how="left")
        .join(exact, on=["source", "track_id"], how="left")
        .sort("source", "track_id")
        .select(ZONE_TRACK_SCHEMA.names())
        .cast(ZONE_TRACK_SCHEMA)
    )


def occupancy_segments(
    tracks: pl.DataFrame,
    zone: Zone,
    *,
    min_frames: int = 1,
    gap_frames: int = 0,
    min_count: int = 1,
    settle_frames: int = 1,
    anchor: Anchor | Sequence[Anchor] = "bottom_center",
    rate: int | Fraction | str | None = None,
    every: int | Fraction | str = 1,
) -> pl.DataFrame:
    """Spans of frames in which ``zone`` holds at least ``min_count`` detections: the edit "someone is there".

    Spans whose holes are at most ``gap_frames`` frames merge, beyond the holes the table's own
    sampling leaves; spans shorter than ``min_frames`` are dropped; ``settle_frames`` is
    :func:`zone_counts`' ``min_frames``. A span ends when its last frame leaves the screen
    (``rate``: as in :func:`zone_dwell`). Cut to them with ``recognition.cut_to(path, spans)`` or
    :func:`project_from_ranges`.

    ``every``: frames from one analysed frame to the next, as the table was recognised
    (``recognize(every=3)``: 3; ``fps=10`` of a 25 fps file: ``"5/2"``); holes of up to 1.5 such
    steps are the sampling's, not absences (``media.frame_spans.strided_hole``). A table does not
    say how it was sampled (sparse sightings look strided), so the default, 1, bridges none.
    """
    if min_frames < 1 or gap_frames < 0 or min_count < 1:
        got = f"{min_frames}, {gap_frames}, {min_count}"
        msg = f"min_frames, gap_frames, min_count: need >= 1, >= 0, >= 1; got {got}"
        raise AnalysisError(msg)
    stride = _stride(every)
    counts = zone_counts(tracks, zone, anchor=anchor, min_frames=settle_frames)
    held = counts.filter(pl.col("inside") >= min_count)
    if held.is_empty():
        return OCCUPANCY_SCHEMA.to_frame()
    frame = held["frame"].to_numpy()
    source = held["source"].to_numpy()
    bridged = strided_hole(float(stride), 1.0) + gap_frames  # a strided table's own holes too
    new = np.ones(held.height, dtype=bool)
    new[1:] = (source[1:] != source[:-1]) | (frame[1:] - frame[:-1] - 1 > bridged + 1e-9)
    spans = (
        held.with_columns(pl.Series("_span", np.cumsum(new)))
        .group_by("_span", maintain_order=True)
        .agg(
            pl.col("source").first(),
            pl.col("frame").first().alias("start_frame"),
            (pl.col("frame").last() + 1).alias("end_frame"),
            pl.col("pts").first().alias("start"),
            pl.col("frame").last().alias("_last"),
            pl.col("pts").last().alias("_last_pts"),
            pl.len().alias("frames"),
            pl.col("inside").max().alias("max_inside"),
        )
        .filter(pl.col("end_frame") - pl.col("start_frame") >= min_frames)
    )
    last = spans.select("source", pl.col("_last").alias("frame"), pl.col("_last_pts").alias("pts"))
    ends_at = frame_ends(counts, last, rate)
    ends = [ends_at[k] for k in last.select("source", "frame").iter_rows()]
    return (
        spans.with_columns(
            pl.lit(zone.name, dtype=pl.String).alias("class_name"),
            pl.Series("end", [text(e) for e in ends], dtype=pl.String),
            pl.Series("start_s", [float(Fraction(t)) for t in spans["start"].to_list()], dtype=pl.Float64),
            pl.Series("end_s", [float(e) for e in ends], dtype=pl.Float64),
        )
        .select(OCCUPANCY_SCHEMA.names())
        .cast(OCCUPANCY_SCHEMA)
    )


def _stride(every: int | Fraction | str) -> Fraction:
    """``every`` as exact frames, at least one (a sampling sees each frame at most once)."""
    try:
        stride = Fraction(every)
    except (TypeError, ValueError, ZeroDivisionError):
        stride = Fraction(0)
    if stride < 1:
        raise AnalysisError(f"every: frames from one analysed frame to the next, >= 1; got {every!r}")
    return stride
