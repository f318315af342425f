"""Segment-parallel rendering on real Dask workers: the frames, the sound and the file a
single-process render gives, whatever the cluster does (cancel, lose a worker, stale media)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab.cluster import render_on_cluster, split_points
from timeline_lab.cluster.split import is_clean_cut
from timeline_lab.core.events import RenderProgress
from timeline_lab.errors import CancelledError, MediaError
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import RationalTime
from timeline_lab.model.marker import Marker
from timeline_lab.render.compile.sound import samples_at
from timeline_lab.render.encoding.aac_splice import grid_floor
from timeline_lab.render.execute.runner import RenderJob
from timeline_lab.render.plan import ExportSettings
from timeline_lab.studio import Studio

from ..render.conftest import decode_audio, decode_video
from .conftest import sound_matches, timeline

pytestmark = pytest.mark.slow


def _frames(path: Path) -> list[tuple[int, int]]:
    return [read_frame_index(f) for f in decode_video(path)]


def _streams(path: Path) -> list[tuple[str, Any, Any, int]]:
    with av.open(str(path)) as c:
        return [(s.type, s.start_time, s.duration, s.frames) for s in c.streams]


def _blends(project: Any) -> set[int]:
    """Timeline frames inside the project's transitions: two sources mixed."""
    rate, out = project.settings.frame_rate, set()
    for track in project.tracks:
        for tr in track.transitions:
            after, before = tr.handles(rate)
            cut = track.item(tr.from_clip).start.to_frames(rate) + track.item(tr.from_clip).frames(rate)
            out.update(range(cut - before, cut + after))
    return out


def _assert_same_render(
    single: Path, parallel: Path, joins: list[int] | None = None, *, exact: bool = False, blends: set[int]
) -> None:
    """Same frames in the same order, same stream starts and lengths (A/V sync, sample count),
    the same sound: within AAC's tolerance and no click at ``joins`` (sample indices), or, from
    the exact path (one encode in the driver), to float rounding of the resampler's chunking.

    A frame in ``blends`` mixes two sources, so its frame code is unreadable (a 50/50 mix reads
    differently under each encode's noise): there the pictures must match to codec noise instead.
    """
    one, other = decode_video(single), decode_video(parallel)
    assert len(one) == len(other)
    for k, (a, b) in enumerate(zip(one, other, strict=True)):
        if k in blends:
            assert np.abs(a.astype(int) - b.astype(int)).mean() < 3, f"blended frame {k} differs"
        else:
            assert read_frame_index(b) == read_frame_index(a), f"frame {k}"
    assert _streams(parallel) == _streams(single)
    a, _ = decode_audio(single)
    b, _ = decode_audio(parallel)
    if exact:
        assert a.shape == b.shape
        assert np.abs(a - b).max() < 1e-4
    else:
        sound_matches(a, b, joins or [])


def _joins(project: Any, parts: int) -> list[int]:
    """Where the sound's pieces meet, as render_on_cluster cuts them."""
    rate, sr = project.settings.frame_rate, project.settings.sample_rate
    cuts = split_points(project, project.duration().to_frames(rate), parts, min_frames=max(1, round(rate)))
    return [grid_floor(samples_at(k, rate, sr)) for k in cuts]


