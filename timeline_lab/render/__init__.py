"""Render engine: compile a project to a plan (pure), execute the plan with PyAV (I/O)."""

from .compile.compiler import compile_plan
from .execute.runner import RenderJob, execute
from .plan import ExportSettings, FilterNode, RenderPlan, Segment
from .smart import SmartDecision, check_smart, render_auto, smart_render

__all__ = [
    "ExportSettings",
    "FilterNode",
    "RenderJob",
    "RenderPlan",
    "Segment",
    "SmartDecision",
    "check_smart",
    "compile_plan",
    "execute",
    "render_auto",
    "smart_render",
]
