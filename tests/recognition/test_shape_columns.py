"""A table's columns follow the model, not what it saw: pose and segmentation results keep their
``keypoints`` and ``polygon`` columns (same dtypes) when nothing is found, so tables of files with
and without detections concatenate, and code reading those columns works on quiet footage."""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from timeline_lab.recognition import DETECTION_SCHEMA, ModelManager, ModelRegistry, recognize
from timeline_lab.recognition.detections import Detections
from timeline_lab.recognition.tables import detections_frame, shape_schema

from .conftest import build_yolo


def _found(n: int, keypoints: int | None, polygons: bool) -> Detections:
    rng = np.random.default_rng(n)
    xy = rng.uniform(0, 100, (n, 2)).astype(np.float32)
    return Detections(
        image=np.zeros(n, np.int64),
        xyxy=np.concatenate([xy, xy + 10], axis=1),
        conf=np.full(n, 0.5, np.float32),
        class_id=np.zeros(n, np.int64),
        keypoints=None if keypoints is None else rng.uniform(0, 100, (n, keypoints, 3)).astype(np.float32),
        polygons=[rng.uniform(0, 100, (4, 2)).astype(np.float32) for _ in range(n)] if polygons else None,
    )


@pytest.mark.parametrize("keypoints", [None, 5, 17])
@pytest.mark.parametrize("polygons", [False, True])
def test_empty_and_found_tables_have_one_schema(keypoints: int | None, polygons: bool) -> None:
    shapes = shape_schema(keypoints, polygons=polygons)
    common = {"source": "a.mp4", "frames": np.arange(1), "pts": [Fraction(0)], "names": {0: "thing"}}
    tables = [
        detections_frame(_found(n, keypoints, polygons), **common, size=(120, 160), model="m", shapes=shapes)
        for n in (0, 3)
    ]
    want = pl.Schema({**DETECTION_SCHEMA, **shapes})
    assert [t.schema for t in tables] == [want, want]
    assert tables[0].height == 0 and tables[1].height == 3
    assert pl.concat(tables).height == 3  # no relaxing needed


def test_shape_schema_declares_each_column_once() -> None:
    assert shape_schema() == pl.Schema()
    assert shape_schema(17)["keypoints"] == pl.Array(pl.Float32, (17, 3))
    assert shape_schema(polygons=True)["polygon"] == pl.List(pl.Array(pl.Float32, 2))


@pytest.fixture(scope="module")
def task_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """yolo11n-pose and yolo11n-seg built locally (random weights), and the pose model in ONNX."""
    from ultralytics import YOLO

    d = tmp_path_factory.mktemp("yolo-shapes")
    pose = build_yolo(d / "pose.pt", "yolo11n-pose.yaml")
    seg = build_yolo(d / "seg.pt", "yolo11n-seg.yaml")
    with warnings.catch_warnings():  # export only: torch deprecates the TorchScript exporter
        warnings.simplefilter("ignore", DeprecationWarning)
        pose_onnx = YOLO(str(pose)).export(
            format="onnx", imgsz=160, dynamic=True, simplify=False, verbose=False
        )
    return {"pose": pose, "pose-onnx": Path(pose_onnx), "seg": seg}


@pytest.mark.slow  # three models built and one exported: ~12 s once
@pytest.mark.parametrize(
    ("model", "column", "dtype"),
    [
        ("pose", "keypoints", pl.Array(pl.Float32, (17, 3))),
        ("pose-onnx", "keypoints", pl.Array(pl.Float32, (17, 3))),
        ("seg", "polygon", pl.List(pl.Array(pl.Float32, 2))),
    ],
)
def test_nothing_found_keeps_the_models_columns(
    videos: dict[str, Path],
    task_models: dict[str, Path],
    tmp_path: Path,
    model: str,
    column: str,
    dtype: pl.DataType,
) -> None:
    manager = ModelManager(ModelRegistry(tmp_path / "models"))
    common = {"manager": manager, "ranges": [(0, Fraction(2, 25))], "imgsz": 160, "cache": False}
    some = recognize(videos["square"], task_models[model], conf=0.3, **common)
    none = recognize(videos["square"], task_models[model], conf=1.0, **common)
    assert some.height > 0 and none.height == 0
    assert none.schema[column] == some.schema[column] == dtype
    assert none.schema == some.schema
