"""(a) A real YOLO architecture (yolo11n, random weights) through the whole pipeline, and its ONNX
export through our onnxruntime backend, compared with ultralytics on the same frames."""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from timeline_lab.core.events import EventBus
from timeline_lab.recognition import DETECTION_SCHEMA, ModelManager, ModelRegistry, recognize
from timeline_lab.recognition.events import RecognitionProgress
from timeline_lab.recognition.frames import FrameSampler

from .conftest import build_yolo


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> ModelManager:
    return ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))


def _match(a_xyxy, a_conf, a_cls, b_xyxy, b_conf, b_cls, *, box_tol: float, conf_tol: float) -> float:
    """Share of rows of ``a`` that have a partner in ``b`` (same class, boxes and scores close)."""
    if len(a_conf) == 0:
        return 1.0 if len(b_conf) == 0 else 0.0
    used: set[int] = set()
    hits = 0
    for box, conf, cls in zip(a_xyxy, a_conf, a_cls, strict=True):
        err = np.abs(b_xyxy - box).max(axis=1)
        ok = (err <= box_tol) & (np.abs(b_conf - conf) <= conf_tol) & (b_cls == cls)
        for j in np.flatnonzero(ok):
            if j not in used:
                used.add(int(j))
                hits += 1
                break
    return hits / len(a_conf)


def test_ultralytics_backend_through_the_pipeline(
    videos: dict[str, Path], yolo_models: dict[str, Path], manager: ModelManager
) -> None:
    bus = EventBus()
    progress: list[RecognitionProgress] = []
    bus.subscribe(RecognitionProgress, progress.append)
    df = recognize(
        videos["square"],
        yolo_models["pt"],
        manager=manager,
        bus=bus,
        every=3,
        batch=4,
        imgsz=320,
        cache=False,
    )
    assert df.schema == DETECTION_SCHEMA  # exactly the declared schema, in order
    assert df.height > 0
    sampled = list(range(0, 50, 3))
    assert [p.frames_done for p in progress] == [4, 8, 12, 16, 17]  # batches of 4
    assert set(df["frame"].to_list()) <= set(sampled)
    for frame, pts, pts_s in df.select("frame", "pts", "pts_s").unique().iter_rows():
        assert Fraction(pts) == Fraction(frame, 25)  # exact, as a rational string
        assert pts_s == float(Fraction(frame, 25))
    assert df["model"].unique().to_list() == ["yolo11n-random.pt"]
    assert df["track_id"].null_count() == df.height
    detector = manager.get(yolo_models["pt"])
    names = df.select("class_id", "class_name").unique()
    assert all(detector.names[i] == n for i, n in names.iter_rows())
    checks = [
        pl.col("x1") >= 0,
        pl.col("x2") <= 320,
        pl.col("y2") <= 240,
        pl.col("x1") <= pl.col("x2"),
        (pl.col("nx2") - pl.col("x2") / 320).abs() < 1e-6,
        (pl.col("ny1") - pl.col("y1") / 240).abs() < 1e-6,
        pl.col("conf") > 0.25,
    ]
    assert df.select(c.all().alias(f"c{i}") for i, c in enumerate(checks)).row(0) == (True,) * len(checks)
    assert detector.device == "cpu" and not detector.half  # auto: no CUDA here, so full precision


def test_onnx_export_gives_the_same_raw_outputs(
    videos: dict[str, Path], yolo_models: dict[str, Path], manager: ModelManager
) -> None:
    import torch
    from ultralytics import YOLO

    onnx_det = manager.get(yolo_models["onnx"])
    assert onnx_det.backend == "onnx" and onnx_det.imgsz == (320, 320) and onnx_det.fixed_batch is None
    batch = next(iter(FrameSampler(videos["square"], size=320, batch=3)))
    ours = onnx_det.raw(batch.images)[0]
    net = YOLO(str(yolo_models["pt"])).model.float().eval()
    x = torch.from_numpy(batch.images).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        out = net(x)
    theirs = (out[0] if isinstance(out, list | tuple) else out).numpy()
    assert ours.shape == theirs.shape == (3, 84, 2100)  # 4 box + 80 classes, 40²+20²+10² anchors
    np.testing.assert_allclose(ours[:, :4], theirs[:, :4], atol=0.05, rtol=1e-3)  # pixels
    np.testing.assert_allclose(ours[:, 4:], theirs[:, 4:], atol=1e-3)  # scores


