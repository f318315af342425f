"""Progress, cancel, queue, previews and failure modes: nothing partial is ever left at the target."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from timeline_lab.core.events import EventBus, RenderProgress
from timeline_lab.core.jobs import JobFinished, JobRunner
from timeline_lab.errors import CancelledError
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import RationalTime, Transition
from timeline_lab.render import ExportSettings, RenderJob, compile_plan, execute
from timeline_lab.studio import Studio

from ..conftest import decode_video

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("long") / "long.mp4", width=160, height=120, rate=25, frames=250, tag=7
    )


def three_cuts(studio: Studio, path: Path):
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    v1.append(studio.clip(path, 0, 80))
    v1.append(studio.clip(path, 100, 80))
    v1.append(studio.clip(path, 190, 60))
    return project


def test_progress_reports_segments_and_cancel_at_half(
    studio: Studio, long_clip: Path, tmp_path: Path
) -> None:
    target = tmp_path / "half.mp4"
    target.write_bytes(b"old")
    bus, job = EventBus(), RenderJob()
    seen: list[RenderProgress] = []

    def on(ev: RenderProgress) -> None:
        seen.append(ev)
        if ev.fraction >= 0.5:
            job.cancel()

    bus.subscribe(RenderProgress, on)
    with pytest.raises(CancelledError):
        execute(
            compile_plan(three_cuts(studio, long_clip), ExportSettings(target, overwrite=True)),
            bus=bus,
            job=job,
        )
    assert seen and seen[-1].fraction >= 0.5 and seen[-1].segments == 3
    for ev in seen:  # segments are 80, 80 and 60 frames long
        assert ev.segment == min(ev.frames_done // 80, 2)
    assert target.read_bytes() == b"old" and not list(tmp_path.glob("*.part"))


def test_cancel_from_another_thread(studio: Studio, long_clip: Path, tmp_path: Path) -> None:
    job, future = studio.render_in_background(three_cuts(studio, long_clip), "bg.mp4")
    threading.Timer(0.05, job.cancel).start()
    with pytest.raises(CancelledError):
        future.result(timeout=120)
    assert not (tmp_path / "bg.mp4").exists() and not list(tmp_path.glob("*.part"))


def test_job_runner_runs_renders_and_limits_concurrency(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    running, peak = 0, 0
    lock = threading.Lock()
    bus = EventBus()

    def on(ev: object) -> None:
        nonlocal running, peak
        with lock:
            from timeline_lab.core.events import RenderCompleted, RenderStarted

            running += 1 if isinstance(ev, RenderStarted) else -1 if isinstance(ev, RenderCompleted) else 0
            peak = max(peak, running)

    from timeline_lab.core.events import Event

    bus.subscribe(Event, on)
    finished: list[JobFinished] = []
    bus.subscribe(JobFinished, finished.append)
    with JobRunner(bus, workers=2) as runner:
        jobs = []
        for n in range(4):
            project = studio.new_project(width=160, height=120, frame_rate=25)
            project.tracks[0].append(studio.clip(media["pal"], n, 10))
            plan = compile_plan(project, ExportSettings(tmp_path / f"q{n}.mp4"))
            jobs.append(runner.submit(lambda j, plan=plan: execute(plan, bus=bus, job=j), RenderJob()))
        outs = [job.result(timeout=120) for job in jobs]
    assert [read_frame_index(decode_video(o)[0])[0] for o in outs] == [0, 1, 2, 3]
    assert peak <= 2
    assert sorted(e.job_id for e in finished) == sorted(j.job_id for j in jobs)
    assert {e.kind for e in finished} == {"render"} and all(j.fraction == 1.0 for j in jobs)


def test_preview_renders_a_small_excerpt(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=25)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(media["pal"], 0, 12))
    b = v1.append(studio.clip(media["ntsc"], 20, 20))
    v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(4, 25)))
    full = decode_video(studio.render(project, tmp_path / "full.mp4", progress=False))
    frames = decode_video(studio.preview(project, "prev.mp4", first=2, end=9))
    assert len(frames) == 7 and frames[0].shape == (120, 160, 3)
    assert [read_frame_index(f) for f in frames] == [read_frame_index(f) for f in full[2:9]]
    assert project.duration().to_frames(25) == len(full), "the project itself is unchanged"


@pytest.mark.parametrize("when", ["before compiling", "after compiling"])
def test_truncated_source_fails_cleanly(studio: Studio, long_clip: Path, tmp_path: Path, when: str) -> None:
    from timeline_lab.errors import TimelineLabError

    broken = tmp_path / "broken.mp4"
    data = long_clip.read_bytes()
    broken.write_bytes(data)
    project = three_cuts(studio, broken)
    plan = compile_plan(project, ExportSettings(tmp_path / "out.mp4")) if when == "after compiling" else None
    broken.write_bytes(data[: len(data) // 2])  # cut off in the middle
    with pytest.raises(TimelineLabError, match=r"broken\.mp4"):
        if plan is None:
            studio.render(project, "out.mp4", progress=False)
        else:
            execute(plan)
    assert not (tmp_path / "out.mp4").exists() and not list(tmp_path.glob("*.part"))


def test_write_error_mid_render_leaves_nothing(long_clip: Path, tmp_path: Path) -> None:
    """A disk that fills up mid-way (simulated with RLIMIT_FSIZE) gives a clear error."""
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
        from timeline_lab.studio import Studio
        from timeline_lab.errors import RenderError
        s = Studio(workspace={str(tmp_path)!r})
        p = s.new_project(width=160, height=120, frame_rate=25)
        p.tracks[0].append(s.clip({str(long_clip)!r}))
        try:
            s.render(p, "full.mp4", progress=False, crf=0)
        except RenderError as exc:
            print("ERROR:", exc)
            sys.exit(3)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "full.mp4" in done.stdout and "render failed" in done.stdout
    assert not (tmp_path / "full.mp4").exists() and not list(tmp_path.glob("*.part"))
