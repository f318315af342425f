"""Detectors: one interface over ultralytics (torch) and onnxruntime; results in source pixels."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import polars as pl

from ._detections_table import shape_schema
from .detections import Detections
from .errors import RecognitionError
from .frames import FrameBatch, PixelFormat, fit_image
from .geometry import Letterbox

if TYPE_CHECKING:
    from .models import ModelSpec, Task

__all__ = ["Detections", "Detector", "open_detector"]


class Detector(ABC):
    """A loaded model that turns a :class:`FrameBatch` into :class:`Detections` (source pixels)."""

    backend: ClassVar[str]
    pixel_format: ClassVar[PixelFormat] = "rgb24"
    kpt_shape: tuple[int, int] | None = None
    """``(K, 2 or 3)`` keypoints per detection, for pose models."""
    outlines: bool = False
    """True when its detections carry polygons (segmentation run by ultralytics)."""

    def __init__(
        self,
        spec: ModelSpec,
        *,
        names: dict[int, str],
        task: Task,
        imgsz: tuple[int, int],
        nbytes: int,
        device: str,
    ) -> None:
        self.spec = spec
        self.names = dict(names)
        self.task: Task = task
        self.imgsz = imgsz
        self.nbytes = nbytes
        self.device = device

    @property
    def name(self) -> str:
        """The model's name (its file name unless registered under another)."""
        return self.spec.name

    @property
    def sha256(self) -> str:
        """Checksum of the model file (part of every cache key)."""
        assert self.spec.sha256 is not None
        return self.spec.sha256

    @property
    def input_size(self) -> tuple[int, int] | None:
        """``(h, w)`` the sampler should letterbox frames to; None = pass source frames."""
        return self.imgsz

    @property
    def shape_columns(self) -> pl.Schema:
        """The columns its rows add to the table (keypoints, polygon), kept when nothing is found."""
        return shape_schema(self.kpt_shape[0] if self.kpt_shape else None, polygons=self.outlines)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name!r} task={self.task} imgsz={self.imgsz} device={self.device}>"
        )

    def class_ids(self, classes: Sequence[int | str] | int | str | None) -> list[int] | None:
        """Validate a class filter (ids or names) against this model's classes."""
        if classes is None:
            return None
        if isinstance(classes, int | str):
            classes = [classes]
        by_name = {v: k for k, v in self.names.items()}
        ids: list[int] = []
        for c in classes:
            if isinstance(c, str) and c in by_name:
                ids.append(by_name[c])
            elif isinstance(c, int) and not isinstance(c, bool) and c in self.names:
                ids.append(c)
            else:
                shown = ", ".join(repr(v) for v in list(self.names.values())[:20])
                more = f" and {len(self.names) - 20} more" if len(self.names) > 20 else ""
                msg = (
                    f"classes: model {self.name!r} has no class {c!r}; "
                    f"it knows ids 0..{len(self.names) - 1}: {shown}{more}"
                )
                raise RecognitionError(msg)
        return sorted(set(ids))

    @abstractmethod
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
        """Detect objects in every frame of ``batch``; boxes come back in source pixels."""

    def predict(self, images: Sequence[np.ndarray[Any, Any]], **options: Any) -> Detections:
        """Convenience for single RGB images of any size (notebooks, tests); ``image`` = list position."""
        parts = []
        for i, img in enumerate(images):
            src = (int(img.shape[0]), int(img.shape[1]))
            size = (options.get("imgsz") or self.input_size) if self.input_size is not None else None
            geometry = Letterbox.fit(src, size or src)
            fitted = fit_image(np.ascontiguousarray(img), geometry)
            if self.pixel_format == "bgr24":
                fitted = np.ascontiguousarray(fitted[..., ::-1])
            batch = FrameBatch(
                source="<array>",
                images=fitted[None],
                frames=np.asarray([i], dtype=np.int64),
                pts=(),
                geometry=geometry,
                pixel_format=self.pixel_format,
            )
            found = self.detect(batch, **options)
            found.image[:] = i
            parts.append(found)
        return Detections.merge(parts)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model (called when the manager evicts it)."""


def open_detector(spec: ModelSpec, *, device: str = "auto") -> Detector:
    """Load ``spec`` with its backend; errors name the file and what is wrong with it."""
    if spec.backend == "ultralytics":
        from ._yolo import UltralyticsDetector

        return UltralyticsDetector.load(spec, device=device)
    if spec.backend == "onnx":
        from ._onnx import OnnxDetector

        return OnnxDetector.load(spec, device=device)
    raise RecognitionError(f"model {spec.name!r}: unknown backend {spec.backend!r}")
