"""Offline faces: a classical cascade bundled with a package, behind the :class:`Detector` interface.

``model="opencv:face"`` is OpenCV's Haar frontal-face cascade (``cv2.data.haarcascades``, shipped
in the ``opencv-python(-headless)`` 4.x wheels; OpenCV 5 moved cascades out of the main module);
``model="skimage:face"`` is OpenCV's LBP frontal-face cascade as bundled with scikit-image, run by
``skimage.feature.Cascade`` (works with any OpenCV, or none). Nothing is downloaded. Both are
classical detectors (frontal faces, no landmarks): far less accurate than a trained network; use
them to explore, and an ultralytics/ONNX face model where one is available.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .detections import Detections
from .detectors import Detector
from .errors import ModelNotFoundError, RecognitionError
from .frames import FrameBatch

if TYPE_CHECKING:
    from .models import ModelSpec

__all__ = ["PREFIXES", "CascadeDetector", "cascade_spec", "is_cascade"]

PREFIXES = ("opencv:", "skimage:")
INPUT = (480, 480)  # frames are letterboxed to this (h, w)
MIN_FACE = 36  # pixels at INPUT size: smaller faces are not looked for
MIN_NEIGHBORS = 6  # overlapping hits a face needs


def is_cascade(model: object) -> bool:
    """Whether ``model`` names a bundled cascade (``"opencv:face"``, ``"skimage:face"``)."""
    return isinstance(model, str) and model.startswith(PREFIXES)


def _cv2() -> Any:
    try:
        import cv2
    except ImportError:
        raise ModelNotFoundError(
            "opencv:face needs OpenCV 4.x: pip install 'opencv-python-headless<5'"
        ) from None
    if not hasattr(cv2, "CascadeClassifier"):
        msg = f"opencv:face: OpenCV {cv2.__version__} has no cascade classifier (gone in 5.0); "
        msg += "use 'skimage:face', or pip install 'opencv-python-headless<5'"
        raise ModelNotFoundError(msg)
    return cv2


def _cascade_file(model: str) -> Path:
    if model == "opencv:face":
        return Path(_cv2().data.haarcascades) / "haarcascade_frontalface_default.xml"
    if model == "skimage:face":
        try:
            from skimage import data
        except ImportError:
            raise ModelNotFoundError(
                "skimage:face needs scikit-image: pip install 'timeline_lab[faces]'"
            ) from None
        return Path(data.lbp_frontal_face_cascade_filename())  # type: ignore[no-untyped-call]
    raise ModelNotFoundError(f"model {model!r}: no such bundled cascade; known: opencv:face, skimage:face")


def cascade_spec(model: str) -> ModelSpec:
    """The spec of a bundled cascade: its XML file inside the installed package."""
    from .models import ModelSpec

    path = _cascade_file(model)
    if not path.is_file():
        raise ModelNotFoundError(f"model {model!r}: {path} is missing from the installed package")
    return ModelSpec(name=model, path=path, backend="opencv", task="detect", names=("face",), imgsz=INPUT)


def _grey(image: np.ndarray[Any, Any], rgb: bool) -> np.ndarray[Any, np.dtype[np.uint8]]:
    weights = np.array([0.299, 0.587, 0.114] if rgb else [0.114, 0.587, 0.299], np.float32)
    out: np.ndarray[Any, np.dtype[np.uint8]] = (image @ weights).clip(0, 255).astype(np.uint8)
    return out


class CascadeDetector(Detector):
    """A cascade run on each frame's grey image. ``conf``: with OpenCV ``n / (n + 6)`` for ``n``
    agreeing windows (0.5 at acceptance); scikit-image reports no score, so 1. ``iou`` is unused
    (a cascade groups its own hits)."""

    backend = "opencv"
    pixel_format = "rgb24"

    def __init__(self, spec: ModelSpec, classifier: Any, *, device: str) -> None:
        names = dict(enumerate(spec.names or ("face",)))
        imgsz = spec.imgsz or INPUT
        nbytes = spec.path.stat().st_size
        super().__init__(spec, names=names, task="detect", imgsz=imgsz, nbytes=nbytes, device=device)
        self._classifier = classifier

    @classmethod
    def load(cls, spec: ModelSpec, *, device: str = "auto") -> CascadeDetector:
        """Load the cascade file (CPU only: ``device`` must be "auto" or "cpu")."""
        if device not in ("auto", "cpu"):
            raise RecognitionError(f"model {spec.name!r}: cascades run on the CPU, not {device!r}")
        if spec.name.startswith("skimage:"):
            from skimage.feature import Cascade

            return cls(spec, Cascade(str(spec.path)), device="cpu")
        classifier = _cv2().CascadeClassifier(str(spec.path))
        if classifier.empty():
            raise RecognitionError(f"model {spec.name!r}: {spec.path} is not a cascade OpenCV can load")
        return cls(spec, classifier, device="cpu")

    def _find(self, grey: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """``(n, 4)`` x, y, w, h boxes and ``(n,)`` scores in ``grey``'s pixels."""
        if self.spec.name.startswith("skimage:"):
            found = self._classifier.detect_multi_scale(
                img=grey.astype(np.float32) / 255, scale_factor=1.2, step_ratio=1,
                min_size=(MIN_FACE, MIN_FACE), max_size=grey.shape[:2], min_neighbor_number=MIN_NEIGHBORS,
            )  # fmt: skip
            boxes = [(d["c"], d["r"], d["width"], d["height"]) for d in found]
            return np.asarray(boxes, np.float32).reshape(-1, 4), np.ones(len(boxes), np.float32)
        boxes, hits = self._classifier.detectMultiScale2(
            grey, scaleFactor=1.1, minNeighbors=MIN_NEIGHBORS, minSize=(MIN_FACE, MIN_FACE)
        )
        n = np.asarray(hits, np.float32).reshape(-1)
        return np.asarray(boxes, np.float32).reshape(-1, 4), n / (n + MIN_NEIGHBORS)

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
        """Faces in every frame of ``batch``, boxes mapped back to source pixels."""
        if classes is not None and 0 not in classes:
            return Detections.empty()
        parts = []
        for i, image in enumerate(batch.images):
            boxes, score = self._find(_grey(image, batch.pixel_format == "rgb24"))
            keep = np.flatnonzero(score >= conf)
            keep = keep[np.argsort(-score[keep], kind="stable")][:max_det]
            xyxy = boxes[keep].copy()
            xyxy[:, 2:] += xyxy[:, :2]
            parts.append(
                Detections(
                    image=np.full(len(keep), i, np.int64),
                    xyxy=batch.geometry.to_source(xyxy),
                    conf=score[keep],
                    class_id=np.zeros(len(keep), np.int64),
                )
            )
        return Detections.merge(parts) if parts else Detections.empty()
