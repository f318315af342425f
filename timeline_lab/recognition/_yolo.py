"""The ultralytics backend: ``YOLO.predict`` on decoded frames (its own letterbox, NMS, masks, poses)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from . import _lazy
from .detections import Detections
from .detectors import Detector
from .errors import RecognitionError

if TYPE_CHECKING:
    from .frames import FrameBatch
    from .models import ModelSpec, Task

__all__ = ["UltralyticsDetector"]


def resolve_device(device: str) -> str:
    """``auto`` -> the first CUDA device when torch sees one, else the CPU."""
    if device != "auto":
        return device
    torch = _lazy.torch()
    return "cuda:0" if torch.cuda.is_available() else "cpu"


class UltralyticsDetector(Detector):
    """A ``.pt`` model run through ultralytics; half precision on GPU, full on CPU."""

    backend = "ultralytics"
    pixel_format = "bgr24"  # what ultralytics expects of numpy images

    model: Any
    half: bool
    predict_args: dict[str, Any]
    """Extra keyword arguments for ``YOLO.predict`` (e.g. ``{"rect": False}``, ``{"augment": True}``)."""

    @classmethod
    def load(cls, spec: ModelSpec, *, device: str = "auto") -> UltralyticsDetector:
        """Load ``spec.path`` with ``ultralytics.YOLO`` (offline)."""
        ul = _lazy.ultralytics()
        try:
            model = ul.YOLO(str(spec.path), task=spec.task)
        except Exception as exc:
            msg = (
                f"model {spec.name!r}: cannot load {spec.path} with ultralytics "
                f"({type(exc).__name__}: {_first_line(exc)}); "
                "the file may be corrupt or not a YOLO checkpoint"
            )
            raise RecognitionError(msg) from exc
        names = {int(k): str(v) for k, v in model.names.items()}
        if spec.names is not None:
            if len(spec.names) != len(names):
                msg = f"model {spec.name!r}: {len(spec.names)} class names registered, file has {len(names)}"
                raise RecognitionError(msg)
            names = dict(enumerate(spec.names))
        imgsz = spec.imgsz or _imgsz(model)
        dev = resolve_device(device)
        net: Any = getattr(model, "model", None)
        params = list(net.parameters()) if hasattr(net, "parameters") else []
        nbytes = sum(int(p.numel()) * int(p.element_size()) for p in params) or Path(spec.path).stat().st_size
        self = cls(spec, names=names, task=cast("Task", model.task), imgsz=imgsz, nbytes=nbytes, device=dev)
        self.model = model
        kpt = getattr(net, "kpt_shape", None) if self.task == "pose" else None
        self.kpt_shape = (int(kpt[0]), int(kpt[1])) if kpt else None
        self.outlines = self.task == "segment"
        self.half = dev.startswith("cuda")
        self.predict_args = {}
        if self.half:  # ultralytics 8.4 spells half precision ``quantize=16``; older releases ``half``
            from ultralytics import cfg

            new = "quantize" in getattr(cfg, "DEFAULT_CFG_DICT", {})
            self.predict_args = {"quantize": 16} if new else {"half": True}
        return self

    @property
    def input_size(self) -> tuple[int, int] | None:
        """None: ultralytics letterboxes source frames itself."""
        return None

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
        """Run ``YOLO.predict`` on the batch (one call, the whole batch at once)."""
        images = batch.images
        if batch.pixel_format != "bgr24":
            images = images[..., ::-1]
        results = self.model.predict(
            [np.ascontiguousarray(im) for im in images],
            imgsz=list(imgsz or self.imgsz),
            conf=conf,
            iou=iou,
            classes=list(classes) if classes is not None else None,
            max_det=max_det,
            device=self.device,
            verbose=False,
            **self.predict_args,
        )
        parts = [self._convert(i, r, batch) for i, r in enumerate(results)]
        return Detections.merge(parts)

    def _convert(self, i: int, result: Any, batch: FrameBatch) -> Detections:
        boxes = result.boxes
        if boxes is None or len(boxes) == 0:
            return Detections.empty()
        data = boxes.data.float().cpu().numpy()
        n = len(data)
        xyxy = data[:, :4].astype(np.float32)
        keypoints = polygons = None
        if result.keypoints is not None:
            kp = result.keypoints.data.float().cpu().numpy().astype(np.float32)
            if kp.shape[-1] == 2:
                kp = np.concatenate([kp, np.ones((*kp.shape[:-1], 1), np.float32)], axis=-1)
            keypoints = kp
        if result.masks is not None:
            polygons = [np.asarray(p, dtype=np.float32).reshape(-1, 2) for p in result.masks.xy]
        g = batch.geometry
        if not g.identity:  # someone handed us model-sized frames: map back to the source
            xyxy = g.to_source(xyxy)
            if keypoints is not None:
                keypoints[..., :2] = g.points_to_source(keypoints[..., :2])
            if polygons is not None:
                polygons = [g.points_to_source(p) for p in polygons]
        return Detections(
            image=np.full(n, i, dtype=np.int64),
            xyxy=xyxy,
            conf=data[:, 4].astype(np.float32),
            class_id=data[:, 5].astype(np.int64),
            keypoints=keypoints,
            polygons=polygons,
        )

    def close(self) -> None:
        """Drop the model and free cached GPU memory."""
        self.model = None
        if self.device.startswith("cuda"):
            _lazy.torch().cuda.empty_cache()


def _imgsz(model: Any) -> tuple[int, int]:
    """The training/export size stored in the checkpoint, else ultralytics' default 640."""
    raw = (getattr(model, "overrides", None) or {}).get("imgsz") or 640
    if isinstance(raw, int):
        return (raw, raw)
    h, w = (list(raw) * 2)[:2]
    return (int(h), int(w))


def _first_line(exc: BaseException, limit: int = 200) -> str:
    """The head of a library's error message (some run to a page of advice)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
