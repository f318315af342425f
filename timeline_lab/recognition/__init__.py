"""Recognition: detect and track objects in videos, get a Polars table, turn it into edits.

The heavy parts (polars, PyAV, ultralytics/torch, onnxruntime) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ModelNotFoundError, RecognitionCancelledError, RecognitionError

if TYPE_CHECKING:
    from .blur import BlurParams, blur_effect, register_blur
    from .charts import presence_chart
    from .detections import Detections
    from .detectors import Detector
    from .edits import add_blur, add_markers, cut_to
    from .events import (
        RecognitionCancelled,
        RecognitionCompleted,
        RecognitionFailed,
        RecognitionJob,
        RecognitionProgress,
        RecognitionStarted,
    )
    from .frames import FrameBatch, FrameSampler
    from .models import ModelManager, ModelRegistry, ModelSpec
    from .service import DetectOptions, recognize, start_recognition
    from .store import ResultCache, load_results, save_results
    from .tables import DETECTION_SCHEMA, SEGMENT_SCHEMA, counts_per_second, segments, summary
    from .tracking import make_tracker

__all__ = [
    "DETECTION_SCHEMA",
    "SEGMENT_SCHEMA",
    "BlurParams",
    "DetectOptions",
    "Detections",
    "Detector",
    "FrameBatch",
    "FrameSampler",
    "ModelManager",
    "ModelNotFoundError",
    "ModelRegistry",
    "ModelSpec",
    "RecognitionCancelled",
    "RecognitionCancelledError",
    "RecognitionCompleted",
    "RecognitionError",
    "RecognitionFailed",
    "RecognitionJob",
    "RecognitionProgress",
    "RecognitionStarted",
    "ResultCache",
    "add_blur",
    "add_markers",
    "blur_effect",
    "counts_per_second",
    "cut_to",
    "load_results",
    "make_tracker",
    "presence_chart",
    "recognize",
    "register_blur",
    "save_results",
    "segments",
    "start_recognition",
    "summary",
]

_WHERE = {
    "blur": ("BlurParams", "blur_effect", "register_blur"),
    "charts": ("presence_chart",),
    "detections": ("Detections",),
    "detectors": ("Detector",),
    "edits": ("add_blur", "add_markers", "cut_to"),
    "events": (
        "RecognitionCancelled",
        "RecognitionCompleted",
        "RecognitionFailed",
        "RecognitionJob",
        "RecognitionProgress",
        "RecognitionStarted",
    ),
    "frames": ("FrameBatch", "FrameSampler"),
    "models": ("ModelManager", "ModelRegistry", "ModelSpec"),
    "service": ("DetectOptions", "recognize", "start_recognition"),
    "store": ("ResultCache", "load_results", "save_results"),
    "tables": ("DETECTION_SCHEMA", "SEGMENT_SCHEMA", "counts_per_second", "segments", "summary"),
    "tracking": ("make_tracker",),
}
_LAZY = {name: module for module, names in _WHERE.items() for name in names}


def __getattr__(name: str) -> Any:
    """Load submodules on first use so importing the package stays cheap."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
