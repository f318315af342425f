"""The onnxruntime backend: our own letterbox (in the sampler) and NMS, matching ultralytics' exports."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from . import _lazy
from .detections import Detections
from .detectors import Detector
from .errors import RecognitionError
from .frames import fit_image
from .geometry import Letterbox, nms

if TYPE_CHECKING:
    from .frames import FrameBatch
    from .models import ModelSpec, Task

__all__ = ["OnnxDetector", "postprocess"]

MAX_NMS = 30000  # candidates kept before NMS (as ultralytics)
MAX_WH = 7680  # class offset that keeps NMS per class (as ultralytics)
Array = np.ndarray[Any, Any]
Rows = tuple[Array, Array, Array, Array]
"""Kept detections as parallel arrays: xyxy boxes (model input pixels), scores, classes, extra columns."""


def _providers(ort: Any, device: str) -> tuple[list[Any], str]:
    available = set(ort.get_available_providers())
    if device == "auto":
        device = "cuda:0" if "CUDAExecutionProvider" in available else "cpu"
    if device == "cpu":
        return ["CPUExecutionProvider"], device
    if device.startswith("cuda"):
        if "CUDAExecutionProvider" not in available:
            raise RecognitionError(
                f"device {device!r}: this onnxruntime has no CUDA provider ({sorted(available)})"
            )
        index = int(device.partition(":")[2] or 0)
        return [("CUDAExecutionProvider", {"device_id": index}), "CPUExecutionProvider"], f"cuda:{index}"
    raise RecognitionError(f"device: expected 'auto', 'cpu' or 'cuda[:N]', got {device!r}")


def _literal(meta: dict[str, str], key: str) -> Any:
    try:
        return ast.literal_eval(meta[key]) if key in meta else None
    except (ValueError, SyntaxError):
        return None


class OnnxDetector(Detector):
    """An ``.onnx`` detector (ultralytics export layout) run by onnxruntime; CUDA when available."""

    backend = "onnx"
    pixel_format = "rgb24"

    session: Any
    input_name: str
    fixed_batch: int | None
    dynamic_size: bool
    dtype: Any
    nc: int
    kpt_shape: tuple[int, int] | None
    end2end: bool

    @classmethod
    def load(cls, spec: ModelSpec, *, device: str = "auto", threads: int = 0) -> OnnxDetector:
        """Open an inference session; the task, class names and size come from the export metadata."""
        ort = _lazy.onnxruntime()
        providers, dev = _providers(ort, device)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        try:
            session = ort.InferenceSession(str(spec.path), options, providers=providers)
        except Exception as exc:
            msg = (
                f"model {spec.name!r}: cannot load {spec.path} with onnxruntime "
                f"({type(exc).__name__}: {_first_line(exc)}); the file may be corrupt or not an ONNX model"
            )
            raise RecognitionError(msg) from exc
        meta: dict[str, str] = dict(session.get_modelmeta().custom_metadata_map)
        inp = session.get_inputs()[0]
        if len(inp.shape) != 4:
            raise RecognitionError(f"model {spec.name!r}: expected a 4-d image input, got {inp.shape}")
        b, _, h, w = inp.shape
        fixed_size = isinstance(h, int) and isinstance(w, int)
        imgsz = (h, w) if fixed_size else (spec.imgsz or _meta_imgsz(meta) or (640, 640))
        out_shape = session.get_outputs()[0].shape
        task = cast("Task", spec.task or meta.get("task") or "detect")
        kpt = _literal(meta, "kpt_shape")
        kpt_shape = (int(kpt[0]), int(kpt[1])) if task == "pose" and kpt else None
        end2end = str(meta.get("end2end", "False")) == "True"
        names = _names(spec, meta, out_shape, task, kpt_shape, end2end, len(session.get_outputs()))
        self = cls(
            spec, names=names, task=task, imgsz=imgsz, nbytes=Path(spec.path).stat().st_size, device=dev
        )
        self.session = session
        self.input_name = inp.name
        self.fixed_batch = b if isinstance(b, int) else None
        self.dynamic_size = not fixed_size
        self.dtype = np.float16 if inp.type == "tensor(float16)" else np.float32
        self.nc = len(names)
        self.kpt_shape = kpt_shape
        self.end2end = end2end
        return self

    def raw(self, images: Array) -> list[Array]:
        """Model outputs for ``(B, H, W, 3)`` RGB uint8 images (already letterboxed)."""
        x = np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=self.dtype)
        x *= self.dtype(1 / 255)
        step = self.fixed_batch or len(x)
        outs: list[list[Array]] = []
        for lo in range(0, len(x), step):
            chunk = x[lo : lo + step]
            if len(chunk) < step:  # a fixed-batch model: pad the last chunk
                chunk = np.concatenate([chunk, np.zeros((step - len(chunk), *chunk.shape[1:]), chunk.dtype)])
            got = self.session.run(None, {self.input_name: chunk})
            outs.append([np.asarray(o)[: len(x) - lo] for o in got])
        return [np.concatenate(parts).astype(np.float32) for parts in zip(*outs, strict=True)]

    def detect(
        self,
        batch: FrameBatch,
        *,
        conf: float = 0.25,
        iou: float = 0.7,
        classes: Sequence[int] | None = None,
        max_det: int = 300,
        imgsz: tuple[int, int] | None = None,
    ) -> Detections:
        """Letterbox if the sampler did not, run the session, decode and NMS per frame."""
        size = imgsz or self.imgsz
        if imgsz is not None and not self.dynamic_size and imgsz != self.imgsz:
            raise RecognitionError(f"model {self.name!r}: exported for {self.imgsz}, cannot run at {imgsz}")
        images, g = batch.images, batch.geometry
        if batch.pixel_format == "bgr24":
            images = images[..., ::-1]
        if g.dst != size:  # frames not prepared for this model: fit them from the source size
            if not g.identity:
                raise RecognitionError(f"batch was letterboxed to {g.dst}, model {self.name!r} needs {size}")
            g = Letterbox.fit(g.src, size)
            images = np.stack([fit_image(np.ascontiguousarray(im), g) for im in images])
        preds = self.raw(images)
        parts = [
            postprocess(
                preds[0][i],
                g,
                conf=conf,
                iou=iou,
                classes=classes,
                max_det=max_det,
                nc=self.nc,
                kpt_shape=self.kpt_shape,
                end2end=self.end2end,
                image=i,
            )
            for i in range(len(images))
        ]
        return Detections.merge(parts)

    def close(self) -> None:
        """Drop the session."""
        self.session = None


def postprocess(
    pred: Array,
    geometry: Letterbox,
    *,
    conf: float,
    iou: float,
    classes: Sequence[int] | None,
    max_det: int,
    nc: int,
    kpt_shape: tuple[int, int] | None = None,
    end2end: bool = False,
    image: int = 0,
) -> Detections:
    """One image's raw output -> detections, as ``ultralytics.utils.nms.non_max_suppression``.

    ``pred`` is ``(4 + nc + extra, anchors)`` (xywh, class scores, mask coefficients or keypoints)
    or, for end-to-end exports, ``(n, 6 + extra)`` (xyxy, score, class, extra).
    """
    found: Rows | None
    if end2end:
        found = _end2end_rows(pred, conf, classes, max_det)
    else:
        found = _nms_rows(pred, conf, iou, classes, max_det, nc)
    if found is None:
        return Detections.empty()
    xyxy, scores, cls, extra = found
    n = len(scores)
    return Detections(
        image=np.full(n, image, dtype=np.int64),
        xyxy=geometry.to_source(xyxy),
        conf=np.asarray(scores, dtype=np.float32),
        class_id=np.asarray(cls, dtype=np.int64),
        keypoints=None if kpt_shape is None else _keypoints(extra, kpt_shape, geometry),
    )


def _end2end_rows(pred: Array, conf: float, classes: Sequence[int] | None, max_det: int) -> Rows:
    """An end-to-end export's rows, already suppressed by the model: filter by score and class only."""
    rows = pred[pred[:, 4] > conf]
    if classes is not None:
        rows = rows[np.isin(rows[:, 5].astype(np.int64), classes)]
    rows = rows[:max_det]
    return rows[:, :4], rows[:, 4], rows[:, 5].astype(np.int64), rows[:, 6:]