def test_onnx_backend_matches_ultralytics_detections(
    videos: dict[str, Path], yolo_models: dict[str, Path], manager: ModelManager
) -> None:
    from ultralytics import YOLO

    onnx_det = manager.get(yolo_models["onnx"])
    native = next(iter(FrameSampler(videos["square"], every=7, batch=6, pixel_format="bgr24")))
    boxed = next(iter(FrameSampler(videos["square"], every=7, batch=6, size=320)))
    ours = onnx_det.detect(boxed, conf=0.25, iou=0.7)
    assert len(ours) > 0
    for runner in (YOLO(str(yolo_models["pt"])), YOLO(str(yolo_models["onnx"]), task="detect")):
        results = runner.predict(
            list(native.images), imgsz=320, conf=0.25, iou=0.7, rect=False, verbose=False
        )
        exact = runner.model is not None and str(runner.ckpt_path or "").endswith(".onnx")
        for i, r in enumerate(results):
            mine = ours[ours.image == i]
            b = r.boxes
            theirs = (b.xyxy.numpy(), b.conf.numpy(), b.cls.numpy().astype(int))
            assert abs(len(mine) - len(theirs[1])) <= max(2, len(mine) // 50)
            share = _match(mine.xyxy, mine.conf, mine.class_id, *theirs, box_tol=0.05, conf_tol=2e-3)
            assert share >= 0.97, (i, share)
            if exact:  # the same ONNX session: only the NMS implementation differs
                assert len(mine) == len(theirs[1])
    onnx_det.predict(list(native.images[..., ::-1]))  # the convenience path agrees with detect()
    again = onnx_det.predict(list(native.images[..., ::-1]), conf=0.25)
    np.testing.assert_array_equal(again.xyxy, ours.xyxy)


def test_onnx_backend_letterboxes_other_sizes_like_ultralytics(
    videos: dict[str, Path], yolo_models: dict[str, Path], manager: ModelManager
) -> None:
    from ultralytics import YOLO

    onnx_det = manager.get(yolo_models["onnx"])  # dynamic export: any multiple of 32 works
    boxed = next(iter(FrameSampler(videos["ntsc"], batch=2, size=256)))
    ours = onnx_det.detect(boxed, conf=0.25, imgsz=(256, 256))
    native = next(iter(FrameSampler(videos["ntsc"], batch=2, pixel_format="bgr24")))
    results = YOLO(str(yolo_models["pt"])).predict(
        list(native.images), imgsz=256, conf=0.25, rect=False, verbose=False
    )
    for i, r in enumerate(results):  # resampled by swscale vs OpenCV: close, not identical
        mine = ours[ours.image == i]
        top = np.argsort(-r.boxes.conf.numpy())[:20]
        theirs = (r.boxes.xyxy.numpy()[top], r.boxes.conf.numpy()[top], r.boxes.cls.numpy().astype(int)[top])
        share = _match(*theirs, mine.xyxy, mine.conf, mine.class_id, box_tol=6.0, conf_tol=0.08)
        assert share >= 0.7, (i, share)


def test_segmentation_and_pose_add_columns(
    videos: dict[str, Path], manager: ModelManager, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from ultralytics import YOLO

    d = tmp_path_factory.mktemp("yolo-tasks")
    seg = build_yolo(d / "seg.pt", "yolo11n-seg.yaml")
    pose = build_yolo(d / "pose.pt", "yolo11n-pose.yaml")
    common = {"manager": manager, "ranges": [(0, Fraction(2, 25))], "imgsz": 160, "cache": False, "conf": 0.3}
    masks = recognize(videos["square"], seg, **common)
    assert masks.height > 0
    assert masks.schema["polygon"] == pl.List(pl.Array(pl.Float32, 2))
    assert masks["polygon"].null_count() == 0 and masks["polygon"].list.len().max() >= 3  # outlines in pixels
    people = recognize(videos["square"], pose, **common)
    assert people.height > 0
    assert people.schema["keypoints"] == pl.Array(pl.Float32, (17, 3))
    with warnings.catch_warnings():  # export only: torch deprecates the TorchScript exporter
        warnings.simplefilter("ignore", DeprecationWarning)
        pose_onnx = Path(
            YOLO(str(pose)).export(format="onnx", imgsz=160, dynamic=True, simplify=False, verbose=False)
        )
    from_onnx = recognize(videos["square"], pose_onnx, **common)
    assert from_onnx.schema["keypoints"] == pl.Array(pl.Float32, (17, 3))
    # same frames, same square letterbox: keypoints from onnxruntime match ultralytics'
    torch_pose, onnx_pose = manager.get(pose), manager.get(pose_onnx)
    torch_pose.predict_args = {"rect": False}
    a = torch_pose.detect(
        next(iter(FrameSampler(videos["square"], batch=2, pixel_format="bgr24"))), imgsz=(160, 160)
    )
    b = onnx_pose.detect(next(iter(FrameSampler(videos["square"], batch=2, size=160))))
    assert len(a) == len(b) > 0
    order_a = np.lexsort((-a.conf, a.image))
    order_b = np.lexsort((-b.conf, b.image))
    np.testing.assert_allclose(a.xyxy[order_a], b.xyxy[order_b], atol=0.05)
    assert a.keypoints is not None and b.keypoints is not None
    np.testing.assert_allclose(a.keypoints[order_a], b.keypoints[order_b], atol=0.05)
