"""``RenderBar``: render the project from the notebook UI (in the background, with Cancel)."""

from __future__ import annotations

import html
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..model.project import Project
from ._sync import kernel_loop

if TYPE_CHECKING:
    from ..render.execute.runner import RenderJob
    from ..studio import Studio

__all__ = ["DEFAULT_FOLDER", "RenderBar"]

DEFAULT_FOLDER = "output"


class RenderBar(widgets.HBox):  # type: ignore[misc]
    """Output path, Render and Cancel; the kernel stays free while it renders (progress: the bus)."""

    def __init__(
        self, project: Project, studio: Studio, *, output: str | Path | None = None, **kwargs: Any
    ) -> None:
        self.project, self.studio = project, studio
        # renders go to output/ beside the notebook by default, not among the notebooks
        default = output if output is not None else f"{DEFAULT_FOLDER}/{project.name or 'timeline'}.mp4"
        self.output = widgets.Text(
            value=str(default), description="Output", layout=widgets.Layout(width="320px")
        )
        self.render_button = widgets.Button(description="Render", icon="play", button_style="primary")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True)
        self.result = widgets.HTML("")
        super().__init__([self.output, self.render_button, self.cancel_button, self.result], **kwargs)
        self._loop = kernel_loop()
        self.job: RenderJob | None = None
        self.future: Future[Path] | None = None
        self.render_button.on_click(lambda _b: self.start())
        self.cancel_button.on_click(lambda _b: self.cancel())

    def start(self) -> Future[Path] | None:
        """Start rendering to the output path (relative paths are in the studio's workspace)."""
        if self.future is not None and not self.future.done():
            return self.future
        try:
            if Path(self.output.value).parent == Path(DEFAULT_FOLDER):
                (self.studio.workspace / DEFAULT_FOLDER).mkdir(exist_ok=True)
            self.job, self.future = self.studio.render_in_background(self.project, self.output.value)
        except Exception as exc:  # a bad path or an empty timeline: say so, keep the UI usable
            self.result.value = f"<span style='color:#c62828'>cannot render: {html.escape(str(exc))}</span>"
            return None
        self.render_button.disabled, self.cancel_button.disabled = True, False
        self.result.value = ""
        self.future.add_done_callback(self._finished)
        return self.future

    def cancel(self) -> None:
        """Stop the running render; its partial output is removed."""
        if self.job is not None:
            self.job.cancel()

    def _finished(self, future: Future[Path]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._show, future)
        else:
            self._show(future)

    def _show(self, future: Future[Path]) -> None:
        self.render_button.disabled, self.cancel_button.disabled = False, True
        exc = future.exception()
        if exc is None:
            self.result.value = f"wrote <code>{html.escape(future.result().name)}</code>"
        else:  # paths and messages are text, never markup (a file name may hold "<img onerror=...>")
            text = html.escape(f"{type(exc).__name__}: {exc}")
            self.result.value = f"<span style='color:#c62828'>{text}</span>"
