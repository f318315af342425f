"""Render engine: compile a project to a plan (pure), execute the plan with PyAV (I/O)."""

from .compile.compiler import compile_plan
from .execute.runner import RenderJob, execute
from .frame_function import FrameFunction, frame_function_effect, register_frame_function
from .plan import ExportSettings, FilterNode, RenderPlan, Segment
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