def test_segments_give_the_single_process_render(
    client: Any, sources: dict[str, Path], tmp_path: Path
) -> None:
    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    rate = project.settings.frame_rate
    for frame, name in [(0, "Opening"), (project.duration().to_frames(rate) // 2, "Second half")]:
        project.add_marker(Marker(time=RationalTime.from_frames(frame, rate), name=name))
    encode = {"crf": 23, "preset": "veryfast", "video_codec": "libx264"}  # picture settings: not the sound's
    single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False, **encode)
    seen: list[RenderProgress] = []
    with studio.bus.subscribe(RenderProgress, seen.append):
        target = ExportSettings(path=tmp_path / "par.mp4", **encode)
        parallel = render_on_cluster(project, target, client, bus=studio.bus, segments=4)
    _assert_same_render(single, parallel, _joins(project, 4), blends=_blends(project))
    with av.open(str(single)) as a, av.open(str(parallel)) as b:
        assert a.chapters() == b.chapters() and len(a.chapters()) == 2  # the markers' chapters too
    assert seen[-1].segments >= 3 and seen[-1].frames_done == seen[-1].total_frames
    assert not list(tmp_path.glob(".tl-segments-*")), "the segments are removed once joined"


def test_cuts_fall_only_where_nothing_crosses(sources: dict[str, Path], tmp_path: Path) -> None:
    """No cut inside the dissolve, inside the reversed clip; every clean cut really is one."""
    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    total = project.duration().to_frames(25)
    v1 = project.tracks[0]
    tr = v1.transitions[0]
    cut = v1.item(tr.to_clip).start.to_frames(25)  # type: ignore[arg-type]
    reverse = next(i for i in v1.items if getattr(i, "effects", None))
    r0, r1 = reverse.start.to_frames(25), reverse.start.to_frames(25) + reverse.frames(25)
    for k in range(1, total):
        clean = is_clean_cut(project, k)
        if cut - 5 < k < cut + 5 or r0 < k < r1:
            assert not clean, k
    points = split_points(project, total, 8)
    assert points == sorted(set(points)) and all(is_clean_cut(project, k) for k in points)
    assert len(points) >= 4


def test_media_that_differ_on_a_worker_are_refused(
    client: Any, sources: dict[str, Path], tmp_path: Path
) -> None:
    studio = Studio(workspace=tmp_path)
    copy = Path(shutil.copy(sources["a"], tmp_path / "cam.mp4"))
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(copy, 0, 60))
    data = bytearray(copy.read_bytes())
    data[-10] ^= 0xFF  # same size, other content: a stale copy on a shared disk
    copy.write_bytes(bytes(data))
    with pytest.raises(MediaError, match=r"worker .*cam\.mp4: content differs from the project's"):
        render_on_cluster(project, ExportSettings(path=tmp_path / "x.mp4"), client, segments=2)
    assert not (tmp_path / "x.mp4").exists()


def test_cancel_stops_every_segment(client: Any, sources: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    job = RenderJob()
    started = threading.Event()
    studio.bus.subscribe(RenderProgress, lambda ev: started.set())
    threading.Thread(target=lambda: (started.wait(60), job.cancel()), daemon=True).start()
    with pytest.raises(CancelledError):
        render_on_cluster(project, ExportSettings(path=tmp_path / "c.mp4"), client, bus=studio.bus, job=job,
                          segments=6)  # fmt: skip
    assert not (tmp_path / "c.mp4").exists()
    assert not list(tmp_path.glob(".tl-segments-*")) and not list(tmp_path.glob("*.part"))


def test_a_worker_lost_mid_render_is_replaced(sources: dict[str, Path], tmp_path: Path) -> None:
    """A worker killed while it renders: its segment runs again elsewhere, the output is whole."""
    import distributed

    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", host="127.0.0.1")  # fmt: skip
    try:
        with distributed.Client(cluster) as client:
            pids = client.run(os.getpid)
            victim = next(iter(pids.values()))
            killed = threading.Event()

            def kill(ev: RenderProgress) -> None:
                if not killed.is_set() and ev.frames_done > 0:
                    killed.set()
                    os.kill(victim, 9)

            studio.bus.subscribe(RenderProgress, kill)
            out = render_on_cluster(project, ExportSettings(path=tmp_path / "k.mp4"), client, bus=studio.bus,
                                    segments=8)  # fmt: skip
            assert killed.is_set()
    finally:
        cluster.close()
    _assert_same_render(single, out, _joins(project, 8), blends=_blends(project))


def test_a_scheduler_and_workers_started_apart(sources: dict[str, Path], tmp_path: Path) -> None:
    """`dask scheduler` and two `dask worker` processes on loopback, reached by address."""
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    where = ["--host", "127.0.0.1", "--no-dashboard", "--scheduler-file", str(scheduler_file)]
    procs = [subprocess.Popen([*dask, "--port", "0", *where], stderr=subprocess.DEVNULL)]
    try:
        for _ in range(200):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", "--nthreads", "1", *where]
        procs += [subprocess.Popen(worker, stderr=subprocess.DEVNULL) for _ in range(2)]
        import json

        address = json.loads(scheduler_file.read_text())["address"]
        import distributed

        with distributed.Client(address) as client:
            client.wait_for_workers(2, timeout=60)
        studio = Studio(workspace=tmp_path)
        project = timeline(studio, sources)
        single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False)
        out = render_on_cluster(project, ExportSettings(path=tmp_path / "s.mp4"), address, segments=4,
                                exact_audio=True)  # fmt: skip
        _assert_same_render(single, out, exact=True, blends=_blends(project))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)


