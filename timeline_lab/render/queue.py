"""A render queue: several renders submitted from a notebook, run a few at a time in the background."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from .execute import RenderJob, execute

if TYPE_CHECKING:
    from pathlib import Path

    from ..core.events import EventBus
    from .plan import RenderPlan

__all__ = ["RenderQueue"]


class RenderQueue:
    """Runs plans on worker threads, at most ``max_concurrent`` at once; jobs can be cancelled."""

    def __init__(self, max_concurrent: int = 1, bus: EventBus | None = None) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent: must be >= 1, got {max_concurrent}")
        self.bus = bus
        self._pool = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="render")
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[RenderJob, Future[Path]]] = {}

    def submit(self, plan: RenderPlan) -> tuple[RenderJob, Future[Path]]:
        """Queue a render; returns its job (to cancel) and a future for the finished path."""
        job = RenderJob()
        future = self._pool.submit(execute, plan, bus=self.bus, job=job)
        with self._lock:
            self._jobs[job.job_id] = (job, future)
        future.add_done_callback(lambda _: self._forget(job.job_id))
        return job, future

    def _forget(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    @property
    def pending(self) -> list[RenderJob]:
        """Jobs queued or running."""
        with self._lock:
            return [job for job, _ in self._jobs.values()]

    def cancel_all(self) -> None:
        """Cancel every queued and running render (each removes its partial output)."""
        with self._lock:
            items = list(self._jobs.values())
        for job, future in items:
            job.cancel()
            future.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; with ``wait`` block until running renders finish."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def __enter__(self) -> RenderQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
