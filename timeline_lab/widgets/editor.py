"""``Editor``: timeline, preview and progress wired together for one project (what companions show)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..model.project import Project
from ._sync import Coalescer
from .preview import PreviewWidget
from .progress import ProgressWidget
from .render_bar import RenderBar
from .timeline import TimelineWidget

if TYPE_CHECKING:
    from ..studio import Studio

__all__ = ["Editor"]

log = logging.getLogger(__name__)


class Editor(widgets.VBox):  # type: ignore[misc]
    """Preview over timeline (playheads linked both ways), a render bar with progress; can autosave.

    Every part works with ``studio`` (its bus, jobs, caches, media server); given none, explicitly
    with the process default, ``Studio.default()``.
    """

    def __init__(
        self,
        project: Project,
        *,
        studio: Studio | None = None,
        autosave: str | Path | None = None,
        **kwargs: Any,
    ) -> None:
        if studio is None:
            from ..studio import Studio

            studio = Studio.default()
        self.project = project
        self.studio = studio
        self.timeline = TimelineWidget(project, clock="external", studio=studio)
        self.preview = PreviewWidget(project, studio=studio)
        self.progress = ProgressWidget(studio.bus)
        self.render_bar = RenderBar(project, studio)
        self._links = [
            widgets.jslink((self.timeline, "playhead"), (self.preview, "frame")),
            widgets.jslink((self.timeline, "playing"), (self.preview, "playing")),
        ]
        super().__init__([self.preview, self.timeline, self.render_bar, self.progress], **kwargs)
        self.autosave = Path(autosave) if autosave is not None else None
        self._unsubscribe: Callable[[], None] = lambda: None
        if self.autosave is not None:
            save = Coalescer(self.save)
            self._unsubscribe = project.subscribe(lambda op, how: save())

    def save(self) -> Path | None:
        """Write the project to ``autosave`` atomically (the project file never holds half an edit)."""
        if self.autosave is None:
            return None
        try:
            return self.studio.save(self.project, self.autosave)
        except Exception as exc:  # keep editing; say why the file is behind
            log.exception("autosave to %s failed", self.autosave)
            self.timeline.message = f"autosave failed: {exc}"
            return None

    def close(self) -> None:
        """Close the widgets and stop saving."""
        self._unsubscribe()
        for link in self._links:
            link.close()  # type: ignore[no-untyped-call]
        for w in (self.timeline, self.preview, self.render_bar, self.progress):
            w.close()
        super().close()
