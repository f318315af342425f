"""Optional heavy dependencies, imported on first use with the network switched off."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import warnings
from typing import Any

from .errors import RecognitionError

__all__ = ["onnxruntime", "torch", "ultralytics"]

_EXTRAS = {
    "ultralytics": "yolo",
    "torch": "yolo",
    "onnxruntime": "onnx",
    "onnx": "onnx",
    "altair": "charts",
}
_lock = threading.Lock()
_configured = False


def _import(name: str, purpose: str) -> Any:
    try:
        with warnings.catch_warnings():
            # some releases warn on import about their own deprecated internals; not ours to act on
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            return importlib.import_module(name)
    except ImportError as exc:
        extra = _EXTRAS.get(name, name)
        msg = f"{purpose} needs {name!r}, which is not installed: pip install 'timeline_lab[{extra}]' ({exc})"
        raise RecognitionError(msg) from exc


def ultralytics() -> Any:
    """The ``ultralytics`` package, offline: no hub checks, no settings sync, no auto-installs."""
    global _configured
    with _lock:
        os.environ["YOLO_OFFLINE"] = "1"  # read at import time by ultralytics.utils (ONLINE = False)
        os.environ.setdefault("YOLO_AUTOINSTALL", "false")  # never pip-install missing requirements
        module = _import("ultralytics", "the ultralytics backend")
        _unpatch_pillow()
        if not _configured:
            settings = module.settings
            if settings.get("sync", True):
                settings.update({"sync": False})  # no analytics or crash reports
            _configured = True
        return module


def _unpatch_pillow() -> None:
    """Give Pillow back its own ``Image.open``: ultralytics replaces it for the whole process with one
    that, on a file Pillow cannot identify, tries to install a HEIF plugin and raises ImportError, so
    stills Pillow does not read (DPX, OpenEXR: FFmpeg reads them) failed once a model was loaded."""
    patches = sys.modules.get("ultralytics.utils.patches")
    original = getattr(patches, "_image_open", None)
    if original is None:
        return
    from PIL import Image

    if Image.open is getattr(patches, "image_open", None):
        Image.open = original


def torch() -> Any:
    """The ``torch`` package (installed with the ``yolo`` extra)."""
    return _import("torch", "the ultralytics backend")


def onnxruntime() -> Any:
    """The ``onnxruntime`` package (``onnx`` extra)."""
    return _import("onnxruntime", "the onnx backend")


def altair() -> Any:
    """The ``altair`` package (``charts`` extra)."""
    return _import("altair", "charts")


def has_module(name: str) -> bool:
    """True when ``name`` can be imported (checked without importing it)."""
    return importlib.util.find_spec(name) is not None
