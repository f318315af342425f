"""One job model for all background work: renders, recognition, proxies, the Lab's render route.

A :class:`Job` is the handle a caller keeps (id, kind, progress, a cancel switch, the result); a
:class:`JobRunner` runs jobs on one thread pool and announces them on the bus with
``JobStarted``/``JobProgress``/``JobFinished``/``JobFailed``/``JobCancelled``, whatever the work.
The work itself checks ``job.cancelled`` and reports ``job.progress(fraction)``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .events import Event, EventBus

__all__ = [
    "Job",
    "JobCancelled",
    "JobFailed",
    "JobFinished",
    "JobProgress",
    "JobRunner",
    "JobStarted",
    "submit_to",
]

T = TypeVar("T")


@dataclass(frozen=True)
class JobStarted(Event):
    """A job began running (it may have waited in the queue)."""

    job_id: str
    kind: str


@dataclass(frozen=True)
class JobProgress(Event):
    """How far a job is, 0..1 (at most one event per percent, or per half second)."""

    job_id: str
    kind: str
    fraction: float


@dataclass(frozen=True)
class JobFinished(Event):
    """A job ended with its result."""

    job_id: str
    kind: str
    seconds: float


@dataclass(frozen=True)
class JobFailed(Event):
    """A job ended with an error (``Type: message``)."""

    job_id: str
    kind: str
    error: str
    seconds: float


@dataclass(frozen=True)
class JobCancelled(Event):
    """A job stopped because it was asked to."""

    job_id: str
    kind: str
    seconds: float


@dataclass(eq=False)
class Job:
    """Handle for one piece of background work: id, kind, progress, cancel switch and result."""

    kind: str = "job"
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    fraction: float = 0.0
    future: Future[Any] = field(default_factory=Future, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _listeners: list[Callable[[Job], None]] = field(default_factory=list, repr=False)
    _reported: tuple[float, float] = field(default=(-1.0, 0.0), repr=False)

    def cancel(self) -> None:
        """Ask the work to stop at its next check (a queued job never starts)."""
        self._cancel.set()
        self.future.cancel()

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """The cancel switch as an Event, for work that takes one (``is_set``, ``wait``)."""
        return self._cancel

    def progress(self, fraction: float) -> None:
        """Record how far the work is; listeners hear of it at most once per percent or 0.5 s."""
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        last_fraction, last_time = self._reported
        now = time.monotonic()
        if self.fraction >= 1.0 or self.fraction - last_fraction >= 0.01 or now - last_time >= 0.5:
            self._reported = (self.fraction, now)
            for listener in list(self._listeners):
                listener(self)

    def result(self, timeout: float | None = None) -> Any:
        """The work's result (raises its error, or CancelledError)."""
        return self.future.result(timeout)

    def done(self) -> bool:
        """True once the work ended, one way or another."""
        return self.future.done()


class JobRunner:
    """Runs jobs on one thread pool (``workers`` at once) and announces them on ``bus``."""

    def __init__(self, bus: EventBus | None = None, *, workers: int = 2, name: str = "job") -> None:
        if workers < 1:
            raise ValueError(f"workers: must be >= 1, got {workers}")
        self.bus = bus
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def submit(self, work: Callable[[Job], T], job: Job | None = None, *, kind: str = "job") -> Job:
        """Queue ``work(job)``; returns the job, whose ``future`` holds the result."""
        job = job if job is not None else Job(kind=kind)
        if self.bus is not None:
            bus = self.bus
            job._listeners.append(lambda j: bus.publish(JobProgress(j.job_id, j.kind, j.fraction)))
        with self._lock:
            self._jobs[job.job_id] = job
        inner = self._pool.submit(self._run, work, job)
        inner.add_done_callback(lambda _f: self._forget(job.job_id))
        return job

    def _run(self, work: Callable[[Job], T], job: Job) -> None:
        if job.cancelled or not job.future.set_running_or_notify_cancel():
            self._announce(JobCancelled(job.job_id, job.kind, 0.0))
            return
        self._announce(JobStarted(job.job_id, job.kind))
        started = time.monotonic()
        try:
            value = work(job)
        except BaseException as exc:  # handed to the caller through the future, and announced
            seconds = time.monotonic() - started
            if job.cancelled:
                self._announce(JobCancelled(job.job_id, job.kind, seconds))
            else:
                self._announce(JobFailed(job.job_id, job.kind, f"{type(exc).__name__}: {exc}", seconds))
            job.future.set_exception(exc)
            return
        self._announce(JobFinished(job.job_id, job.kind, time.monotonic() - started))
        job.future.set_result(value)

    def _announce(self, event: Event) -> None:
        if self.bus is not None:
            self.bus.publish(event)

    def _forget(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    @property
    def pending(self) -> list[Job]:
        """Jobs queued or running."""
        with self._lock:
            return list(self._jobs.values())

    def cancel_all(self) -> None:
        """Cancel every queued and running job."""
        for job in self.pending:
            job.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; queued and running jobs still run (``wait``: block until they end)."""
        self._pool.shutdown(wait=wait)

    def __enter__(self) -> JobRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def submit_to(
    runner: JobRunner | None, work: Callable[[Job], Any], job: Job, bus: EventBus | None = None
) -> Job:
    """Submit to ``runner`` (a Studio's); without one, to a runner of its own that ends with the job."""
    if runner is not None:
        return runner.submit(work, job)
    alone = JobRunner(bus, workers=1, name=job.kind)
    alone.submit(work, job)
    alone.shutdown(wait=False)  # the job still runs; the pool's thread ends with it
    return job
