"""Notebook widgets (anywidget, so they work in JupyterLab, Notebook 7 and VS Code): the timeline,
the preview, the media bin, progress, and the ``Editor`` that wires them together.

Needs the ``lab`` extra (``pip install timeline_lab[lab]``).
"""

from __future__ import annotations

from .editor import Editor
from .media_bin import MediaBin
from .preview import PreviewWidget
from .progress import ProgressWidget
from .render_bar import RenderBar
from .timeline import TimelineWidget

__all__ = ["Editor", "MediaBin", "PreviewWidget", "ProgressWidget", "RenderBar", "TimelineWidget"]
