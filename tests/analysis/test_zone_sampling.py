"""Zones over tables sampled with a stride (``every=``/``fps=``), over several files, and over
variable-rate files: presence is bridged across the sampling's own holes, and every span and
dwell ends when its last frame leaves the screen, as ``recognition.segments`` counts it."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import polars as pl
import pytest

from timeline_lab.analysis import Zone, occupancy_segments, zone_dwell
from timeline_lab.analysis._tracks import AnalysisError

W, H = 64, 48
ZONE = Zone([(0, 0), (W, 0), (W, H), (0, H)], name="all")


def _video(path: Path, stamps: list[int]) -> Path:
    """A small video whose frames are shown at ``stamps`` / 25 s."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.codec_context.time_base = Fraction(1, 25)
        for pts in stamps:
            frame = av.VideoFrame.from_ndarray(np.zeros((H, W, 3), np.uint8), "rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 25)
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return path


def _table(source: Path | str, frames: list[int], times: list[Fraction], track: int = 1) -> pl.DataFrame:
    """One tracked box inside the zone on each of ``frames`` (shown at ``times``)."""
    n = len(frames)
    box = {"x1": [8.0] * n, "y1": [8.0] * n, "x2": [24.0] * n, "y2": [24.0] * n}
    return pl.DataFrame(
        {
            "source": [str(source)] * n,
            "frame": frames,
            "pts": [f"{t.numerator}/{t.denominator}" for t in times],
            **box,
            "nx1": [0.1] * n,
            "ny1": [0.1] * n,
            "nx2": [0.4] * n,
            "ny2": [0.4] * n,
            "track_id": [track] * n,
        }
    )


@pytest.fixture(scope="module")
def cfr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _video(tmp_path_factory.mktemp("zones") / "cfr.mp4", list(range(50)))


@pytest.mark.parametrize(
    ("frames", "every"),
    [
        (list(range(0, 50, 2)), 2),
        (list(range(0, 50, 3)), 3),
        (list(range(0, 50, 5)), 5),
        ([0, 2, 5, 7, 10, 12, 15, 17, 20, 22, 25], "5/2"),  # fps=10 of 25: steps 2, 3, 2, 3...
        ([1, 7, 13, 19, 25, 31], 6),
    ],
)
def test_a_strided_table_is_one_span(cfr: Path, frames: list[int], every: int | str) -> None:
    occ = occupancy_segments(_table(cfr, frames, [Fraction(f, 25) for f in frames]), ZONE, every=every)
    assert occ.select("start_frame", "end_frame").rows() == [(frames[0], frames[-1] + 1)]
    assert Fraction(occ["end"][0]) == Fraction(frames[-1] + 1, 25)


@pytest.mark.parametrize("step", [1, 2, 3, 5])
@pytest.mark.parametrize("gap_frames", [0, 4])
def test_a_real_absence_still_splits_a_strided_table(cfr: Path, step: int, gap_frames: int) -> None:
    frames = [f for f in range(0, 50, step) if not 15 <= f < 35]
    occ = occupancy_segments(
        _table(cfr, frames, [Fraction(f, 25) for f in frames]), ZONE, gap_frames=gap_frames, every=step
    )
    assert occ.height == 2


@pytest.mark.parametrize("lone", [0, 10, 49])
def test_a_file_seen_on_one_frame_beside_another(tmp_path: Path, cfr: Path, lone: int) -> None:
    other = _video(tmp_path / "b.mp4", list(range(50)))
    table = pl.concat(
        [
            _table(cfr, list(range(50)), [Fraction(f, 25) for f in range(50)]),
            _table(other, [lone], [Fraction(lone, 25)], track=7),
        ]
    )
    occ = {
        s: (a, b, Fraction(e))
        for s, a, b, e in occupancy_segments(table, ZONE)
        .select("source", "start_frame", "end_frame", "end")
        .rows()
    }
    assert occ == {str(cfr): (0, 50, Fraction(2)), str(other): (lone, lone + 1, Fraction(lone + 1, 25))}
    dwell = dict(zone_dwell(table, ZONE).select("source", "dwell").rows())
    assert {s: Fraction(d) for s, d in dwell.items()} == {str(cfr): Fraction(2), str(other): Fraction(1, 25)}


@pytest.mark.parametrize(
    "stamps",
    [
        list(range(10)) + list(range(12, 40, 3)) + list(range(40, 50)),
        [0, 1, 2, 10, 11, 30, 31, 49],
        [0, 5, 10, 15, 20, 45],
    ],
)
def test_variable_rate_ends_are_the_frames_own(tmp_path: Path, stamps: list[int]) -> None:
    """The last frame lasts until the file's end (its own duration), not an average frame."""
    path = _video(tmp_path / "vfr.mp4", stamps)
    with av.open(str(path)) as c:
        end = Fraction(c.duration or 0, 1_000_000)
    frames = list(range(len(stamps)))
    table = _table(path, frames, [Fraction(t, 25) for t in stamps])
    occ = occupancy_segments(table, ZONE)
    assert occ.select("start_frame", "end_frame").rows() == [(0, len(stamps))]
    assert Fraction(occ["end"][0]) == end == Fraction(stamps[-1] + 1, 25)
    assert Fraction(zone_dwell(table, ZONE)["dwell"][0]) == end


def test_an_unreadable_file_seen_once_asks_for_a_rate() -> None:
    table = _table("/nowhere/gone.mp4", [4], [Fraction(4, 25)])
    with pytest.raises(AnalysisError, match=r"/nowhere/gone\.mp4: one frame only.*rate="):
        occupancy_segments(table, ZONE)
    occ = occupancy_segments(table, ZONE, rate=25)
    assert Fraction(occ["end"][0]) == Fraction(5, 25)
    frames = list(range(0, 30, 3))  # unreadable, strided: the table's own average step
    table = _table("/nowhere/gone.mp4", frames, [Fraction(f, 25) for f in frames])
    occ = occupancy_segments(table, ZONE, every=3)
    assert occ.select("start_frame", "end_frame").rows() == [(0, 28)]
