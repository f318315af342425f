"""Notebook widgets (anywidget, so they work in JupyterLab, Notebook 7 and VS Code): the timeline,
the preview, progress, and the ``Editor`` that wires them together.

Needs the ``lab`` extra (``pip install timeline_lab[lab]``).
"""

from __future__ import annotations

from .editor import Editor
from .preview import PreviewWidget
from .progress import ProgressWidget
from .render_bar import RenderBar
from .timeline import TimelineWidget

__all__ = ["Editor", "PreviewWidget", "ProgressWidget", "RenderBar", "TimelineWidget"]
