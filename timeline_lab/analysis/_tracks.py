"""What zones and lines read from a detections table: anchors, per-track debounced states, exact times.

The table is recognition's detections table (``recognition.DETECTION_SCHEMA``); analysis sits
beside recognition, not above it, so the columns it needs are declared here as a subset
(``tests/analysis/test_tracks.py`` checks they match recognition's). Tracks come from
``recognize(..., tracker="iou")`` (or "bytetrack"), or from any ``track_id`` column you add.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal, get_args

import numpy as np
import polars as pl

from ..errors import TimelineLabError
from ..media.frame_spans import frame_ends as shared_frame_ends

__all__ = [
    "ANCHORS",
    "TRACK_COLUMNS",
    "AnalysisError",
    "Anchor",
    "anchor_points",
    "debounced",
    "frame_ends",
    "prepared",
]

Array = np.ndarray[Any, Any]
Key = tuple[str, int]  # (source, frame)


class AnalysisError(TimelineLabError):
    """A table or a geometry given to an analysis function cannot be used."""


TRACK_COLUMNS = pl.Schema(
    {
        "source": pl.String,
        "frame": pl.Int64,
        "pts": pl.String,
        "x1": pl.Float32,
        "y1": pl.Float32,
        "x2": pl.Float32,
        "y2": pl.Float32,
        "nx1": pl.Float32,
        "ny1": pl.Float32,
        "nx2": pl.Float32,
        "ny2": pl.Float32,
        "track_id": pl.Int64,
    }
)
"""The columns of recognition's detections table that zones and lines read (same names, types)."""

Anchor = Literal[
    "center",
    "center_left",
    "center_right",
    "top_center",
    "top_left",
    "top_right",
    "bottom_center",
    "bottom_left",
    "bottom_right",
]
ANCHORS: tuple[str, ...] = get_args(Anchor)
_FRACTIONS = {  # (share of the width, share of the height) from the top-left corner
    "center": (0.5, 0.5),
    "center_left": (0.0, 0.5),
    "center_right": (1.0, 0.5),
    "top_center": (0.5, 0.0),
    "top_left": (0.0, 0.0),
    "top_right": (1.0, 0.0),
    "bottom_center": (0.5, 1.0),
    "bottom_left": (0.0, 1.0),
    "bottom_right": (1.0, 1.0),
}


def prepared(table: pl.DataFrame, *, normalized: bool) -> pl.DataFrame:
    """The rows sorted by source, track and frame, with a ``key`` per track (one per untracked row).

    Rows without a track id are single-observation tracks: they count where they are, never enter,
    exit or cross.
    """
    box = ["nx1", "ny1", "nx2", "ny2"] if normalized else ["x1", "y1", "x2", "y2"]
    needed = ["source", "frame", "pts", "track_id", *box]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        hint = (
            " (track ids come from recognize(..., tracker='iou'), or add an Int64 'track_id' column)"
            if "track_id" in missing
            else ""
        )
        raise AnalysisError(f"detections: missing columns {missing}{hint}")
    rows = table.select(needed).cast({c: TRACK_COLUMNS[c] for c in needed})
    dup = rows.filter(pl.col("track_id").is_not_null()).select("source", "track_id", "frame").is_duplicated()
    if dup.any():
        raise AnalysisError(
            "detections: a track has two rows in one frame (track ids must be unique per frame)"
        )
    rows = rows.with_row_index("_row").with_columns(
        pl.when(pl.col("track_id").is_null())
        .then(-1 - pl.col("_row").cast(pl.Int64))
        .otherwise(pl.col("track_id"))
        .alias("_track")
    )
    return rows.sort("source", "_track", "frame").with_columns(
        pl.struct("source", "_track").rank("dense").cast(pl.Int64).alias("key")
    )


