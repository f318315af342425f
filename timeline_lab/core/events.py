"""Typed events on one bus: progress bars, widgets, logs and metrics all listen to the same facts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "Event",
    "EventBus",
    "RenderCancelled",
    "RenderCompleted",
    "RenderFailed",
    "RenderProgress",
    "RenderStarted",
    "Subscription",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of every event; subscribe to a subclass to get only those."""


@dataclass(frozen=True)
class RenderStarted(Event):
    """A render began writing ``target``."""

    job_id: str
    target: Path
    total_frames: int
    encoder: str


@dataclass(frozen=True)
class RenderProgress(Event):
    """How far a render is: frames done, rate and an estimate of the time left."""

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


E = TypeVar("E", bound=Event)


class Subscription:
    """Handle returned by ``subscribe``; call ``close()`` (or use ``with``) to stop listening."""

    def __init__(self, bus: EventBus, kind: type[Event], fn: Callable[[Any], None]) -> None:
        self._bus, self._kind, self._fn = bus, kind, fn

    def close(self) -> None:
        """Stop delivering events to this subscriber (idempotent)."""
        self._bus._remove(self._kind, self._fn)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Thread-safe publish/subscribe by event type; a failing subscriber is logged, not fatal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[type[Event], list[Callable[[Any], None]]] = {}

    def subscribe(self, kind: type[E], fn: Callable[[E], None]) -> Subscription:
        """Call ``fn(event)`` for every published event that is an instance of ``kind``."""
        with self._lock:
            self._subs.setdefault(kind, []).append(fn)
        return Subscription(self, kind, fn)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` synchronously, in the publishing thread, to matching subscribers."""
        with self._lock:
            targets = [fn for kind, fns in self._subs.items() if isinstance(event, kind) for fn in fns]
        for fn in targets:
            try:
                fn(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", fn, type(event).__name__)

    def _remove(self, kind: type[Event], fn: Callable[[Any], None]) -> None:
        with self._lock:
            fns = self._subs.get(kind, [])
            if fn in fns:
                fns.remove(fn)
