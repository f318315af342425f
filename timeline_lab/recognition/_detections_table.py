"""The detections table: one row per detection, its schema declared once, built in bulk from arrays.

Times are exact: ``pts`` holds each frame's presentation time as a rational string of seconds
("1001/30000"), ``pts_s`` the same as a float for plotting and filtering.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl

from ..media.frame_spans import average_frame, frame_spans
from ..media.frame_spans import frame_ends as shared_frame_ends
from .detections import Detections
from .errors import RecognitionError

__all__ = [
    "DETECTION_SCHEMA",
    "detections_frame",
    "empty_detections",
    "fraction_str",
    "frame_durations",
    "frame_ends",
    "frame_spans",
    "shape_schema",
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
"""One row per detection. Boxes in the pixels a player shows (display matrix and SAR applied: x1..y2)
and as fractions of that picture (nx1..ny2). Pose models add ``keypoints`` and segmentation models
run by ultralytics add ``polygon`` (:func:`shape_schema`), found or not."""


def shape_schema(keypoints: int | None = None, *, polygons: bool = False) -> pl.Schema:
    """The columns a pose model (``keypoints`` per row: Array(Float32, (K, 3)), x, y, visibility in
    pixels) or an outlining segmentation model (``polygon``: List(Array(Float32, 2)), pixels) adds."""
    columns: dict[str, pl.DataType] = {}
    if keypoints is not None:
        columns["keypoints"] = pl.Array(pl.Float32, (keypoints, 3))
    if polygons:
        columns["polygon"] = pl.List(pl.Array(pl.Float32, 2))
    return pl.Schema(columns)


def fraction_str(x: Fraction) -> str:
    """Exact seconds as text: ``"1001/30000"``, or ``"2"`` for whole numbers."""
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


def empty_detections(shapes: pl.Schema | None = None) -> pl.DataFrame:
    """A table with the schema (and a model's ``shapes`` columns) and no rows."""
    return pl.Schema({**DETECTION_SCHEMA, **(shapes or {})}).to_frame()


def detections_frame(
    dets: Detections,
    *,
    source: str,
    frames: np.ndarray[Any, Any],
    pts: Sequence[Fraction],
    names: Mapping[int, str],
    size: tuple[int, int],
    model: str,
    shapes: pl.Schema | None = None,
) -> pl.DataFrame:
    """Build the table for one video; ``dets.image`` indexes ``frames``/``pts`` (all sampled frames).

    ``shapes``: the model's extra columns (:func:`shape_schema`), there even when nothing is
    found, so a table's columns follow the model, not what it saw. Strings are made once per
    sampled frame and gathered, so a million rows take milliseconds.
    """
    n = len(dets)
    if n == 0:
        return empty_detections(shapes)
    img = dets.image.astype(np.int64)
    pts_text = pl.Series([fraction_str(t) for t in pts], dtype=pl.String)
    pts_float = np.fromiter((float(t) for t in pts), dtype=np.float64, count=len(pts))
    cls = dets.class_id.astype(np.int64)
    track = dets.track_id
    columns: dict[str, Any] = {
        "source": pl.repeat(source, n, dtype=pl.String, eager=True),
        "frame": np.asarray(frames, dtype=np.int64)[img],
        "pts": pts_text.gather(img),
        "pts_s": pts_float[img],
        "class_id": cls.astype(np.int32),
        "class_name": _class_names(cls, names, source),
        "conf": dets.conf.astype(np.float32),
        **_box_columns(dets.xyxy, size),
        "track_id": pl.Series(track, dtype=pl.Int64)
        if track is not None
        else pl.repeat(None, n, dtype=pl.Int64, eager=True),
        "model": pl.repeat(model, n, dtype=pl.String, eager=True),
    }
    df = _with_shapes(pl.DataFrame(columns, schema=DETECTION_SCHEMA), dets)
    absent = [pl.lit(None, dtype=t).alias(c) for c, t in (shapes or {}).items() if c not in df.columns]
    return df.with_columns(absent) if absent else df


def _class_names(cls: np.ndarray[Any, Any], names: Mapping[int, str], source: str) -> pl.Series:
    """Each row's class name (the id as text where ``names`` skips one); an id past them is an error."""
    top = max(names, default=-1)
    lookup = pl.Series([names.get(i, str(i)) for i in range(top + 1)], dtype=pl.String)
    unknown = (cls < 0) | (cls > top)
    if unknown.any():
        raise RecognitionError(f"{source}: class ids {sorted(set(cls[unknown].tolist()))} have no name")
    return lookup.gather(cls)


def _box_columns(xyxy: np.ndarray[Any, Any], size: tuple[int, int]) -> dict[str, np.ndarray[Any, Any]]:
    """Boxes in source pixels (x1..y2) and as fractions of the ``(height, width)`` frame (nx1..ny2)."""
    height, width = size
    box = xyxy.astype(np.float32)
    norm = box / np.asarray([width, height, width, height], dtype=np.float32)
    pixels = {name: box[:, i] for i, name in enumerate(("x1", "y1", "x2", "y2"))}
    return pixels | {name: norm[:, i] for i, name in enumerate(("nx1", "ny1", "nx2", "ny2"))}


def _with_shapes(df: pl.DataFrame, dets: Detections) -> pl.DataFrame:
    """Negative track ids as null, and the keypoint and polygon columns of models that give them."""
    if dets.track_id is not None:
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
    """Exact duration of one frame per source: from the file's frame rate, else from the rows
    (``media.frame_spans.average_frame``: exact for constant-rate video, an average otherwise)."""
    out: dict[str, Fraction] = {}
    for (source,), group in df.group_by("source"):
        probed = _probed_duration(str(source))
        seen = average_frame(group["frame"].to_list(), [Fraction(t) for t in group["pts"].to_list()])
        out[str(source)] = probed if probed is not None else seen if seen is not None else Fraction(0)
    return out


def frame_ends(df: pl.DataFrame, durations: Mapping[str, Fraction] | None = None) -> pl.Series:
    """When each row's frame leaves the screen, exact text as ``pts``: when the next source frame
    replaces it (a held picture of a variable-rate source lasts until then).

    Where ``durations`` are given, ``pts`` plus the source's; where the source cannot be read,
    ``pts`` plus its average frame in ``df`` (``media.frame_spans.frame_ends``; one frame of it: its ``pts``).
    """
    keys = df.select("source", "frame", "pts").unique(maintain_order=True)
    pieces = [keys.with_columns(pl.lit(None, pl.String).alias("end")).clear()]
    for (source,), group in keys.group_by("source", maintain_order=True):
        pts = [Fraction(t) for t in group["pts"].to_list()]
        length = None if durations is None else durations.get(str(source), Fraction(0))
        ends = shared_frame_ends(str(source), group["frame"].to_list(), pts, length) or pts
        pieces.append(group.with_columns(pl.Series("end", [fraction_str(e) for e in ends], dtype=pl.String)))
    table = pl.concat(pieces)
    return df.join(table, on=["source", "frame", "pts"], how="left", maintain_order="left")["end"]
