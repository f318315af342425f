"""The detections table (one schema, declared once) and its aggregations: segments, counts, summary.

Times are exact: ``pts`` holds each frame's presentation time as a rational string of seconds
("1001/30000"), ``pts_s`` the same as a float for plotting and filtering. Segment starts and
ends are exact too, computed from the exact frame times and frame duration.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import polars as pl

from .detections import Detections
from .errors import RecognitionError

__all__ = [
    "DETECTION_SCHEMA",
    "SEGMENT_SCHEMA",
    "counts_per_second",
    "detections_frame",
    "empty_detections",
    "fraction_str",
    "frame_durations",
    "segments",
    "summary",
]

DETECTION_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "frame": pl.Int64,
        "pts": pl.String,
        "pts_s": pl.Float64,
        "class_id": pl.Int32,
        "class_name": pl.String,
        "conf": pl.Float32,
        "x1": pl.Float32,
        "y1": pl.Float32,
        "x2": pl.Float32,
        "y2": pl.Float32,
        "nx1": pl.Float32,
        "ny1": pl.Float32,
        "nx2": pl.Float32,
        "ny2": pl.Float32,
        "track_id": pl.Int64,
        "model": pl.String,
    }
)
"""One row per detection. Boxes in source pixels (x1..y2) and as fractions of the frame (nx1..ny2).
Pose models add ``keypoints`` (Array(Float32, (K, 3)): x, y, visibility in pixels); segmentation
models run by ultralytics add ``polygon`` (List(Array(Float32, 2)), pixels)."""

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
"""One row per continuous presence: ``[start, end)`` exact (end = last frame seen + one frame)."""


def fraction_str(x: Fraction) -> str:
    """Exact seconds as text: ``"1001/30000"``, or ``"2"`` for whole numbers."""
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


def empty_detections() -> pl.DataFrame:
    """A table with the schema and no rows."""
    return DETECTION_SCHEMA.to_frame()


def detections_frame(
    dets: Detections,
    *,
    source: str,
    frames: np.ndarray[Any, Any],
    pts: Sequence[Fraction],
    names: Mapping[int, str],
    size: tuple[int, int],
    model: str,
) -> pl.DataFrame:
    """Build the table for one video; ``dets.image`` indexes ``frames``/``pts`` (all sampled frames).

    Strings are made once per sampled frame and gathered, so a million rows take milliseconds.
    """
    n = len(dets)
    if n == 0:
        return empty_detections()
    height, width = size
    img = dets.image.astype(np.int64)
    pts_text = pl.Series([fraction_str(t) for t in pts], dtype=pl.String)
    pts_float = np.fromiter((float(t) for t in pts), dtype=np.float64, count=len(pts))
    top = max(names, default=-1)
    lookup = pl.Series([names.get(i, str(i)) for i in range(top + 1)], dtype=pl.String)
    cls = dets.class_id.astype(np.int64)
    unknown = (cls < 0) | (cls > top)
    if unknown.any():
        raise RecognitionError(f"{source}: class ids {sorted(set(cls[unknown].tolist()))} have no name")
    xyxy = dets.xyxy.astype(np.float32)
    scale = np.asarray([width, height, width, height], dtype=np.float32)
    norm = xyxy / scale
    track = dets.track_id
    columns: dict[str, Any] = {
        "source": pl.repeat(source, n, dtype=pl.String, eager=True),
        "frame": np.asarray(frames, dtype=np.int64)[img],
        "pts": pts_text.gather(img),
        "pts_s": pts_float[img],
        "class_id": cls.astype(np.int32),
        "class_name": lookup.gather(cls),
        "conf": dets.conf.astype(np.float32),
        "x1": xyxy[:, 0],
        "y1": xyxy[:, 1],
        "x2": xyxy[:, 2],
        "y2": xyxy[:, 3],
        "nx1": norm[:, 0],
        "ny1": norm[:, 1],
        "nx2": norm[:, 2],
        "ny2": norm[:, 3],
        "track_id": pl.Series(track, dtype=pl.Int64)
        if track is not None
        else pl.repeat(None, n, dtype=pl.Int64, eager=True),
        "model": pl.repeat(model, n, dtype=pl.String, eager=True),
    }
    df = pl.DataFrame(columns, schema=DETECTION_SCHEMA)
    if track is not None:
        df = df.with_columns(pl.when(pl.col("track_id") >= 0).then(pl.col("track_id")).alias("track_id"))
    if dets.keypoints is not None:
        df = df.with_columns(pl.Series("keypoints", dets.keypoints.astype(np.float32)))
    if dets.polygons is not None:
        polys = [p.astype(np.float32).tolist() for p in dets.polygons]
        df = df.with_columns(pl.Series("polygon", polys, dtype=pl.List(pl.Array(pl.Float32, 2))))
    return df


# --- exact frame durations ----------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _probed_duration(source: str) -> Fraction | None:
    from ..media.probe import probe

    try:
        video = probe(source).primary_video
    except Exception:  # the file moved or is not readable: fall back to the table itself
        return None
    return 1 / video.frame_rate if video is not None else None


def frame_durations(df: pl.DataFrame) -> dict[str, Fraction]:
    """Exact duration of one frame per source: from the file's frame rate, else from the rows.

    The fallback divides the exact time span between the first and last frame seen by their
    index difference (exact for constant-rate video, an average otherwise).
    """
    out: dict[str, Fraction] = {}
    spans = df.group_by("source").agg(
        pl.col("frame").min().alias("f0"),
        pl.col("frame").max().alias("f1"),
        pl.col("pts").sort_by("frame").first().alias("t0"),
        pl.col("pts").sort_by("frame").last().alias("t1"),
    )
    for source, f0, f1, t0, t1 in spans.iter_rows():
        probed = _probed_duration(source)
        if probed is not None:
            out[source] = probed
        elif f1 > f0:
            out[source] = (Fraction(t1) - Fraction(t0)) / (f1 - f0)
        else:
            out[source] = Fraction(0)
    return out


# --- aggregations ---------------------------------------------------------------------------
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
        Exact frame duration per source (default: :func:`frame_durations`).
    """
    if by not in ("class", "track"):
        raise RecognitionError(f"by: expected 'class' or 'track', got {by!r}")
    rows = df.filter(pl.col("track_id").is_not_null()) if by == "track" else df
    if rows.is_empty():
        return SEGMENT_SCHEMA.to_frame()
    fds = dict(durations) if durations is not None else frame_durations(rows)
    sources = rows["source"].unique(maintain_order=True).to_list()
    sid = (
        rows["source"].replace_strict({s: i for i, s in enumerate(sources)}, return_dtype=pl.Int64).to_numpy()
    )
    frame = rows["frame"].to_numpy()
    pts_s = rows["pts_s"].to_numpy()
    keys = [sid, rows["class_id"].to_numpy()] + ([rows["track_id"].to_numpy()] if by == "track" else [])
    order = np.lexsort((frame, *reversed(keys)))  # by source, class (track), then frame
    keys = [k[order] for k in keys]
    frame, pts_s, sid = frame[order], pts_s[order], sid[order]
    fd = np.asarray([float(fds.get(s, 0)) for s in sources])[sid]
    bridge = _gaps(sources, sid, pts_s, fds, gap)[sid]
    new_seg = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        same = np.logical_and.reduce([k[1:] == k[:-1] for k in keys])
        hole = pts_s[1:] - (pts_s[:-1] + fd[1:])
        new_seg[1:] = ~same | (hole > bridge[1:] + 1e-9)
    starts = np.flatnonzero(new_seg)
    lasts = np.append(starts[1:], len(order)) - 1
    new_frame = new_seg.copy()
    new_frame[1:] |= frame[1:] != frame[:-1]
    conf = rows["conf"].to_numpy()[order].astype(np.float64)
    first_rows, last_rows = order[starts], order[lasts]
    head = rows[first_rows].select(
        "source", "class_id", "class_name", "track_id", pl.col("pts").alias("start")
    )
    agg = head.with_columns(
        rows["pts"].gather(last_rows).alias("last"),
        pl.Series("start_s", pts_s[starts], dtype=pl.Float64),
        pl.Series("frames", np.add.reduceat(new_frame.astype(np.int64), starts), dtype=pl.UInt32),
        pl.Series("detections", lasts - starts + 1, dtype=pl.UInt32),
        pl.Series("max_conf", np.maximum.reduceat(conf, starts), dtype=pl.Float32),
        pl.Series("mean_conf", np.add.reduceat(conf, starts) / (lasts - starts + 1), dtype=pl.Float32),
    )
    out = _with_exact_ends(agg, fds, Fraction(min_duration))
    if by == "class":
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("track_id"))
    return out.select(list(SEGMENT_SCHEMA.names())).cast(SEGMENT_SCHEMA)