def _nms_rows(
    pred: Array, conf: float, iou: float, classes: Sequence[int] | None, max_det: int, nc: int
) -> Rows | None:
    """Best class per anchor above ``conf``, then class-aware NMS; None when no anchor passes."""
    x = pred.T
    cls_scores = x[:, 4 : 4 + nc]
    best = cls_scores.max(axis=1) if nc else np.zeros(len(x), np.float32)
    x = x[best > conf]
    if not len(x):
        return None
    cls = x[:, 4 : 4 + nc].argmax(axis=1)
    scores = x[np.arange(len(x)), 4 + cls]
    if classes is not None:
        keep = np.isin(cls, classes)
        x, cls, scores = x[keep], cls[keep], scores[keep]
    if len(x) > MAX_NMS:
        top = np.argsort(-scores, kind="stable")[:MAX_NMS]
        x, cls, scores = x[top], cls[top], scores[top]
    cx, cy, w, h = x[:, 0], x[:, 1], x[:, 2] / 2, x[:, 3] / 2
    xyxy = np.stack([cx - w, cy - h, cx + w, cy + h], axis=1)
    kept = nms(xyxy + (cls[:, None] * MAX_WH).astype(np.float32), scores, iou)[:max_det]
    return xyxy[kept], scores[kept], cls[kept], x[kept, 4 + nc :]


