"""timeline_lab: frame-exact, Jupyter-native video editing (the heavy parts import lazily)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    CancelledError,
    CapabilityError,
    MediaError,
    ProjectError,
    ProjectFileError,
    RenderError,
    TimelineLabError,
)

if TYPE_CHECKING:
    from .model import (
        Clip,
        Marker,
        Project,
        RationalTime,
        SequenceClip,
        TextClip,
        TimeRange,
        Track,
        Transition,
    )
    from .studio import Studio

__all__ = [
    "CancelledError",
    "CapabilityError",
    "Clip",
    "Marker",
    "MediaError",
    "Project",
    "ProjectError",
    "ProjectFileError",
    "RationalTime",
    "RenderError",
    "SequenceClip",
    "Studio",
    "TextClip",
    "TimeRange",
    "TimelineLabError",
    "Track",
    "Transition",
    "__version__",
]

_LAZY = {
    "Studio": "timeline_lab.studio",
    **{
        n: "timeline_lab.model"
        for n in (
            "Clip",
            "Marker",
            "Project",
            "RationalTime",
            "SequenceClip",
            "TextClip",
            "TimeRange",
            "Track",
            "Transition",
        )
    },
}


def __getattr__(name: str) -> Any:
    """Import the model and studio on first use so ``import timeline_lab`` stays fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'timeline_lab' has no attribute {name!r}")
