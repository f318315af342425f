"""Zones over tables whose sampling the caller states: separate sightings in a table read every
frame stay separate spans (the rows cannot tell sparse sightings from a stride), a stated stride
bridges its own holes, and each span's end is timed once per call, not once per span."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import timeline_lab.media.frame_spans as frame_spans_module
from timeline_lab.analysis import occupancy_segments
from timeline_lab.analysis._tracks import AnalysisError

from .test_zone_sampling import ZONE, _table, _video


@pytest.fixture(scope="module")
def cfr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _video(tmp_path_factory.mktemp("sightings") / "cfr.mp4", list(range(100)))


@pytest.mark.parametrize(
    "runs",
    [
        [[0], [40], [80]],  # lone sightings 1.6 s apart
        [[0, 1], [5, 6], [10, 11]],  # two-frame sightings three frames apart
        [[3], [5], [7], [9]],  # one frame between each
        [[0, 1, 2], [20], [50, 51]],
    ],
)
@pytest.mark.parametrize("readable", [True, False])
def test_separate_sightings_stay_separate(cfr: Path, runs: list[list[int]], readable: bool) -> None:
    frames = [f for run in runs for f in run]
    source = cfr if readable else "/nowhere/gone.mp4"
    table = _table(source, frames, [Fraction(f, 25) for f in frames])
    occ = occupancy_segments(table, ZONE, rate=None if readable else 25)
    assert occ.select("start_frame", "end_frame").rows() == [(r[0], r[-1] + 1) for r in runs]
    assert [Fraction(e) for e in occ["end"]] == [Fraction(r[-1] + 1, 25) for r in runs]


@pytest.mark.parametrize("every", [2, 3, 5, "5/2", Fraction(7, 2)])
def test_a_stated_stride_bridges_its_holes_only(cfr: Path, every: int | str | Fraction) -> None:
    step = Fraction(every)
    seen = sorted({int(k * step) for k in range(int(60 / step))})  # the frames such a sampling sees
    frames = [f for f in seen if not 20 <= f < 40]  # and a real absence
    occ = occupancy_segments(_table(cfr, frames, [Fraction(f, 25) for f in frames]), ZONE, every=every)
    before, after = [f for f in frames if f < 20], [f for f in frames if f >= 40]
    assert occ.select("start_frame", "end_frame").rows() == [
        (before[0], before[-1] + 1),
        (after[0], after[-1] + 1),
    ]


@pytest.mark.parametrize("every", [0, -2, "1/2", "x", None])
def test_a_bad_stride_names_the_field(every: object) -> None:
    table = _table("/nowhere/gone.mp4", [0, 1], [Fraction(0), Fraction(1, 25)])
    with pytest.raises(AnalysisError, match=r"every: .*got"):
        occupancy_segments(table, ZONE, every=every)  # type: ignore[arg-type]


@pytest.mark.parametrize("spans", [3, 12, 33])
def test_span_ends_read_the_file_once(cfr: Path, monkeypatch: pytest.MonkeyPatch, spans: int) -> None:
    reads: list[tuple[object, ...]] = []
    times = frame_spans_module.stream_times

    def counted(*args: object) -> object:
        reads.append(args)
        return times(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(frame_spans_module, "stream_times", counted)
    frames = [3 * i for i in range(spans)]  # a lone sighting every third frame: a span each
    occ = occupancy_segments(_table(cfr, frames, [Fraction(f, 25) for f in frames]), ZONE)
    assert occ["start_frame"].to_list() == frames
    assert [Fraction(e) for e in occ["end"]] == [Fraction(f + 1, 25) for f in frames]
    assert len(reads) == 1
