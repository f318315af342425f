"""Line crossings against supervision's algorithm (side per frame, count on change) as an oracle."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.analysis import (
    CROSSING_SCHEMA,
    LINE_FRAME_SCHEMA,
    AnalysisError,
    Line,
    line_counts,
    line_crossings,
)

from ._tracks_data import GRID, NTSC, settled, table, trajectories

Obs = Sequence[tuple[int | None, int, int, int]]


def _side(x: int, y: int, start: tuple[int, int], end: tuple[int, int]) -> int:
    """-1 left, 1 right, 0 on the line or beyond an end (exact integers)."""
    (sx, sy), (ex, ey) = start, end
    dx, dy, px, py = ex - sx, ey - sy, x - sx, y - sy
    along = dx * px + dy * py
    if not 0 <= along <= dx * dx + dy * dy:
        return 0
    cross = dx * py - dy * px
    return (cross > 0) - (cross < 0)


def _oracle(obs: Obs, start: tuple[int, int], end: tuple[int, int], k: int) -> list[tuple[int, int, str]]:
    """supervision's LineZone loop for k=1; the settled-run rule for k > 1."""
    out = []
    for track in sorted({t for t, _, _, _ in obs if t is not None}):
        rows = sorted((f, _side(x, y, start, end)) for t, f, x, y in obs if t == track)
        seen = [(f, s < 0) for f, s in rows if s != 0]
        if not seen:
            continue
        if k == 1:
            last = None
            for f, left in seen:
                if last is not None and left != last:
                    out.append((track, f, "in" if left else "out"))
                last = left
        else:
            states, changes = settled([left for _, left in seen], k)
            out += [
                (track, f, "in" if s else "out")
                for (f, _), s, c in zip(seen, states, changes, strict=True)
                if c
            ]
    return sorted(out, key=lambda r: (r[1], r[0]))


points = st.tuples(st.integers(0, GRID), st.integers(0, GRID))


@settings(max_examples=150, deadline=None)
@given(obs=trajectories(), start=points, end=points, k=st.integers(1, 3))
def test_crossings_match_the_oracle(obs: Obs, start: tuple[int, int], end: tuple[int, int], k: int) -> None:
    if start == end:
        return
    got = line_crossings(table(obs), Line(start, end), min_frames=k)
    assert got.schema == CROSSING_SCHEMA
    assert got.select("track_id", "frame", "direction").rows() == _oracle(obs, start, end, k)


def test_left_to_right_line_counts_upward_motion_in() -> None:
    ys = [10, 8, 6, 4, 2, 4, 6, 8]  # up across y=5, then back down
    obs: Obs = [(1, f, 6, y) for f, y in enumerate(ys)]
    got = line_crossings(table(obs), Line((0, 5), (12, 5)))
    assert got.select("frame", "direction").rows() == [(3, "in"), (6, "out")]
    assert Fraction(got["pts"][0]) == 3 / NTSC


def test_touching_the_line_is_no_side_and_a_flicker_is_no_crossing() -> None:
    obs: Obs = [(1, 0, 6, 8), (1, 1, 6, 5), (1, 2, 6, 8), (1, 5, 6, 8)]  # frame 1 on the line
    assert line_crossings(table(obs), Line((0, 5), (12, 5))).is_empty()


def test_beyond_the_end_does_not_count() -> None:
    obs: Obs = [(1, 0, 11, 8), (1, 1, 11, 2)]
    assert line_crossings(table(obs), Line((0, 5), (10, 5))).is_empty()
    assert line_crossings(table(obs), Line((0, 5), (12, 5))).height == 1


def test_straddling_box_keeps_its_side_with_corner_anchors() -> None:
    obs: Obs = [(1, 0, 6, 8), (1, 1, 6, 6), (1, 2, 6, 3)]  # frame 1: box y 4..6 straddles y=5
    corners = ["top_left", "top_right", "bottom_left", "bottom_right"]
    got = line_crossings(table(obs), Line((0, 5), (12, 5)), anchor=corners)  # type: ignore[arg-type]
    assert got["frame"].to_list() == [2]


def test_counts_per_frame_and_totals() -> None:
    obs: Obs = [(1, f, 6, 10 - 2 * f) for f in range(5)] + [(2, f, 3, 2 + 2 * f) for f in range(5)]
    got = line_counts(table(obs), Line((0, 5), (12, 5)))
    assert got.schema == LINE_FRAME_SCHEMA
    assert got.filter(pl.col("frame") == 4).select("in_total", "out_total").row(0) == (1, 1)
    assert got["crossed_in"].sum() == 1 and got["frame"].to_list() == list(range(5))


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: Line((1, 1), (1, 1)), "distinct"),
        (lambda: Line((1, float("inf")), (1, 2)), "finite"),
        (lambda: line_crossings(table([(1, 0, 1, 1)]), Line((0, 0), (1, 1)), min_frames=0), "min_frames"),
    ],
)
def test_errors_say_what(call: object, error: str) -> None:
    with pytest.raises(AnalysisError, match=error):
        call()  # type: ignore[operator]
