"""Segments: continuous presence of a class or track, with exact ``[start, end)`` from frame times.

A segment ends when its last frame leaves the screen: when the source's next frame replaces it
(:func:`frame_ends`), so a variable-rate source's held picture counts to its own end.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import polars as pl

from ..media.frame_spans import sampling_step, strided_hole
from ._detections_table import frame_durations, frame_ends
from .errors import RecognitionError

__all__ = ["SEGMENT_SCHEMA", "segments"]

SEGMENT_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "class_id": pl.Int32,
        "class_name": pl.String,
        "track_id": pl.Int64,
        "start": pl.String,
        "end": pl.String,
        "start_s": pl.Float64,
        "end_s": pl.Float64,
        "duration_s": pl.Float64,
        "frames": pl.UInt32,
        "detections": pl.UInt32,
        "max_conf": pl.Float32,
        "mean_conf": pl.Float32,
    }
)
"""One row per continuous presence: ``[start, end)`` exact (end: when its last frame leaves the screen)."""


def segments(
    df: pl.DataFrame,
    *,
    by: Literal["class", "track"] = "class",
    gap: float | Fraction | None = None,
    min_duration: float | Fraction | str = 0,
    durations: Mapping[str, Fraction] | None = None,
) -> pl.DataFrame:
    """Continuous presence of each class (or each track) as ``[start, end)`` segments.

    Parameters
    ----------
    gap:
        Longest hole (seconds, from the end of one sighting to the next) still bridged. Default:
        1.5 sampling steps, at least half a second, so strided sampling does not fragment.
    min_duration:
        Drop segments shorter than this many seconds (compared exactly).
    durations:
        Exact frame duration per source, for every frame; default: each frame lasts until the
        source's next frame (:func:`frame_ends`), else :func:`frame_durations`.
    """
    if by not in ("class", "track"):
        raise RecognitionError(f"by: expected 'class' or 'track', got {by!r}")
    rows = df.filter(pl.col("track_id").is_not_null()) if by == "track" else df
    if rows.is_empty():
        return SEGMENT_SCHEMA.to_frame()
    fds = dict(durations) if durations is not None else frame_durations(rows)
    ends = frame_ends(rows, durations)
    end_s = _floats(ends)
    order, new_seg = _segment_starts(rows, fds, end_s, gap, by)
    agg = _aggregate(rows, ends, end_s, order, new_seg)
    out = _with_durations(agg, Fraction(min_duration))
    if by == "class":
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("track_id"))
    return out.select(list(SEGMENT_SCHEMA.names())).cast(SEGMENT_SCHEMA)


def _floats(exact: pl.Series) -> np.ndarray[Any, np.dtype[np.float64]]:
    """An exact ``"n/d"`` text column as float seconds."""
    n, d = _rational(exact.name)
    return exact.to_frame().select(n.cast(pl.Float64) / d.cast(pl.Float64)).to_series().to_numpy()


def _segment_starts(
    rows: pl.DataFrame,
    fds: Mapping[str, Fraction],
    end_s: np.ndarray[Any, Any],
    gap: float | Fraction | None,
    by: str,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Row order by source, class (track) and frame, and where in it each segment starts.

    A segment starts at a new source, class or track, or after a hole longer than the bridged gap.
    """
    sources = rows["source"].unique(maintain_order=True).to_list()
    sid = (
        rows["source"].replace_strict({s: i for i, s in enumerate(sources)}, return_dtype=pl.Int64).to_numpy()
    )
    frame = rows["frame"].to_numpy()
    pts_s = rows["pts_s"].to_numpy()
    keys = [sid, rows["class_id"].to_numpy()] + ([rows["track_id"].to_numpy()] if by == "track" else [])
    order = np.lexsort((frame, *reversed(keys)))  # by source, class (track), then frame
    keys = [k[order] for k in keys]
    pts_s, sid, end_s = pts_s[order], sid[order], end_s[order]
    bridge = _gaps(sources, sid, pts_s, fds, gap)[sid]
    new_seg = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        same = np.logical_and.reduce([k[1:] == k[:-1] for k in keys])
        hole = pts_s[1:] - end_s[:-1]  # from when one sighting's frame leaves the screen
        new_seg[1:] = ~same | (hole > bridge[1:] + 1e-9)
    return order, new_seg


