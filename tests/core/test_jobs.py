"""The one job model: a runner announces every job's start, progress and end on the bus."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest

from timeline_lab.core.events import Event, EventBus
from timeline_lab.core.jobs import (
    Job,
    JobCancelled,
    JobFailed,
    JobFinished,
    JobProgress,
    JobRunner,
    JobStarted,
    submit_to,
)


def _events(bus: EventBus) -> list[Event]:
    seen: list[Event] = []
    bus.subscribe(Event, seen.append)
    return seen


def test_a_job_is_announced_from_start_to_end() -> None:
    bus = EventBus()
    seen = _events(bus)

    def work(job: Job) -> str:
        for i in range(1, 201):
            job.progress(i / 200)
        return "done"

    with JobRunner(bus, workers=1) as runner:
        job = runner.submit(work, Job(kind="test"))
        assert job.result(timeout=10) == "done"
    kinds = [type(e) for e in seen]
    assert kinds[0] is JobStarted and kinds[-1] is JobFinished
    progress = [e for e in seen if isinstance(e, JobProgress)]
    assert 0 < len(progress) <= 101 and progress[-1].fraction == 1.0  # at most one per percent
    assert all(e.job_id == job.job_id and e.kind == "test" for e in seen if hasattr(e, "job_id"))


def test_a_failure_reaches_the_caller_and_the_bus() -> None:
    bus = EventBus()
    seen = _events(bus)

    def work(_job: Job) -> None:
        raise ValueError("bad input")

    with JobRunner(bus) as runner:
        job = runner.submit(work)
        with pytest.raises(ValueError, match="bad input"):
            job.result(timeout=10)
    failed = [e for e in seen if isinstance(e, JobFailed)]
    assert len(failed) == 1 and failed[0].error == "ValueError: bad input"


def test_a_queued_job_cancelled_never_runs_and_a_running_one_sees_the_switch() -> None:
    bus = EventBus()
    seen = _events(bus)
    gate, ran = threading.Event(), []

    def hold(job: Job) -> str:
        gate.wait(10)
        return "stopped" if job.cancelled else "ran"

    with JobRunner(bus, workers=1) as runner:
        first = runner.submit(hold)
        queued = runner.submit(lambda _job: ran.append(1))
        queued.cancel()
        first.cancel()
        gate.set()
        assert first.result(timeout=10) == "stopped"
        with pytest.raises(concurrent.futures.CancelledError):
            queued.result(timeout=10)
    assert ran == [] and queued.cancelled
    assert any(isinstance(e, JobCancelled) and e.job_id == queued.job_id for e in seen)


def test_a_job_without_a_runner_runs_on_its_own() -> None:
    job = submit_to(None, lambda j: j.kind, Job(kind="alone"))
    assert job.result(timeout=10) == "alone"


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers"):
        JobRunner(workers=0)
