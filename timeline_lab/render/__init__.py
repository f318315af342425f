"""Render engine: compile a project to a plan (pure), execute the plan with PyAV (I/O).

Smart render (``render.smart``: GOP copy) is imported on first use of its names, so a full render
does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .compile.compiler import compile_plan
from .execute.runner import RenderJob, execute
from .frame_function import FrameFunction, frame_function_effect, register_frame_function
from .plan import ExportSettings, FilterNode, RenderPlan, Segment

if TYPE_CHECKING:
    from .smart import SmartDecision, check_smart, render_auto, smart_render

__all__ = [
    "ExportSettings",
    "FilterNode",
    "FrameFunction",
    "RenderJob",
    "RenderPlan",
    "Segment",
    "SmartDecision",
    "check_smart",
    "compile_plan",
    "execute",
    "frame_function_effect",
    "register_frame_function",
    "render_auto",
    "smart_render",
]

_SMART = frozenset({"SmartDecision", "check_smart", "render_auto", "smart_render"})


def __getattr__(name: str) -> Any:
    """The smart-render names, importing ``render.smart`` when one is first asked for."""
    if name in _SMART:
        from . import smart

        return getattr(smart, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
