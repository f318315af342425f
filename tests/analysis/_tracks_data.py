"""Synthetic tracked detections (recognition's table columns) and brute-force oracles for them."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import polars as pl
from hypothesis import strategies as st

NTSC = Fraction(30000, 1001)
GRID = 12  # anchors and polygon corners on a small integer grid, so edges and corners are hit often


def table(
    observations: Sequence[tuple[int | None, int, int, int]], *, rate: Fraction = NTSC, size: int = GRID
) -> pl.DataFrame:
    """Rows ``(track, frame, x, y)`` as boxes whose bottom-centre is ``(x, y)`` (exact in float32)."""
    rows = [
        {
            "source": "clip.mp4",
            "frame": f,
            "pts": str(Fraction(f) / rate),
            "pts_s": float(Fraction(f) / rate),
            "class_id": 0,
            "class_name": "person",
            "conf": 0.9,
            "x1": x - 1.0,
            "y1": y - 2.0,
            "x2": x + 1.0,
            "y2": float(y),
            "nx1": (x - 1.0) / size,
            "ny1": (y - 2.0) / size,
            "nx2": (x + 1.0) / size,
            "ny2": y / size,
            "track_id": t,
            "model": "synthetic",
        }
        for t, f, x, y in observations
    ]
    schema = {
        "source": pl.String, "frame": pl.Int64, "pts": pl.String, "pts_s": pl.Float64, "class_id": pl.Int32,
        "class_name": pl.String, "conf": pl.Float32, "x1": pl.Float32, "y1": pl.Float32, "x2": pl.Float32,
        "y2": pl.Float32, "nx1": pl.Float32, "ny1": pl.Float32, "nx2": pl.Float32, "ny2": pl.Float32,
        "track_id": pl.Int64, "model": pl.String,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


@st.composite
def trajectories(
    draw: st.DrawFn, max_tracks: int = 4, frames: int = 30
) -> list[tuple[int | None, int, int, int]]:
    """Random walks of a few tracks on the grid, each seen in a random subset of frames (flicker)."""
    out: list[tuple[int | None, int, int, int]] = []
    for track in range(1, draw(st.integers(1, max_tracks)) + 1):
        x, y = draw(st.integers(0, GRID)), draw(st.integers(0, GRID))
        first = draw(st.integers(0, frames - 1))
        for f in range(first, draw(st.integers(first + 1, frames))):
            x = min(GRID, max(0, x + draw(st.integers(-3, 3))))
            y = min(GRID, max(0, y + draw(st.integers(-3, 3))))
            if draw(st.integers(0, 4)) > 0:  # one frame in five missing
                out.append((track, f, x, y))
    return out


def point_in_polygon(x: int, y: int, poly: list[tuple[int, int]]) -> bool:
    """Exact even-odd test by ray casting to the right, edges and corners inside."""
    inside = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1], strict=True):
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if cross == 0 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return True
        if (y1 > y) != (y2 > y):
            x_at = x1 + Fraction(y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_at:
                inside = not inside
    return inside


def settled(raw: list[bool], k: int) -> tuple[list[bool], list[bool]]:
    """One track's settled states and changes, walking its runs (the rule ``debounced`` documents)."""
    runs: list[tuple[int, int]] = []  # (first index, length)
    for i, value in enumerate(raw):
        if runs and raw[runs[-1][0]] == value:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((i, 1))
    long = [r for r in runs if r[1] >= k]
    state = raw[long[0][0]] if long else raw[0]
    states, changes = [], []
    for start, length in runs:
        value = raw[start]
        flip = length >= k and value != state
        state = value if flip else state
        states += [state] * length
        changes += [flip] + [False] * (length - 1)
    return states, changes
