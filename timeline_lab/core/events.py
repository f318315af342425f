"""Typed events on one bus: progress bars, widgets, logs and metrics all listen to the same facts.

Renders and analyses run in worker threads; a subscriber registered with ``loop=`` (or an
``async def`` subscriber registered while an asyncio loop runs, as in a Jupyter kernel) gets its
events on that loop instead of the publishing thread, so notebook code never races the UI.
``asyncio`` is imported only where a subscriber uses a loop: a script's bus never needs it.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "Event",
    "EventBus",
    "MediaImported",
    "ProjectOpened",
    "ProjectSaved",
    "RecognitionProgress",
    "RenderCancelled",
    "RenderCompleted",
    "RenderFailed",
    "RenderProgress",
    "RenderStarted",
    "Subscription",
    "TimelineChanged",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of every event; subscribe to a subclass to get only those."""


@dataclass(frozen=True)
class ProjectOpened(Event):
    """A project was loaded or imported."""

    project_id: str
    path: Path | None


@dataclass(frozen=True)
class ProjectSaved(Event):
    """A project was written to disk."""

    project_id: str
    path: Path


@dataclass(frozen=True)
class TimelineChanged(Event):
    """An edit was applied, undone or redone (``how``: do / undo / redo)."""

    project_id: str
    op: str
    how: str


@dataclass(frozen=True)
class MediaImported(Event):
    """A media file was probed and can be used in clips."""

    path: Path


@dataclass(frozen=True)
class RenderStarted(Event):
    """A render began writing ``target``."""

    job_id: str
    target: Path
    total_frames: int
    encoder: str


@dataclass(frozen=True)
class RenderProgress(Event):
    """How far a render is: frames done, rate, an estimate of the time left, current segment."""

    job_id: str
    frames_done: int
    total_frames: int
    fps: float
    eta_seconds: float | None
    segment: int = 0
    segments: int = 1

    @property
    def fraction(self) -> float:
        """Share of frames done, 0..1."""
        return self.frames_done / self.total_frames if self.total_frames else 1.0


@dataclass(frozen=True)
class RenderCompleted(Event):
    """A render finished and ``target`` holds the result."""

    job_id: str
    target: Path
    frames: int
    wall_seconds: float


@dataclass(frozen=True)
class RenderFailed(Event):
    """A render stopped on an error; ``target`` was left as it was."""

    job_id: str
    target: Path
    error: str


@dataclass(frozen=True)
class RenderCancelled(Event):
    """A render stopped on request; ``target`` was left as it was."""

    job_id: str
    target: Path


@dataclass(frozen=True)
class RecognitionProgress(Event):
    """How far an analysis is through its frames."""

    job_id: str
    source: str
    frames_done: int
    total_frames: int | None

    @property
    def fraction(self) -> float | None:
        """Share of frames done, when the total is known."""
        return self.frames_done / self.total_frames if self.total_frames else None


E = TypeVar("E", bound=Event)


@dataclass
class _Sub:
    kind: type[Event]
    fn: Callable[[Any], Any]
    loop: asyncio.AbstractEventLoop | None


class Subscription:
    """Handle returned by ``subscribe``; call ``close()`` (or use ``with``) to stop listening."""

    def __init__(self, bus: EventBus, sub: _Sub) -> None:
        self._bus, self._sub = bus, sub

    def close(self) -> None:
        """Stop delivering events to this subscriber (idempotent)."""
        self._bus._remove(self._sub)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Thread-safe publish/subscribe by event type; a failing subscriber is logged, not fatal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[_Sub] = []

    def subscribe(
        self, kind: type[E], fn: Callable[[E], Any], *, loop: asyncio.AbstractEventLoop | None = None
    ) -> Subscription:
        """Call ``fn(event)`` for events of ``kind``; on ``loop`` if given (async fns: the running loop)."""
        if loop is None and inspect.iscoroutinefunction(fn):
            import asyncio

            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise ValueError("an async subscriber needs a running event loop or loop=") from None
        sub = _Sub(kind, fn, loop)
        with self._lock:
            self._subs.append(sub)
        return Subscription(self, sub)

    def publish(self, event: Event) -> None:
        """Deliver ``event``: plain subscribers now, in this thread; loop subscribers on their loop."""
        with self._lock:
            targets = [s for s in self._subs if isinstance(event, s.kind)]
        for sub in targets:
            if sub.loop is not None and not _on_loop(sub.loop):
                if sub.loop.is_closed():
                    continue
                sub.loop.call_soon_threadsafe(self._deliver, sub, event)
            else:
                self._deliver(sub, event)

    def _deliver(self, sub: _Sub, event: Event) -> None:
        try:
            result = sub.fn(event)
            if inspect.isawaitable(result):
                import asyncio

                task = asyncio.ensure_future(result, loop=sub.loop)
                task.add_done_callback(lambda t: _log_task(t, sub, event))
        except Exception:
            log.exception("event subscriber %r failed on %s", sub.fn, type(event).__name__)

    def _remove(self, sub: _Sub) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether this thread runs ``loop`` (asyncio is loaded: the caller holds one of its loops)."""
    import asyncio

    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _log_task(task: asyncio.Future[Any], sub: _Sub, event: Event) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("async subscriber %r failed on %s: %r", sub.fn, type(event).__name__, task.exception())
