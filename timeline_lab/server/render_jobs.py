"""Renders the JupyterLab extension starts: one Studio per job, progress from its event bus.

The HTTP handlers only start jobs and read their state; the rendering itself is the Studio's.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..core.jobs import Job
from ..render.targets import previous_output_of
from ._errors import ServerError

__all__ = ["JobState", "RenderConflictError", "RenderJobs", "UnknownJobError"]

log = logging.getLogger(__name__)

State = Literal["running", "done", "failed"]


class UnknownJobError(ServerError):
    """A job id this server never started, or forgot (HTTP 404)."""


class RenderConflictError(ServerError):
    """The output is one of the project's own media files, a link or not a regular file, or is being
    rendered already."""


@dataclass
class JobState:
    """What a client polls: the state, the share of frames done, the output and any error."""

    state: State
    fraction: float
    output: str
    error: str | None = None
    job: Job | None = field(default=None, repr=False, compare=False)
    """The running job, whose own progress the fraction follows."""

    def to_json(self) -> dict[str, Any]:
        """The JSON body of ``GET timeline-lab/api/render/<job>``."""
        return {"state": self.state, "fraction": self.fraction, "output": self.output, "error": self.error}


class RenderJobs:
    """Starts renders of projects under ``root`` and remembers the last ``keep`` finished ones."""

    def __init__(self, root: Path, *, keep: int = 64) -> None:
        self.root = Path(root)
        self.keep = keep
        self._jobs: OrderedDict[str, JobState] = OrderedDict()
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        """Outputs (relative names) reserved by a starting or running job."""

    def start(self, project: Path, output: Path, *, overwrite: bool = False) -> tuple[str, JobState]:
        """Open ``project`` and render it to ``output`` in a worker thread; returns (job id, state).

        Both paths are absolute and already confined to ``root`` by the caller. Opening the project
        happens here, so a broken project file fails the request instead of the job. An existing
        ``output`` is replaced only when it is an earlier render of this project, or ``overwrite``;
        a link, folder or FIFO there never is. One job per output: the check and the reservation
        are one locked step, freed when the start fails or the job ends.
        """
        from ..studio import Studio

        name = output.relative_to(self.root).as_posix()
        _refuse_odd_output(output, name)
        with self._lock:  # checked and reserved at once, so concurrent requests get one job
            if name in self._busy:
                raise RenderConflictError(f"{name} is being rendered already; wait for that job")
            self._busy.add(name)
        studio = Studio(workspace=self.root)
        try:
            timeline = studio.open(project)
            sources = {Path(c.media.path).resolve() for c in timeline.clips()}
            if output.resolve() in sources:
                msg = f"{name} is one of {project.name}'s media files; rename the project to render it"
                raise RenderConflictError(msg)
            if (
                output.exists()
                and not overwrite
                and not previous_output_of(output, timeline.id, timeline.name)
            ):
                msg = (
                    f"{name} exists and is not a render of {project.name}; move it away, "
                    "or render with overwrite to replace it"
                )
                raise RenderConflictError(msg)  # said here as a 409; the engine checks again
            job, future = studio.render_in_background(timeline, output, overwrite=overwrite)
            state = JobState("running", 0.0, name, job=job)
        except BaseException:
            with self._lock:
                self._busy.discard(name)
            studio.close()
            raise

        def finished(f: Future[Path]) -> None:
            exc = f.exception()
            with self._lock:
                self._busy.discard(name)
                if exc is None:
                    state.state, state.fraction = "done", 1.0
                else:
                    # clients see paths relative to the server's root, as in every other reply
                    text = (str(exc) or type(exc).__name__).replace(f"{self.root}{os.sep}", "")
                    state.state, state.error = "failed", text
            if exc is not None:
                log.warning("timeline_lab: render of %s failed: %s", project.name, exc)
            studio.close()

        with self._lock:
            self._jobs[job.job_id] = state
            self._forget_finished()
        future.add_done_callback(finished)
        return job.job_id, state

    def status(self, job_id: str) -> JobState:
        """A copy of the job's state, safe to serialize while the worker updates the original."""
        with self._lock:
            state = self._jobs.get(job_id)
            if state is None:
                raise UnknownJobError(f"render job {job_id!r}: unknown (never started or forgotten)")
            running = state.state == "running" and state.job is not None
            fraction = state.job.fraction if running and state.job is not None else state.fraction
            return JobState(state.state, fraction, state.output, state.error)

    def _forget_finished(self) -> None:
        """Drop the oldest finished jobs beyond ``keep``; running ones always stay."""
        finished = [k for k, s in self._jobs.items() if s.state != "running"]
        for key in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[key]


def _refuse_odd_output(output: Path, name: str) -> None:
    """A 409 up front for an output the engine would refuse later: a link, a folder, a FIFO..."""
    try:
        mode = output.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        msg = f"{name} is a symbolic link, which a render never writes through; move it away"
        raise RenderConflictError(msg)
    if not stat.S_ISREG(mode):
        raise RenderConflictError(f"{name} exists and is not a regular file; move it away")
