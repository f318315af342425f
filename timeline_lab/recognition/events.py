"""Recognition events and the job handle: progress bars, widgets and logs listen on the studio's bus."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from ..core.events import Event
from ..core.events import RecognitionProgress as CoreRecognitionProgress

__all__ = [
    "RecognitionCancelled",
    "RecognitionCompleted",
    "RecognitionFailed",
    "RecognitionJob",
    "RecognitionProgress",
    "RecognitionStarted",
]


@dataclass
class RecognitionJob:
    """Handle for one ``recognize`` call: its id and a cancel switch another thread may flip."""

    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        """Ask the job to stop at the next batch; it raises RecognitionCancelledError."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._cancel.is_set()


@dataclass(frozen=True)
class RecognitionStarted(Event):
    """A job began: how many files, with which model."""

    job_id: str
    sources: tuple[str, ...]
    model: str


@dataclass(frozen=True)
class RecognitionProgress(CoreRecognitionProgress):
    """The bus's RecognitionProgress, plus where the job is in its list of files (same subscribers)."""

    files_done: int = 0
    files: int = 1
    fps: float = 0.0
    cached: bool = False
    """True when the file's result came from the cache (no frames decoded)."""


@dataclass(frozen=True)
class RecognitionCompleted(Event):
    """A job finished; ``rows`` detections over ``frames`` sampled frames."""

    job_id: str
    rows: int
    frames: int
    wall_seconds: float


@dataclass(frozen=True)
class RecognitionFailed(Event):
    """A job stopped on an error."""

    job_id: str
    error: str


@dataclass(frozen=True)
class RecognitionCancelled(Event):
    """A job stopped on request."""

    job_id: str
    source: str
