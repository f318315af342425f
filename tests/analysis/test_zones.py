"""Polygon zones against a brute-force per-frame point-in-polygon oracle on random trajectories."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.analysis import (
    OCCUPANCY_SCHEMA,
    ZONE_FRAME_SCHEMA,
    ZONE_TRACK_SCHEMA,
    AnalysisError,
    Zone,
    occupancy_segments,
    zone_counts,
    zone_dwell,
)

from ._tracks_data import GRID, NTSC, point_in_polygon, settled, table, trajectories

POLYGONS = {
    "square": [(2, 2), (9, 2), (9, 9), (2, 9)],
    "concave_l": [(1, 1), (10, 1), (10, 4), (4, 4), (4, 10), (1, 10)],
    "concave_arrow": [(0, 0), (12, 6), (0, 12), (5, 6)],
    "triangle": [(3, 1), (11, 11), (1, 8)],
}


def _oracle(
    obs: list[tuple[int | None, int, int, int]], poly: list[tuple[int, int]], k: int
) -> dict[str, Counter[int]]:
    by_track: dict[int, list[tuple[int, bool]]] = {}
    for t, f, x, y in obs:
        assert t is not None
        by_track.setdefault(t, []).append((f, point_in_polygon(x, y, poly)))
    inside: Counter[int] = Counter()
    entered: Counter[int] = Counter()
    exited: Counter[int] = Counter()
    for rows in by_track.values():
        rows.sort()
        states, changes = settled([r for _, r in rows], k)
        for (f, _), s, c in zip(rows, states, changes, strict=True):
            inside[f] += s
            entered[f] += c and s
            exited[f] += c and not s
    return {"inside": inside, "entered": entered, "exited": exited}


@pytest.mark.parametrize("name", sorted(POLYGONS))
@settings(max_examples=40, deadline=None)
@given(obs=trajectories(), k=st.integers(1, 3))
def test_counts_match_the_oracle(name: str, obs: list[tuple[int | None, int, int, int]], k: int) -> None:
    poly = POLYGONS[name]
    got = zone_counts(table(obs), Zone(poly), min_frames=k)
    assert got.schema == ZONE_FRAME_SCHEMA
    want = _oracle(obs, poly, k)
    for column, counter in want.items():
        assert dict(zip(got["frame"], got[column], strict=True)) == {f: counter[f] for f in got["frame"]}
    assert sorted(got["frame"]) == sorted({f for _, f, _, _ in obs})


@settings(max_examples=30, deadline=None)
@given(obs=trajectories())
def test_normalised_zone_is_the_same_zone(obs: list[tuple[int | None, int, int, int]]) -> None:
    poly = POLYGONS["concave_l"]
    pixels = zone_counts(table(obs), Zone(poly))
    scaled = Zone([(x / 8, y / 8) for x, y in poly], normalized=True)  # exact in binary
    assert zone_counts(table(obs, size=8), scaled).equals(pixels)


def test_a_missing_frame_is_not_an_exit() -> None:
    obs = [(1, f, 5, 5) for f in (0, 1, 2, 5, 6)]  # frames 3 and 4 not detected
    got = zone_counts(table(obs), Zone(POLYGONS["square"]))
    assert got["entered"].sum() == 0 and got["exited"].sum() == 0
    dwell = zone_dwell(table(obs), Zone(POLYGONS["square"]))
    assert dwell["dwell_frames"].to_list() == [7] and dwell["frames_inside"].to_list() == [5]


def test_min_frames_ignores_a_one_frame_excursion() -> None:
    xs = [0, 0, 5, 5, 0, 5, 5, 5, 0, 0]  # out, in, one frame out, in, out
    obs = [(1, f, x, 5) for f, x in enumerate(xs)]
    zone = Zone(POLYGONS["square"])
    once = zone_counts(table(obs), zone, min_frames=1)
    assert once["entered"].sum() == 2 and once["exited"].sum() == 2
    twice = zone_counts(table(obs), zone, min_frames=2)
    entered = twice.filter(pl.col("entered") > 0)["frame"].to_list()
    exited = twice.filter(pl.col("exited") > 0)["frame"].to_list()
    assert entered == [2] and exited == [8]  # dated at the first frame of the settling run


def test_box_on_the_edge_and_corner_is_inside() -> None:
    obs = [(1, 0, 2, 5), (2, 0, 9, 9), (3, 0, 10, 5)]
    got = zone_counts(table(obs), Zone(POLYGONS["square"]))
    assert got["inside"].to_list() == [2]


def test_several_anchors_must_all_be_inside() -> None:
    obs = [(1, 0, 2, 5)]  # bottom-centre on the left edge, the box's left side outside
    zone = Zone(POLYGONS["square"])
    assert zone_counts(table(obs), zone, anchor=["bottom_left", "bottom_right"])["inside"].to_list() == [0]
    assert zone_counts(table(obs), zone, anchor="bottom_right")["inside"].to_list() == [1]


def test_dwell_is_exact_at_ntsc() -> None:
    obs = [(7, f, 5 if 10 <= f < 40 else 0, 5) for f in range(60)]
    dwell = zone_dwell(table(obs), Zone(POLYGONS["square"]))
    assert dwell.schema == ZONE_TRACK_SCHEMA
    row = dwell.row(0, named=True)
    assert (row["first_frame"], row["last_frame"], row["dwell_frames"]) == (10, 39, 30)
    assert Fraction(row["dwell"]) == 30 / NTSC == Fraction(1001, 1000)
    assert (row["entries"], row["exits"]) == (1, 1)


def test_occupancy_segments_merge_gaps_and_drop_short_ones() -> None:
    present = [*range(10, 20), *range(22, 30), 40, 41]
    obs = [(1, f, 5, 5) for f in present] + [(2, f, 0, 0) for f in range(60)]
    zone = Zone(POLYGONS["square"], name="door")
    split = occupancy_segments(table(obs), zone)
    assert split.schema == OCCUPANCY_SCHEMA
    assert split.select("start_frame", "end_frame").rows() == [(10, 20), (22, 30), (40, 42)]
    merged = occupancy_segments(table(obs), zone, gap_frames=2, min_frames=3)
    assert merged.select("start_frame", "end_frame").rows() == [(10, 30)]
    row = merged.row(0, named=True)
    assert Fraction(row["start"]) == 10 / NTSC and Fraction(row["end"]) == 30 / NTSC
    assert row["class_name"] == "door" and row["frames"] == 18


def test_untracked_rows_count_but_never_enter() -> None:
    obs: list[tuple[int | None, int, int, int]] = [(None, 0, 5, 5), (None, 1, 0, 0), (None, 2, 5, 5)]
    got = zone_counts(table(obs), Zone(POLYGONS["square"]))
    assert got["inside"].to_list() == [1, 0, 1] and got["entered"].sum() == 0
    assert zone_dwell(table(obs), Zone(POLYGONS["square"])).is_empty()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: Zone([(0, 0), (1, 1)]), "3 or more"),
        (lambda: Zone([(0, 0), (1, float("nan")), (2, 0)]), "finite"),
        (lambda: zone_counts(table([(1, 0, 1, 1)]).drop("track_id"), Zone(POLYGONS["square"])), "tracker="),
        (lambda: zone_counts(table([(1, 0, 1, 1), (1, 0, 2, 2)]), Zone(POLYGONS["square"])), "two rows"),
        (lambda: zone_counts(table([(1, 0, 1, 1)]), Zone(POLYGONS["square"]), min_frames=0), "min_frames"),
        (lambda: zone_counts(table([(1, 0, 1, 1)]), Zone(POLYGONS["square"]), anchor="middle"), "anchor"),  # type: ignore[arg-type]
    ],
)
def test_errors_say_what(call: object, error: str) -> None:
    with pytest.raises(AnalysisError, match=error):
        call()  # type: ignore[operator]


def test_grid_constant_matches_the_polygons() -> None:
    assert all(0 <= c <= GRID for poly in POLYGONS.values() for p in poly for c in p)


def test_empty_tables_keep_their_schemas() -> None:
    from timeline_lab.recognition.tables import empty_detections

    empty, zone = empty_detections(), Zone(POLYGONS["square"])
    assert zone_counts(empty, zone).schema == ZONE_FRAME_SCHEMA
    assert zone_dwell(empty, zone).schema == ZONE_TRACK_SCHEMA
    assert occupancy_segments(empty, zone).schema == OCCUPANCY_SCHEMA


def test_sources_are_counted_apart() -> None:
    one = table([(1, f, 0 if f < 3 else 5, 5) for f in range(6)])
    two = one.with_columns(source=pl.lit("other.mp4"))
    got = zone_counts(pl.concat([one, two]), Zone(POLYGONS["square"]))
    assert got.group_by("source").agg(pl.col("entered").sum()).sort("source")["entered"].to_list() == [1, 1]
