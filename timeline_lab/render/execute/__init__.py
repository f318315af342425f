"""Running a RenderPlan with PyAV: decode, one libavfilter graph, encode, staged output."""

from .runner import RenderJob, add_nodes, execute

__all__ = ["RenderJob", "add_nodes", "execute"]
