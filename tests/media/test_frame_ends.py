"""One rule for when a sampled frame leaves the screen (``media.frame_spans.frame_ends``):
recognition's segments and analysis' zones end the same sightings at the same instant, whether
the file is readable, variable-rate, gone, or not the file the table was made from."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from timeline_lab.analysis import occupancy_segments, zone_dwell
from timeline_lab.media import frame_spans
from timeline_lab.recognition import segments

from ..analysis.test_zone_sampling import ZONE, _table, _video


def _recognised(table: pl.DataFrame) -> pl.DataFrame:
    """The zone test's table with the columns recognition's segments read."""
    pts_s = [float(Fraction(t)) for t in table["pts"].to_list()]
    return table.with_columns(
        pl.Series("pts_s", pts_s, dtype=pl.Float64),
        pl.lit(0, dtype=pl.Int32).alias("class_id"),
        pl.lit("thing").alias("class_name"),
        pl.lit(0.9, dtype=pl.Float32).alias("conf"),
    )


def _cfr(folder: Path) -> Path:
    return _video(folder / "cfr.mp4", list(range(20)))


def _vfr(folder: Path) -> Path:
    return _video(folder / "vfr.mp4", [0, 1, 2, 6, 7, 15, 16, 30])


def _short(folder: Path) -> Path:  # 10 frames at 25 fps: not the 30 fps file the table saw
    return _video(folder / "short.mp4", list(range(10)))


@pytest.mark.parametrize(
    ("make", "frames", "stamps", "end"),
    [
        (_cfr, list(range(20)), [Fraction(f, 25) for f in range(20)], Fraction(20, 25)),
        (_vfr, list(range(8)), [Fraction(t, 25) for t in (0, 1, 2, 6, 7, 15, 16, 30)], Fraction(31, 25)),
        (None, list(range(12)), [Fraction(f, 30) for f in range(12)], Fraction(12, 30)),
        (_short, list(range(30)), [Fraction(f, 30) for f in range(30)], Fraction(1)),
    ],
    ids=["cfr", "vfr", "gone", "changed"],
)
def test_segments_and_zones_end_alike(
    tmp_path: Path, make: object, frames: list[int], stamps: list[Fraction], end: Fraction
) -> None:
    source = make(tmp_path) if callable(make) else tmp_path / "gone.mp4"
    table = _table(source, frames, stamps)
    (occ,) = occupancy_segments(table, ZONE)["end"].to_list()
    (seg,) = segments(_recognised(table), by="track")["end"].to_list()
    (dwell,) = zone_dwell(table, ZONE)["dwell"].to_list()
    assert Fraction(occ) == Fraction(seg) == Fraction(dwell) + stamps[0] == end


@pytest.mark.parametrize("length", [None, Fraction(1, 10)])
def test_the_shared_rule(length: Fraction | None) -> None:
    frames, pts = [2, 5, 9], [Fraction(2, 25), Fraction(5, 25), Fraction(9, 25)]
    step = length if length is not None else Fraction(1, 25)
    assert frame_spans.frame_ends("/nowhere/a.mp4", frames, pts, length) == [t + step for t in pts]
    seen = ([0, 100], [Fraction(0), Fraction(4)])  # the table's own average frame: 1/25
    assert frame_spans.frame_ends("/nowhere/a.mp4", [7], [Fraction(7, 25)], seen=seen) == [Fraction(8, 25)]
    assert frame_spans.frame_ends("/nowhere/a.mp4", [7], [Fraction(7, 25)]) is None
    assert frame_spans.average_frame([3], [Fraction(1)]) is None
