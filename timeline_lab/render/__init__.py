"""Render engine: compile a project to a plan (pure), execute the plan with PyAV (I/O)."""

from .compile import compile_plan
from .execute import RenderJob, execute
from .plan import ExportSettings, FilterNode, RenderPlan, Segment

__all__ = [
    "ExportSettings",
    "FilterNode",
    "RenderJob",
    "RenderPlan",
    "Segment",
    "compile_plan",
    "execute",
]
