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
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import MediaError
from ..media.probe import probe
from ..model.media_ref import MediaReference
from ..model.project import Project
from ._boundaries import CHUNK, Boundary, Features, find_boundaries, tightened
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
cut, dissolve, fade_in, fade_out (from or to black or white); ``score`` how far it stands above
the video's own baseline."""

SHOT_SCHEMA = pl.Schema(
    {"shot": pl.Int64, "start_frame": pl.Int64, "end_frame": pl.Int64, "start": pl.String, "end": pl.String}
)
"""One row per shot: frames ``[start_frame, end_frame)`` with exact ``[start, end)`` seconds."""


def _text(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


def _scan(path: str | os.PathLike[str], width: int) -> tuple[list[Boundary], list[Fraction], Fraction]:
    """Boundaries of every shown frame's features, the frames' exact times and the last one's end;
    ValueError naming ``width`` unless it is a whole number of columns, 1 or more."""
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width: expected columns >= 1 (64 is enough for shot changes), got {width!r}")
    rows, shapes, shown = _sampled(path, width)
    order = sorted(range(len(shown)), key=lambda k: shown[k][0])
    if order != list(range(len(shown))):  # (frames come in shown order; a stream's odd stamps aside)
        rows, shown = rows[order], [shown[k] for k in order]
    features = Features.from_rows(rows, shapes)
    y = rows[:, : int(np.prod(shapes[0]))].reshape(len(rows), *shapes[0])  # a view
    found = []
    for b in find_boundaries(features):
        tight = tightened(b, features.fine)
        if b.kind != "dissolve" or (_blend(b, y) and _blend(tight, y)):  # (a pan grown is still one)
            found.append(tight)
    return found, [seconds for _, seconds, _ in shown], shown[-1][2]


def _sampled(
    path: str | os.PathLike[str], width: int
) -> tuple[np.ndarray[Any, np.dtype[np.uint8]], list[tuple[int, ...]], list[tuple[int, Fraction, Fraction]]]:
    """Each shown frame's Y, U and V samples as one uint8 row, the planes' shapes, and each frame's
    (index, time, end), in decode order. Rows are written as frames come into one array sized by
    the probe's frame count (grown if more come), so no frame outlives its decode and nothing is
    stacked or copied."""
    video = probe(path).primary_video
    capacity = max(1, video.frame_count or CHUNK) if video is not None else CHUNK
    rows = np.empty((0, 0), np.uint8)
    shown: list[tuple[int, Fraction, Fraction]] = []
    shapes: list[tuple[int, ...]] = []
    for f in decode(path, width=width, deblock=False):
        if not isinstance(f, Sampled):
            continue
        if not shapes:
            shapes = [p.shape for p in (f.y, f.u, f.v)]
            rows = np.empty((capacity, sum(int(np.prod(s)) for s in shapes)), np.uint8)
        if len(shown) == len(rows):  # more frames than the probe counted
            rows = np.concatenate([rows, np.empty((max(CHUNK, len(rows) // 4), rows.shape[1]), np.uint8)])
        rows[len(shown)] = np.concatenate([f.y.ravel(), f.u.ravel(), f.v.ravel()])
        shown.append((f.index, f.seconds, f.end))
    if not shown:
        raise MediaError(f"{path}: no decodable video frames")
    return rows[: len(shown)], shapes, shown


SHIFT = 8  # columns (half as many rows) a pan may move the sampled picture, across a window or a frame
PAN_SHARE = 0.5  # a shift explaining this much of a window's change makes it a pan, not a dissolve
MOVE_SHARE = 0.85  # frame to frame: dissolves keep ~1.0 of their change under any shift, pans <= 0.75
END_SHARE = 0.95  # ... and in each third of it (the still end of a dissolve out of a pan keeps ~1.0)
PAIRS = 9  # consecutive frame pairs, evenly spread over the candidate, that the motion test looks at
F32 = np.ndarray[Any, np.dtype[np.float32]]


def _unshifted(a: F32, c: F32) -> tuple[float, float]:
    """Over pairs of ``(k, h, w)`` pictures: the summed mean difference of the middle of ``c`` from
    ``a`` unshifted, and from ``a`` at its best shift (up to ``SHIFT`` columns, half as many rows)."""
    _, h, w = a.shape
    my, mx = min(SHIFT // 2, h // 4), min(SHIFT, w // 4)
    middle = c[:, my : h - my, mx : w - mx]
    shifted = sliding_window_view(a, middle.shape[1:], axis=(1, 2))  # (k, 2my+1, 2mx+1, ...) views
    diffs = np.abs(shifted - middle[:, None, None]).mean(axis=(3, 4))
    return float(diffs[:, my, mx].sum()), float(diffs.min(axis=(1, 2)).sum())


def _blend(b: Boundary, y: np.ndarray[Any, Any]) -> bool:
    """Whether a dissolve candidate changes the picture rather than moving it (a pan).

    A slow pan of a smooth picture that stops or turns back fits a blend at analysis size, but
    its end frames match once one is shifted. A fast pan moves too far for that, but each frame
    is then a shifted copy of the one before; a dissolve's frames are not (a shift cannot undo a
    blend), so neither test passes for a real one.
    """
    lo, hi = max(b.start - 1, 0), min(b.end, len(y) - 1)
    frames = y[lo : hi + 1].astype(np.float32)
    still, best = _unshifted(frames[:1], frames[-1:])
    if still == 0:
        return True
    if best <= PAN_SHARE * still:
        return False
    return not _moving(frames)


def _moving(frames: F32) -> bool:
    """Whether the frames are mostly shifted copies of the ones before, from the first third to the
    last (a dissolve out of or into a pan is still at its other end)."""
    pairs = np.linspace(0, len(frames) - 2, PAIRS).round().astype(int)
    sums = [_unshifted(frames[p], frames[p + 1]) for p in np.array_split(pairs, 3)]
    still, best = (sum(x) for x in zip(*sums, strict=True))
    return best < MOVE_SHARE * still and all(b < END_SHARE * s for s, b in sums)


def shot_boundaries(path: str | os.PathLike[str], *, width: int = 64) -> pl.DataFrame:
    """Cuts, dissolves and fades of ``path``'s default video stream (the render's), with exact times.

    ``width``: columns each frame is sampled to (64 is enough for shot changes; more costs memory,
    not decode time). Memory: about ``5 * width**2`` bytes a 16:9 frame (its uint8 samples and
    float32 block means: ~20 KiB at 64, 3.2 GiB for a two-hour film at 24 fps), plus a constant
    few tens of MiB for the chunks converted at a time.
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