def _aggregate(
    rows: pl.DataFrame,
    ends: pl.Series,
    end_s: np.ndarray[Any, Any],
    order: np.ndarray[Any, Any],
    new_seg: np.ndarray[Any, Any],
) -> pl.DataFrame:
    """One row per segment: its first row's keys and time, its last frame's end, frame and
    detection counts, and its confidences."""
    frame = rows["frame"].to_numpy()[order]
    pts_s = rows["pts_s"].to_numpy()[order]
    starts = np.flatnonzero(new_seg)
    lasts = np.append(starts[1:], len(order)) - 1
    new_frame = new_seg.copy()
    new_frame[1:] |= frame[1:] != frame[:-1]
    conf = rows["conf"].to_numpy()[order].astype(np.float64)
    first_rows, last_rows = order[starts], order[lasts]
    head = rows[first_rows].select(
        "source", "class_id", "class_name", "track_id", pl.col("pts").alias("start")
    )
    return head.with_columns(
        ends.gather(last_rows).alias("end"),
        pl.Series("start_s", pts_s[starts], dtype=pl.Float64),
        pl.Series("end_s", end_s[last_rows], dtype=pl.Float64),
        pl.Series("frames", np.add.reduceat(new_frame.astype(np.int64), starts), dtype=pl.UInt32),
        pl.Series("detections", lasts - starts + 1, dtype=pl.UInt32),
        pl.Series("max_conf", np.maximum.reduceat(conf, starts), dtype=pl.Float32),
        pl.Series("mean_conf", np.add.reduceat(conf, starts) / (lasts - starts + 1), dtype=pl.Float32),
    )


def _rational(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Numerator and denominator of an exact ``"n/d"`` (or ``"n"``) column, as Int64."""
    parts = pl.col(column).str.split_exact("/", 1)
    return (
        parts.struct.field("field_0").cast(pl.Int64),
        parts.struct.field("field_1").cast(pl.Int64).fill_null(1),
    )


def _with_durations(agg: pl.DataFrame, min_duration: Fraction) -> pl.DataFrame:
    """Add ``duration_s`` and drop segments shorter than ``min_duration`` (borderline ones decided
    exactly)."""
    out = agg.with_columns((pl.col("end_s") - pl.col("start_s")).alias("duration_s"))
    if min_duration <= 0 or out.is_empty():
        return out
    limit = float(min_duration)
    out = out.filter(pl.col("duration_s") >= limit - 1e-6)
    edge = (out["duration_s"] < limit + 1e-6).to_numpy()
    if edge.any():  # decide the borderline ones exactly
        keep = np.ones(out.height, dtype=bool)
        for i in np.flatnonzero(edge):
            keep[i] = Fraction(out["end"][int(i)]) - Fraction(out["start"][int(i)]) >= min_duration
        out = out.filter(pl.Series(keep))
    return out


def _gaps(
    sources: list[str],
    sid: np.ndarray[Any, Any],
    pts_s: np.ndarray[Any, Any],
    fds: Mapping[str, Fraction],
    gap: float | Fraction | None,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Per source (by index), the largest hole in seconds that a segment may bridge."""
    if gap is not None:
        if gap < 0:
            raise RecognitionError(f"gap: must be >= 0 seconds, got {gap}")
        return np.full(len(sources), float(gap))
    out = np.empty(len(sources))
    for i, source in enumerate(sources):
        out[i] = max(0.5, strided_hole(sampling_step(pts_s[sid == i]), float(fds.get(source, 0))))
    return out
