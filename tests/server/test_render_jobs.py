"""RenderJobs: one job per output however many requests race for it; odd outputs refused up front."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.errors import TimelineLabError
from timeline_lab.server.render_jobs import RenderConflictError, RenderJobs


def _project(root: Path, clip: Path, name: str = "cut") -> Path:
    from timeline_lab.studio import Studio

    studio = Studio(workspace=root)
    project = studio.new_project(name, width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 5))
    studio.save(project, f"{name}.tlproj")
    studio.close()
    return root / f"{name}.tlproj"


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Renders that stay running until the event is set, then succeed without writing anything."""
    runner = importlib.import_module("timeline_lab.render.execute.runner")
    release = threading.Event()

    def slow(plan: Any, **kwargs: Any) -> Path:
        release.wait(30)
        return Path(plan.export.path)

    monkeypatch.setattr(runner, "execute", slow)
    yield release
    release.set()


def _race(jobs: RenderJobs, project: Path, n: int) -> list[str | Exception]:
    """``n`` threads start the same render at the same moment; each gets a job id or its error."""
    barrier = threading.Barrier(n)
    results: list[str | Exception] = []

    def go() -> None:
        barrier.wait()
        try:
            results.append(jobs.start(project, project.with_suffix(".mp4"))[0])
        except Exception as exc:  # collected for the assertions below
            results.append(exc)

    threads = [threading.Thread(target=go) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _wait_done(jobs: RenderJobs, job: str) -> str:
    for _ in range(600):
        state = jobs.status(job)
        if state.state != "running":
            return state.state
        threading.Event().wait(0.05)
    pytest.fail(f"render job {job} still running")


@pytest.mark.parametrize("n", [2, 4, 8])
def test_concurrent_starts_give_one_job(
    tmp_path: Path, media: dict[str, Path], held: threading.Event, n: int
) -> None:
    project = _project(tmp_path, media["silent"])
    jobs = RenderJobs(tmp_path)
    results = _race(jobs, project, n)
    started = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(started) == 1, results
    assert len(refused) == n - 1
    assert all(isinstance(e, RenderConflictError) and "being rendered already" in str(e) for e in refused)
    held.set()
    assert _wait_done(jobs, started[0]) == "done"
    job, _ = jobs.start(project, project.with_suffix(".mp4"))  # the finished job freed the output
    assert _wait_done(jobs, job) == "done"


def test_a_refused_start_frees_the_output(
    tmp_path: Path, media: dict[str, Path], held: threading.Event
) -> None:
    project = _project(tmp_path, media["silent"])
    jobs = RenderJobs(tmp_path)
    good = project.read_text()
    project.write_text("{not a project")
    for _ in range(2):  # each failure releases what it reserved
        with pytest.raises(TimelineLabError, match=r"cut\.tlproj"):
            jobs.start(project, project.with_suffix(".mp4"))
    project.write_text(good)
    job, _ = jobs.start(project, project.with_suffix(".mp4"))
    held.set()
    assert _wait_done(jobs, job) == "done"


def _symlink_out(out: Path, outside: Path) -> None:
    victim = outside / "victim.mp4"
    victim.write_bytes(b"VICTIM")
    out.symlink_to(victim)


ODD_OUTPUTS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "link to a file outside": (_symlink_out, "is a symbolic link"),
    "dangling link outside": (lambda o, d: o.symlink_to(d / "new.mp4"), "is a symbolic link"),
    "link to a folder": (lambda o, d: o.symlink_to(d, target_is_directory=True), "is a symbolic link"),
    "directory": (lambda o, d: o.mkdir(), "is not a regular file"),
    "fifo": (lambda o, d: os.mkfifo(o), "is not a regular file"),
}


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("kind", sorted(ODD_OUTPUTS))
def test_odd_outputs_are_refused_before_a_job_starts(
    tmp_path: Path, media: dict[str, Path], held: threading.Event, kind: str, overwrite: bool
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    project = _project(root, media["silent"])
    out = project.with_suffix(".mp4")
    make, reason = ODD_OUTPUTS[kind]
    make(out, outside)
    before = sorted(p.name for p in outside.iterdir())
    jobs = RenderJobs(root)
    with pytest.raises(RenderConflictError, match=f"^cut.mp4 .*{reason}.*move it away"):
        jobs.start(project, out, overwrite=overwrite)
    assert sorted(p.name for p in outside.iterdir()) == before
    assert not (outside / "victim.mp4").exists() or (outside / "victim.mp4").read_bytes() == b"VICTIM"
    assert not jobs._jobs  # no job was started
    out.unlink() if out.is_symlink() or not out.is_dir() else out.rmdir()
    job, _ = jobs.start(project, out, overwrite=overwrite)  # moved away: accepted, and not reserved
    held.set()
    assert _wait_done(jobs, job) == "done"