def anchor_points(rows: pl.DataFrame, anchors: Anchor | Sequence[Anchor], *, normalized: bool) -> Array:
    """``(anchors, rows, 2)`` float64 points of each box (x right, y down)."""
    names = [anchors] if isinstance(anchors, str) else list(anchors)
    bad = [a for a in names if a not in _FRACTIONS]
    if bad or not names:
        raise AnalysisError(f"anchor: expected one or more of {list(ANCHORS)}, got {anchors!r}")
    cols = ["nx1", "ny1", "nx2", "ny2"] if normalized else ["x1", "y1", "x2", "y2"]
    x1, y1, x2, y2 = (rows[c].to_numpy().astype(np.float64) for c in cols)
    out = np.empty((len(names), rows.height, 2))
    for i, name in enumerate(names):
        fx, fy = _FRACTIONS[name]
        out[i, :, 0] = x1 + fx * (x2 - x1)
        out[i, :, 1] = y1 + fy * (y2 - y1)
    return out


def debounced(key: Array, raw: Array, min_frames: int) -> tuple[Array, Array]:
    """Each observation's settled state, and where it changes, per track (rows sorted by key, frame).

    A track settles in a state after ``min_frames`` observations in a row agree (a missing frame is
    no observation, so it never toggles the state); its first settled state holds from its first
    row. A change is reported at the first row of the run that settles it.
    """
    if min_frames < 1:
        raise AnalysisError(f"min_frames: must be >= 1, got {min_frames}")
    n = len(raw)
    if n == 0:
        return raw.astype(bool), np.zeros(0, dtype=bool)
    new_track = np.ones(n, dtype=bool)
    new_track[1:] = key[1:] != key[:-1]
    new_run = new_track.copy()
    new_run[1:] |= raw[1:] != raw[:-1]
    run = np.cumsum(new_run) - 1
    starts = np.flatnonzero(new_run)
    lengths = np.diff(np.append(starts, n))
    long_run = lengths[run] >= min_frames
    at = np.arange(n)
    first = np.maximum.accumulate(np.where(new_track, at, 0))  # each row's track's first row
    last_long = np.maximum.accumulate(np.where(long_run, at, -1))
    next_long = np.minimum.accumulate(np.where(long_run, at, n)[::-1])[::-1]
    track_end = np.append(np.flatnonzero(new_track)[1:], n)[np.cumsum(new_track) - 1]
    source = np.where(
        last_long >= first, last_long, np.where(next_long < track_end, next_long, first)
    )  # the settling run at or before the row, else the track's first one, else its first row
    settled = raw[source].astype(bool)
    change = np.zeros(n, dtype=bool)
    change[1:] = (settled[1:] != settled[:-1]) & ~new_track[1:]
    return settled, change


def frame_ends(
    rows: pl.DataFrame, at: pl.DataFrame, rate: int | Fraction | str | None
) -> dict[Key, Fraction]:
    """When each ``(source, frame, pts)`` row of ``at`` leaves the screen, exact: ``pts + 1/rate``
    when ``rate`` is given, else as ``media.frame_spans.frame_ends`` times it (the file's next frame,
    else the source's average frame over ``rows``, the table ``at`` comes from). AnalysisError naming
    a source none of these can time (one frame of a file that cannot be read)."""
    length = 1 / Fraction(rate) if rate is not None else None
    out: dict[Key, Fraction] = {}
    for (source,), group in at.select("source", "frame", "pts").unique().group_by("source"):
        frames, pts = group["frame"].to_list(), [Fraction(t) for t in group["pts"].to_list()]
        table = rows.filter(pl.col("source") == source).sort("frame")  # its first and last frame
        seen = (
            [table["frame"][0], table["frame"][-1]],
            [Fraction(table["pts"][0]), Fraction(table["pts"][-1])],
        )
        ends = shared_frame_ends(str(source), frames, pts, length, seen=seen)
        if ends is None:
            msg = f"{source}: one frame only and the file cannot be read; pass rate= to give its duration"
            raise AnalysisError(msg)
        out.update({(str(source), f): end for f, end in zip(frames, ends, strict=True)})
    return out


def text(x: Fraction) -> str:
    """Exact seconds as the tables write them: ``"1001/30000"``, or ``"2"``."""
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)
