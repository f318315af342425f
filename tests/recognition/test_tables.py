"""Tables: the one schema, segments (gaps, minimum length, exact ends), counts, summary, Parquet."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from timeline_lab.recognition import (
    DETECTION_SCHEMA,
    SEGMENT_SCHEMA,
    Detections,
    RecognitionError,
    counts_per_second,
    load_results,
    presence_chart,
    save_results,
    segments,
    summary,
)
from timeline_lab.recognition.store import FORMAT_VERSION
from timeline_lab.recognition.tables import detections_frame, frame_durations

NAMES = {0: "person", 1: "car", 2: "dog"}


def table(
    rows: list[tuple[int, int, int | None]], *, rate: Fraction = Fraction(25), source: str = "/nowhere/a.mp4"
):
    """Detections from (frame, class_id, track_id) rows; boxes are arbitrary but valid."""
    frames = sorted({f for f, _, _ in rows})
    where = {f: i for i, f in enumerate(frames)}
    n = len(rows)
    dets = Detections(
        image=np.array([where[f] for f, _, _ in rows], dtype=np.int64),
        xyxy=np.tile(np.array([[10, 20, 50, 80]], np.float32), (n, 1)),
        conf=np.linspace(0.5, 0.9, n, dtype=np.float32),
        class_id=np.array([c for _, c, _ in rows], dtype=np.int64),
        track_id=np.array([-1 if t is None else t for _, _, t in rows], dtype=np.int64),
    )
    return detections_frame(
        dets,
        source=source,
        frames=np.array(frames),
        pts=[Fraction(f) / rate for f in frames],
        names=NAMES,
        size=(100, 200),
        model="m.onnx",
    )


def test_schema_is_declared_once() -> None:
    df = table([(0, 0, 1), (1, 1, None)])
    assert df.schema == DETECTION_SCHEMA
    assert df["track_id"].to_list() == [1, None]  # -1 from a tracker means "not confirmed": null
    assert df["class_name"].to_list() == ["person", "car"]
    assert df.select("nx1", "ny1", "nx2", "ny2").row(0) == pytest.approx((0.05, 0.2, 0.25, 0.8))


def test_unknown_class_id_is_an_error() -> None:
    with pytest.raises(RecognitionError, match=r"class ids \[7\] have no name"):
        table([(0, 7, None)])


def test_segments_per_class_with_exact_ends() -> None:
    rows = [(f, 0, None) for f in [*range(0, 10), *range(40, 45)]] + [(f, 1, None) for f in range(5, 8)]
    segs = segments(table(rows), durations={"/nowhere/a.mp4": Fraction(1, 25)})
    assert segs.schema == SEGMENT_SCHEMA
    assert segs.select("class_name", "start", "end", "frames").rows() == [
        ("person", "0", "2/5", 10),
        ("person", "8/5", "9/5", 5),
        ("car", "1/5", "8/25", 3),
    ]


def test_gap_tolerance_and_minimum_duration() -> None:
    rows = [(f, 0, None) for f in (0, 1, 2, 20, 21, 60)]
    df = table(rows)
    fd = {"/nowhere/a.mp4": Fraction(1, 25)}
    assert segments(df, gap=0, durations=fd).height == 3
    assert segments(df, gap=Fraction(17, 25), durations=fd)["frames"].to_list() == [5, 1]  # hole of 17 frames
    assert segments(df, gap=Fraction(16, 25), durations=fd)["frames"].to_list() == [3, 2, 1]
    assert segments(df, gap=0, min_duration=Fraction(2, 25), durations=fd)["frames"].to_list() == [3, 2]
    with pytest.raises(RecognitionError, match="gap"):
        segments(df, gap=-1)


def test_default_gap_follows_the_sampling_step() -> None:
    strided = table([(f, 0, None) for f in range(0, 100, 25)])  # one look per second
    segs = segments(strided, durations={"/nowhere/a.mp4": Fraction(1, 25)})
    assert segs.select("start", "end", "frames").rows() == [("0", "76/25", 4)]


def test_segments_per_track() -> None:
    rows = [(f, 0, 1) for f in range(10)] + [(f, 0, 2) for f in range(5, 15)] + [(3, 0, None)]
    segs = segments(table(rows), by="track", durations={"/nowhere/a.mp4": Fraction(1, 25)})
    assert segs.select("track_id", "start", "end", "detections").rows() == [
        (1, "0", "2/5", 10),
        (2, "1/5", "3/5", 10),
    ]
    assert segments(table(rows))["detections"].to_list() == [21]  # per class: every row


def test_frame_duration_from_the_rows_when_the_file_is_gone() -> None:
    df = table([(3, 0, None), (9, 0, None)], rate=Fraction(30000, 1001))
    assert frame_durations(df) == {"/nowhere/a.mp4": Fraction(1001, 30000)}
    assert segments(df, gap=1)["end"].to_list() == [str(Fraction(10 * 1001, 30000))]


def test_frame_duration_from_the_file(videos: dict[str, Path]) -> None:
    df = table([(0, 0, None)], source=str(videos["ntsc"]))  # one frame: only the file can say
    assert frame_durations(df) == {str(videos["ntsc"]): Fraction(1001, 30000)}


def test_counts_per_second_and_summary() -> None:
    rows = (
        [(f, 0, 1) for f in range(0, 50)]
        + [(f, 0, 2) for f in range(20, 30)]
        + [(f, 1, None) for f in (30, 31)]
    )
    counts = counts_per_second(table(rows))
    assert counts.select("second", "class_name", "detections", "frames", "max_at_once", "tracks").rows() == [
        (0, "person", 30, 25, 2, 2),
        (1, "car", 2, 2, 1, 0),
        (1, "person", 30, 25, 2, 2),  # track 2 runs 0.8 s .. 1.2 s
    ]
    s = summary(table(rows))
    assert s.select("class_name", "detections", "frames", "tracks", "first_s", "last_s").rows() == [
        ("person", 60, 50, 2, 0.0, 1.96),
        ("car", 2, 2, 0, 1.2, 1.24),
    ]


def test_parquet_roundtrip_keeps_metadata(tmp_path: Path) -> None:
    df = table([(0, 0, 1), (1, 2, None)])
    meta = {"model": {"sha256": "ab" * 32}, "params": {"conf": 0.25}}
    path = save_results(df, tmp_path / "r.parquet", meta)
    back, got = load_results(path)
    assert back.equals(df) and back.schema == DETECTION_SCHEMA
    assert got["model"]["sha256"] == "ab" * 32 and got["params"] == {"conf": 0.25}
    assert got["format"] == FORMAT_VERSION
    (tmp_path / "bad.parquet").write_bytes(b"nope")
    with pytest.raises(RecognitionError, match="not a readable results file"):
        load_results(tmp_path / "bad.parquet")


def test_presence_chart() -> None:
    rows = [(f, 0, 1) for f in range(10)] + [(f, 1, 2) for f in range(30, 40)]
    spec = presence_chart(table(rows), gap=0).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "start_s" and spec["encoding"]["x2"]["field"] == "end_s"
    values = next(iter(spec["datasets"].values()))
    assert sorted(v["class_name"] for v in values) == ["car", "person"]
    both = pl.concat([table(rows), table(rows, source="/nowhere/b.mp4")])
    assert "facet" in presence_chart(both).to_dict()
