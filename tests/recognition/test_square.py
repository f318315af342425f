"""(b) An exact ONNX detector (the synth square) through ``recognize``: boxes, times, tracks and
segments checked against the ground truth that media/synth.py draws."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from timeline_lab.media.reference import reference_for
from timeline_lab.model.items import Clip
from timeline_lab.model.time import TimeRange
from timeline_lab.recognition import (
    DETECTION_SCHEMA,
    ModelManager,
    ModelRegistry,
    RecognitionError,
    recognize,
    segments,
)

from .conftest import FRAMES, square_box


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> ModelManager:
    return ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))


def _truth(frames: list[int]) -> np.ndarray:
    return np.array([square_box(f) for f in frames], dtype=np.float32)


def test_boxes_and_times_are_exact(
    videos: dict[str, Path], square_model: Path, manager: ModelManager
) -> None:
    df = recognize(videos["square"], square_model, manager=manager, batch=7, cache=False)
    assert df.schema == DETECTION_SCHEMA
    assert df["frame"].to_list() == list(range(FRAMES))  # one square per frame, in order
    assert df["pts"].to_list() == [str(Fraction(f, 25)) for f in range(FRAMES)]
    np.testing.assert_array_equal(df.select("x1", "y1", "x2", "y2").to_numpy(), _truth(list(range(FRAMES))))
    assert df["class_name"].unique().to_list() == ["square"]
    assert df["source"].unique().to_list() == [str(videos["square"].resolve())]
    assert (df["conf"] == 1.0).all()


def test_ntsc_times_and_stride(videos: dict[str, Path], square_model: Path, manager: ModelManager) -> None:
    df = recognize(videos["ntsc"], square_model, manager=manager, every=4, cache=False)
    assert df["frame"].to_list() == list(range(0, 30, 4))
    assert df["pts"].to_list() == [str(Fraction(1001 * f, 30000)) for f in range(0, 30, 4)]
    np.testing.assert_array_equal(df.select("x1", "y1", "x2", "y2").to_numpy(), _truth(list(range(0, 30, 4))))


@pytest.mark.parametrize("tracker", ["bytetrack", "botsort", "iou"])
def test_one_object_one_track(
    videos: dict[str, Path], square_model: Path, manager: ModelManager, tracker: str
) -> None:
    if tracker != "iou":
        pytest.importorskip("lap", reason="ultralytics' trackers need the lap package")
    df = recognize(videos["square"], square_model, manager=manager, tracker=tracker, cache=False)
    assert df["track_id"].null_count() == 0
    assert df["track_id"].unique().to_list() == [1]
    segs = segments(df, by="track")
    assert segs.select("track_id", "start", "end", "frames").rows() == [(1, "0", "2", FRAMES)]


def test_tracks_survive_sparse_sampling(
    videos: dict[str, Path], square_model: Path, manager: ModelManager
) -> None:
    # at 5 samples/s the square jumps 40 px between looks (IoU 0.06): loosen the IoU gate
    df = recognize(
        videos["square"], square_model, manager=manager, fps=5, tracker="iou", tracker_options={"iou": 0.05},
        cache=False,
    )  # fmt: skip
    assert df["frame"].to_list() == list(range(0, 50, 5))
    assert df["track_id"].unique().to_list() == [1]
    strict = recognize(videos["square"], square_model, manager=manager, fps=5, tracker="iou", cache=False)
    assert strict["track_id"].n_unique() == 10  # the default gate loses it every time


def test_segments_from_ranges(videos: dict[str, Path], square_model: Path, manager: ModelManager) -> None:
    ranges = [(0, Fraction(2, 5)), (Fraction(6, 5), Fraction(8, 5))]
    df = recognize(videos["square"], square_model, manager=manager, ranges=ranges, cache=False)
    assert df["frame"].to_list() == [*range(0, 10), *range(30, 40)]
    segs = segments(df)
    assert segs.select("class_name", "start", "end", "frames", "detections").rows() == [
        ("square", "0", "2/5", 10, 10),
        ("square", "6/5", "8/5", 10, 10),
    ]
    assert segs["duration_s"].to_list() == [0.4, pytest.approx(0.4)]
    bridged = segments(df, gap=1)  # a hole of 0.8 s is bridged when allowed
    assert bridged.select("start", "end", "frames").rows() == [("0", "8/5", 20)]
    assert segments(df, min_duration="0.5").height == 0


def test_clip_reads_only_its_source_range(
    videos: dict[str, Path], square_model: Path, manager: ModelManager
) -> None:
    ref = reference_for(videos["square"])
    clip = Clip(media=ref, source_range=TimeRange.from_frames(12, 6, 25))
    df = recognize(clip, square_model, manager=manager, cache=False)
    assert df["frame"].to_list() == list(range(12, 18))
    np.testing.assert_array_equal(df.select("x1", "y1", "x2", "y2").to_numpy(), _truth(list(range(12, 18))))


def test_many_files_in_one_call(
    videos: dict[str, Path], square_model: Path, manager: ModelManager, tmp_path: Path
) -> None:
    df = recognize(
        ["square.mp4", videos["other"]], square_model, manager=manager, every=10, cache=False,
        workspace=videos["square"].parent,
    )  # fmt: skip
    per_source = dict(df.group_by("source").len().iter_rows())
    assert per_source == {str(videos["square"].resolve()): 5, str(videos["other"].resolve()): 2}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"classes": ["person"]}, r"model 'square.onnx' has no class 'person'; it knows ids 0..0: 'square'"),
        ({"classes": [3]}, "has no class 3"),
        ({"conf": 1.5}, "conf and iou must be within 0..1"),
        ({"tracker": "sort"}, "tracker: expected"),
        ({"imgsz": 640}, r"exported for \(320, 320\), cannot run at \(640, 640\)"),
    ],
)
def test_bad_options(
    videos: dict[str, Path], square_model: Path, manager: ModelManager, options: dict, message: str
) -> None:
    with pytest.raises(RecognitionError, match=message):
        recognize(videos["square"], square_model, manager=manager, cache=False, **options)


def test_class_filter_by_name_and_id(
    videos: dict[str, Path], square_model: Path, manager: ModelManager
) -> None:
    by_name = recognize(
        videos["square"], square_model, manager=manager, every=25, classes="square", cache=False
    )
    by_id = recognize(videos["square"], square_model, manager=manager, every=25, classes=[0], cache=False)
    assert by_name.equals(by_id) and by_name.height == 2


def test_missing_video_and_audio_only(
    videos: dict[str, Path], square_model: Path, manager: ModelManager
) -> None:
    with pytest.raises(RecognitionError, match=r"nope\.mp4: no such video file"):
        recognize(videos["square"].with_name("nope.mp4"), square_model, manager=manager)
    with pytest.raises(RecognitionError, match="no video stream"):
        recognize(videos["audio"], square_model, manager=manager, cache=False)


def test_table_has_no_rows_when_nothing_is_found(
    videos: dict[str, Path], square_model: Path, manager: ModelManager
) -> None:
    df = recognize(videos["square"], square_model, manager=manager, conf=1.0, cache=False)
    assert df.schema == DETECTION_SCHEMA and df.height == 0
    assert segments(df).height == 0
    assert isinstance(segments(df), pl.DataFrame)
