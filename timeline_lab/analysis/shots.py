"""Shot boundaries of a video (cuts, dissolves, fades) as a Polars table, and a timeline of its shots.

One threaded decode; each frame's planes are point-sampled to about ``width`` columns (no
scaling pass), and :mod:`._boundaries` decides relative to the video's own rolling statistics,
so the default needs no threshold for film or for screen recordings.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl

from ..errors import MediaError
from ..model.media_ref import MediaReference
from ..model.project import Project
from ._boundaries import Boundary, Features, find_boundaries
from ._decode import Sampled, decode
from .edits import media_reference, project_from_ranges

__all__ = ["BOUNDARY_SCHEMA", "SHOT_SCHEMA", "project_from_shots", "shot_boundaries", "shots"]

BOUNDARY_SCHEMA = pl.Schema(
    {
        "start_frame": pl.Int64,
        "end_frame": pl.Int64,
        "start": pl.String,
        "end": pl.String,
        "kind": pl.String,
        "score": pl.Float64,
    }
)
"""One row per transition: frames ``[start_frame, end_frame)`` change (a cut: both the new shot's
first frame); ``start``/``end`` exact seconds from the stream's first frame; ``kind`` one of
cut, dissolve, fade_in, fade_out; ``score`` how far it stands above the video's own baseline."""

SHOT_SCHEMA = pl.Schema(
    {"shot": pl.Int64, "start_frame": pl.Int64, "end_frame": pl.Int64, "start": pl.String, "end": pl.String}
)
"""One row per shot: frames ``[start_frame, end_frame)`` with exact ``[start, end)`` seconds."""


def _text(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


def _scan(path: str | os.PathLike[str], width: int) -> tuple[list[Boundary], list[Fraction], Fraction]:
    """Boundaries of every shown frame's features, the frames' exact times and the last one's end."""
    frames = [f for f in decode(path, width=width) if isinstance(f, Sampled)]
    if not frames:
        raise MediaError(f"{path}: no decodable video frames")
    frames.sort(key=lambda f: f.index)
    times = [f.seconds for f in frames]
    step = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else Fraction(1, 25)
    y, u, v = (np.stack([getattr(f, p) for f in frames]) for p in ("y", "u", "v"))
    features = Features.from_planes(y, u, v)
    found = [b for b in find_boundaries(features) if b.kind != "dissolve" or _blend(b, y)]
    return found, times, times[-1] + step


SHIFT = 8  # columns (half as many rows) a pan may move the sampled picture across a dissolve window
PAN_SHARE = 0.5  # a shift explaining this much of a window's change makes it a pan, not a dissolve


def _blend(b: Boundary, y: np.ndarray[Any, Any]) -> bool:
    """Whether a dissolve candidate changes the picture rather than moving it (a pan).

    A slow pan of a smooth picture that stops or turns back fits a blend at analysis size, but
    its end frames match once one is shifted; a dissolve's ends are different shots, so no shift
    brings them together.
    """
    lo, hi = max(b.start - 1, 0), min(b.end, len(y) - 1)
    first, last = y[lo].astype(np.float32), y[hi].astype(np.float32)
    still = float(np.abs(first - last).mean())
    h, w = first.shape
    best = still
    for dy in range(-SHIFT // 2, SHIFT // 2 + 1):
        for dx in range(-SHIFT, SHIFT + 1):
            a = first[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)]
            c = last[max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]
            if a.size * 2 >= first.size:
                best = min(best, float(np.abs(a - c).mean()))
    return still == 0 or best > PAN_SHARE * still


def shot_boundaries(path: str | os.PathLike[str], *, width: int = 64) -> pl.DataFrame:
    """Cuts, dissolves and fades of ``path``'s first video stream, with exact times.

    ``width``: columns each frame is sampled to (64 is enough for shot changes; more costs memory,
    about ``width**2 / 1.2`` bytes a frame, not decode time).
    """
    found, times, end = _scan(path, width)
    return _table(found, times, end)


def _table(found: list[Boundary], times: list[Fraction], end: Fraction) -> pl.DataFrame:
    def at(k: int) -> Fraction:
        return times[k] if k < len(times) else end

    rows = [(b.start, b.end, _text(at(b.start)), _text(at(b.end)), b.kind, b.score) for b in found]
    return pl.DataFrame(rows, schema=BOUNDARY_SCHEMA, orient="row")


def _spans(boundaries: pl.DataFrame, count: int) -> list[tuple[int, int]]:
    """Frame spans of the shots: cuts split, dissolves split at their middle, black is left out."""
    spans, start = [], 0
    for row in boundaries.sort("start_frame").iter_rows(named=True):
        a, b, kind = row["start_frame"], row["end_frame"], row["kind"]
        if kind == "fade_in":
            start = a
            continue
        split = a if kind == "cut" else b if kind == "fade_out" else (a + b) // 2
        if split > start:
            spans.append((start, split))
        start = split if kind != "fade_out" else count
    if start < count:
        spans.append((start, count))
    return spans


def shots(path: str | os.PathLike[str], *, width: int = 64) -> pl.DataFrame:
    """The shots between the boundaries of ``path`` (black between a fade out and in left out)."""
    found, times, end = _scan(path, width)
    spans = _spans(_table(found, times, end), len(times))
    rows = [
        (i, a, b, _text(times[a]), _text(times[b] if b < len(times) else end))
        for i, (a, b) in enumerate(spans)
    ]
    return pl.DataFrame(rows, schema=SHOT_SCHEMA, orient="row")


def project_from_shots(
    path: str | os.PathLike[str] | MediaReference,
    *,
    boundaries: pl.DataFrame | None = None,
    rate: int | str | Fraction | None = None,
    name: str | None = None,
) -> Project:
    """A project whose V1 holds one clip per shot of ``path`` (named ``shot 1``, ``shot 2``...).

    ``boundaries``: a table from :func:`shot_boundaries` (detected when None); ``rate``: the
    project's frame rate (default: the media's).
    """
    ref = media_reference(path)
    found = boundaries if boundaries is not None else shot_boundaries(ref.path)
    count = ref.available_range.duration.to_frames(ref.rate)
    return project_from_ranges(
        ref, _spans(found, count), rate=rate, name=name or f"{ref.name} (shots)", label="shot {i}"
    )