def test_studio_and_cli_render_on_a_cluster(client: Any, sources: dict[str, Path], tmp_path: Path) -> None:
    """`studio.render(..., cluster=client)` and `timeline-lab render --workers 2` give the same file."""
    from timeline_lab.model import io

    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False)
    _assert_same_render(single, studio.render(project, tmp_path / "s.mp4", progress=False, cluster=client),
                        _joins(project, 4), blends=_blends(project))  # fmt: skip
    io.save(project, tmp_path / "p.tlproj")
    cli = [sys.executable, "-m", "timeline_lab", "render", str(tmp_path / "p.tlproj"), "-o",
           str(tmp_path / "cli.mp4"), "-q", "--workers", "2"]  # fmt: skip
    done = subprocess.run(cli, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _assert_same_render(single, tmp_path / "cli.mp4", _joins(project, 4), blends=_blends(project))


def test_many_projects_render_at_once(client: Any, sources: dict[str, Path], tmp_path: Path) -> None:
    from timeline_lab.cluster import render_many

    studio = Studio(workspace=tmp_path)
    first = timeline(studio, sources)
    second = studio.new_project(width=160, height=120, frame_rate=25)
    second.tracks[0].append(studio.clip(sources["b"], 30, 20))
    jobs = [(p, ExportSettings(path=tmp_path / f"many{n}.mp4")) for n, p in enumerate((first, second))]
    outs = render_many(jobs, client)
    assert outs == [tmp_path / "many0.mp4", tmp_path / "many1.mp4"]
    for project, out in zip((first, second), outs, strict=True):
        single = studio.render(project, tmp_path / f"one-{out.name}", progress=False, cluster=False)
        assert _frames(out) == _frames(single)


def test_frame_functions_keep_a_render_in_this_process(sources: dict[str, Path], tmp_path: Path) -> None:
    from timeline_lab.analysis import apply_frame_function
    from timeline_lab.cluster.render import pick_cluster, segment_parallel_supported
    from timeline_lab.render import compile_plan

    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    apply_frame_function(project, lambda frame, t: frame, name="test.cluster.identity")
    plan = compile_plan(project, ExportSettings(tmp_path / "o.mp4"))
    why = segment_parallel_supported(plan)
    assert why is not None and why.startswith("Python frame functions run in this process")
    assert pick_cluster(plan, None) is None  # automatic choice: the single-process path


def test_a_format_that_does_not_join_renders_here_though_a_cluster_is_asked(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    """MKV, WebM or WAV ask for a cluster: they render in one process (they raised instead)."""
    from timeline_lab.cluster.render import pick_cluster
    from timeline_lab.render import compile_plan

    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    for name in ("o.mkv", "o.webm", "o.wav"):
        plan = compile_plan(project, ExportSettings(tmp_path / name))
        assert pick_cluster(plan, 2) is None, name
    out = studio.render(project, tmp_path / "c.mkv", progress=False, cluster=2)
    here = studio.render(project, tmp_path / "one.mkv", progress=False, cluster=False)
    assert _frames(out) == _frames(here)


def test_a_range_asked_of_a_cluster_is_rendered_here_exactly(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    """``frames=(a, b)`` with a cluster rendered the whole timeline on it."""
    studio = Studio(workspace=tmp_path)
    project = timeline(studio, sources)
    ranged = studio.render(project, tmp_path / "r.mp4", progress=False, cluster=2, frames=(10, 30))
    whole = studio.render(project, tmp_path / "w.mp4", progress=False, cluster=False)
    assert _frames(ranged) == _frames(whole)[10:30]
