"""Compiling a project into a RenderPlan: pure data (inputs, segments, one labelled filter graph)."""

from ..plan import ExportSettings, FilterNode, RenderPlan, Segment
from .compiler import compile_plan

__all__ = ["ExportSettings", "FilterNode", "RenderPlan", "Segment", "compile_plan"]
