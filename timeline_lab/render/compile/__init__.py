"""Compiling a project into a RenderPlan: pure data (inputs, segments, one labelled filter graph)."""

from .compiler import compile_plan
from .plan import ExportSettings, FilterNode, RenderPlan, Segment

__all__ = ["ExportSettings", "FilterNode", "RenderPlan", "Segment", "compile_plan"]