def _keypoints(extra: Array, kpt_shape: tuple[int, int], geometry: Letterbox) -> Array:
    """Pose keypoints from the extra columns, in source pixels, with a visibility of 1 when absent."""
    n = len(extra)
    k, d = kpt_shape
    kp = extra[:, : k * d].reshape(n, k, d).astype(np.float32)
    if d == 2:
        kp = np.concatenate([kp, np.ones((n, k, 1), np.float32)], axis=-1)
    kp[..., :2] = geometry.points_to_source(kp[..., :2])
    return kp


def _meta_imgsz(meta: dict[str, str]) -> tuple[int, int] | None:
    v = _literal(meta, "imgsz")
    if isinstance(v, list | tuple) and len(v) == 2:
        return (int(v[0]), int(v[1]))
    if isinstance(v, int):
        return (v, v)
    return None


def _names(
    spec: ModelSpec,
    meta: dict[str, str],
    out_shape: Sequence[Any],
    task: str,
    kpt_shape: tuple[int, int] | None,
    end2end: bool,
    outputs: int,
) -> dict[int, str]:
    """Class names: registered, else the export's metadata, else counted from the output shape."""
    if spec.names is not None:
        return dict(enumerate(spec.names))
    found = _literal(meta, "names")
    if isinstance(found, dict):
        return {int(k): str(v) for k, v in found.items()}
    channels = out_shape[1] if len(out_shape) == 3 else None
    if end2end or not isinstance(channels, int):
        raise RecognitionError(f"model {spec.name!r}: no class names in the file; register them (names=...)")
    extra = 32 if task == "segment" and outputs > 1 else 0
    if kpt_shape is not None:
        extra = kpt_shape[0] * kpt_shape[1]
    return {i: f"class{i}" for i in range(channels - 4 - extra)}


def _first_line(exc: BaseException, limit: int = 200) -> str:
    """The head of a library's error message (some run to a page of advice)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
