"""``ProgressWidget``: render and analysis progress from the event bus, as a bar in the notebook."""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets

from ..core.events import (
    EventBus,
    RecognitionProgress,
    RenderCancelled,
    RenderCompleted,
    RenderFailed,
    RenderProgress,
    RenderStarted,
    Subscription,
)
from ..recognition.events import (
    RecognitionCancelled,
    RecognitionCompleted,
    RecognitionFailed,
    RecognitionStarted,
)
from ._sync import kernel_loop

__all__ = ["ProgressWidget"]


class ProgressWidget(widgets.HBox):  # type: ignore[misc]
    """A bar and a line of text that follow every render and analysis published on ``bus``."""

    def __init__(self, bus: EventBus, *, min_interval: float = 0.1, **kwargs: Any) -> None:
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, layout=widgets.Layout(width="240px"))
        self.label = widgets.Label("idle")  # text, not markup: paths and errors may hold "<"
        super().__init__([self.bar, self.label], **kwargs)
        self._loop = kernel_loop()
        self._min_interval = min_interval
        self._last = 0.0
        kinds: list[type[Any]] = [
            RenderStarted,
            RenderProgress,
            RenderCompleted,
            RenderFailed,
            RenderCancelled,
            RecognitionStarted,
            RecognitionProgress,
            RecognitionCompleted,
            RecognitionFailed,
            RecognitionCancelled,
        ]
        self._subs: list[Subscription] = [bus.subscribe(k, self._on_event) for k in kinds]

    def _on_event(self, ev: Any) -> None:
        """Events come from worker threads: update on the kernel's loop, at most every min_interval."""
        final = not isinstance(ev, (RenderProgress, RecognitionProgress))  # starts and ends always show
        now = time.monotonic()
        if not final and now - self._last < self._min_interval:
            return
        self._last = now
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.show, ev)
        else:
            self.show(ev)

    def show(self, ev: Any) -> None:
        """Reflect one event in the bar and the text."""
        if isinstance(ev, RenderStarted):
            self.bar.bar_style, self.bar.value = "info", 0.0
            self.label.value = f"rendering {ev.target.name} ({ev.total_frames} frames, {ev.encoder})"
        elif isinstance(ev, RenderProgress):
            self.bar.value = ev.fraction
            eta = f", {ev.eta_seconds:.0f} s left" if ev.eta_seconds is not None else ""
            self.label.value = f"{ev.frames_done}/{ev.total_frames} frames at {ev.fps:.0f} fps{eta}"
        elif isinstance(ev, RenderCompleted):
            self.bar.bar_style, self.bar.value = "success", 1.0
            self.label.value = f"done: {ev.target.name}, {ev.frames} frames in {ev.wall_seconds:.1f} s"
        elif isinstance(ev, RenderFailed):
            self.bar.bar_style = "danger"
            self.label.value = f"failed: {ev.error}"
        elif isinstance(ev, RenderCancelled):
            self.bar.bar_style = "warning"
            self.label.value = f"cancelled: {ev.target.name}"
        elif isinstance(ev, RecognitionStarted):
            self.bar.bar_style, self.bar.value = "info", 0.0
            self.label.value = f"analysing {len(ev.sources)} file(s) with {ev.model}"
        elif isinstance(ev, RecognitionCompleted):
            self.bar.bar_style, self.bar.value = "success", 1.0
            self.label.value = f"analysed {ev.frames} frames: {ev.rows} detections in {ev.wall_seconds:.1f} s"
        elif isinstance(ev, RecognitionFailed):
            self.bar.bar_style = "danger"
            self.label.value = f"analysis failed: {ev.error}"
        elif isinstance(ev, RecognitionCancelled):
            self.bar.bar_style = "warning"
            self.label.value = "analysis cancelled"
        elif isinstance(ev, RecognitionProgress):
            fraction = ev.fraction
            self.bar.value = fraction if fraction is not None else 0.0
            total = ev.total_frames if ev.total_frames is not None else "?"
            self.label.value = f"analysing {ev.source}: {ev.frames_done}/{total} frames"

    def close(self) -> None:
        """Stop listening to the bus."""
        for sub in self._subs:
            sub.close()
        super().close()