def _rational(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Numerator and denominator of an exact ``"n/d"`` (or ``"n"``) column, as Int64."""
    parts = pl.col(column).str.split_exact("/", 1)
    return (
        parts.struct.field("field_0").cast(pl.Int64),
        parts.struct.field("field_1").cast(pl.Int64).fill_null(1),
    )


_SAFE = 2**62


def _with_exact_ends(agg: pl.DataFrame, fds: Mapping[str, Fraction], min_duration: Fraction) -> pl.DataFrame:
    """Add ``end`` (last frame seen + one frame, exact), ``end_s``, ``duration_s``; apply ``min_duration``.

    Integer arithmetic on numerator/denominator columns (vectorized); exact Fractions only where
    int64 could overflow or a duration sits on the ``min_duration`` boundary.
    """
    if agg.is_empty():
        return agg.with_columns(
            pl.lit(None, pl.String).alias("end"),
            pl.lit(None, pl.Float64).alias("end_s"),
            pl.lit(None, pl.Float64).alias("duration_s"),
        )
    fd = pl.DataFrame(
        {
            "source": list(fds),
            "fdn": [f.numerator for f in fds.values()],
            "fdd": [f.denominator for f in fds.values()],
        },
        schema={"source": pl.String, "fdn": pl.Int64, "fdd": pl.Int64},
    )
    ln, ld = _rational("last")
    parts = agg.join(fd, on="source", how="left", maintain_order="left").select(
        ln.alias("ln"), ld.alias("ld"), "fdn", "fdd"
    )
    a, b, fn, fdn = (parts[c].to_numpy().astype(np.int64) for c in ("ln", "ld", "fdn", "fdd"))
    big = max(int(np.abs(a).max()), int(b.max()), int(fn.max())) * int(fdn.max()) * 2
    if big < _SAFE:
        num, den = a * fdn + fn * b, b * fdn
        g = np.gcd(num, den)
        num, den = num // g, den // g
        pair = pl.DataFrame({"n": num, "d": den})
        text = pair.select(
            pl.when(pl.col("d") == 1)
            .then(pl.col("n").cast(pl.String))
            .otherwise(pl.format("{}/{}", "n", "d"))
            .alias("end")
        ).to_series()
        ends_s = num / den
    else:  # pragma: no cover - time bases beyond int64 products
        exact = [Fraction(t) + fds[s] for s, t in zip(agg["source"], agg["last"], strict=True)]
        text = pl.Series("end", [fraction_str(e) for e in exact], dtype=pl.String)
        ends_s = np.asarray([float(e) for e in exact])
    out = agg.with_columns(
        text.alias("end"),
        pl.Series("end_s", ends_s, dtype=pl.Float64),
    ).with_columns((pl.col("end_s") - pl.col("start_s")).alias("duration_s"))
    if min_duration <= 0:
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
        times = np.unique(pts_s[sid == i])
        steps = np.diff(times)
        steps = steps[steps > 0]
        sampled = float(steps.min()) if steps.size else None
        hole = 0.0 if sampled is None else sampled * 1.5 - float(fds.get(source, 0))
        out[i] = max(0.5, hole)
    return out


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
