"""Recognition events and the job handle: progress bars, widgets and logs listen on the studio's bus."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.events import Event
from ..core.events import RecognitionProgress as CoreRecognitionProgress
from ..core.jobs import Job

__all__ = [
    "RecognitionCancelled",
    "RecognitionCompleted",
    "RecognitionFailed",
    "RecognitionJob",
    "RecognitionProgress",
    "RecognitionStarted",
]


@dataclass(eq=False)
class RecognitionJob(Job):
    """A ``recognize`` call's job (cancel: it stops at the next batch, RecognitionCancelledError)."""

    kind: str = "recognition"


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
