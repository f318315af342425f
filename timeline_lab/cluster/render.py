"""A render split into segments on a Dask cluster, then joined by stream copy into one file.

Each worker renders its frames as a closed run of GOPs (every segment starts on an IDR frame, with
the same encoder settings) and encodes its share of the sound as AAC on the global 1024-sample grid
(``render.encoding.aac_splice``); the join copies both, so the driver encodes nothing and samples
and A/V sync are those of a single-process render (the sound within AAC's own tolerance). Other
audio codecs, or ``exact_audio=True``, take the exact path: workers render float PCM and the join
encodes it once. Segments are cut only where ``split.is_clean_cut``
says no fade, transition, freeze, reverse, grain or nested sequence crosses the cut.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.events import RenderCompleted, RenderProgress, RenderStarted
from ..errors import CancelledError, RenderError
from ..media.urls import as_url
from ..model import io
from ..render.compile.compiler import compile_plan
from ..render.encoding.aac_splice import AudioCodec
from ..render.execute.outcome import fail
from ..render.execute.runner import RenderJob, Staging
from ..render.live import LiveTap
from .join import Sound, Spliced, join_segments
from .segment import SegmentTask, plugin_effects, render_segment
from .sound import sound_pieces
from .split import split_points
from .upload import upload

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..core.events import EventBus
    from ..model.project import Project
    from ..render.plan import ExportSettings, RenderPlan

__all__ = ["AUTO_LOCAL_SECONDS", "BIG_GRAPH", "ClusterLike", "connect", "pick_cluster", "render_many",
           "render_on_cluster", "segment_parallel_supported"]  # fmt: skip

ClusterLike = Any
"""A ``distributed.Client``, a scheduler address (``tcp://host:8786``), ``"local"`` (a LocalCluster
of one single-threaded worker process per core), a number of such local workers, or ``"threads"``
(a LocalCluster of one worker thread per core in this process: no child process re-imports the
``__main__`` script, so a script without an ``if __name__ == "__main__"`` guard works)."""

_ENCODERS = ("libx264", "libx265", "h264_nvenc", "hevc_nvenc")
_COPYABLE = {"mp4": _ENCODERS, "mov": _ENCODERS}
"""Containers and encoders whose segments join by stream copy into a file that plays gaplessly."""


AUTO_LOCAL_SECONDS = 300
"""A timeline at least this long renders on a LocalCluster by default (on 4 cores or more: on
fewer, libx264's own threads already keep the cores busy; see benchmarks/scale.py)."""

BIG_GRAPH = 4000
"""Filter instances (about 20 a clip) past which a timeline renders in segments on a LocalCluster,
on any number of cores: libavfilter looks over every filter of the graph at each step, so one
graph of many clips costs more per frame the more clips it has (300 two-frame clips: 65 s in one
process, 11 s in segments)."""

NODES_PER_SEGMENT = 1000
"""At most about this many filter instances in a segment's graph (more segments where needed)."""


def pick_cluster(plan: RenderPlan, cluster: ClusterLike | bool | None) -> ClusterLike | None:
    """Where a render runs: ``cluster`` as given (False: this process), else a Dask client this
    process already has, else a LocalCluster for long timelines on many cores, else None (here)."""
    if cluster is False:
        return None
    _check_workers(cluster)
    why_not = segment_parallel_supported(plan)
    if why_not is not None:  # renders in one process, as the README says, asked for a cluster or not
        if cluster is not None and cluster is not True:
            log.info("rendering %s in one process: %s", plan.export.path.name, why_not)
        return None
    if cluster is not None and cluster is not True:
        return cluster
    long = plan.total_frames / plan.frame_rate >= AUTO_LOCAL_SECONDS
    big = len(plan.nodes) >= BIG_GRAPH
    if "distributed" in sys.modules:  # else no client can exist here (and importing it costs time)
        from distributed import get_client

        with contextlib.suppress(ValueError):  # ValueError: no client in this process
            return get_client()
    elif not (long or big) or importlib.util.find_spec("distributed") is None:  # the [dask] extra
        if big:
            log.info("%s: %d filters in one graph render slowly; pip install 'timeline_lab[dask]' renders "
                     "them in segments", plan.export.path.name, len(plan.nodes))  # fmt: skip
        return None
    if big:  # chosen for the user: threads, since a script without a __main__ guard cannot spawn workers
        return "threads"
    return "local" if long and (os.cpu_count() or 1) >= 4 else None


def segment_parallel_supported(plan: RenderPlan) -> str | None:
    """None when ``plan`` can render in segments, else why not (the single-process path is used)."""
    out = plan.output
    if out.container not in _COPYABLE or out.video_encoder not in _COPYABLE[out.container]:
        return f"{out.format.name} with {out.video_encoder} does not join by stream copy"
    if plan.subtitles:
        return "soft subtitle streams are rendered in one process"
    if plan.output.has_audio and plan.export.loudnorm:
        return "loudness normalisation measures the whole timeline's sound"
    taps = [p.what for p in plan.live if isinstance(p, LiveTap)]
    if taps:
        return f"Python frame functions run in this process ({taps[0]})"
    return None


def render_on_cluster(
    project: Project,
    export: ExportSettings,
    cluster: ClusterLike,
    *,
    bus: EventBus | None = None,
    job: RenderJob | None = None,
    segments: int | None = None,
    exact_audio: bool = False,
) -> Path:
    """Render ``project`` like ``execute(compile_plan(...))`` would, on ``cluster``'s workers.

    Media may be named by URL (workers read them through fsspec); an output URL (``s3://...``)
    is rendered locally and uploaded atomically (then the Path returned folds the URL; ``as_url`` unfolds it).

    ``exact_audio``: encode the sound once, in this process, from the workers' PCM (bit-exact
    to a single-process encode, but serial) instead of joining the workers' AAC pieces.
    """
    url = as_url(export.path)
    if url is not None:  # rendered here first, then uploaded in one piece
        with tempfile.TemporaryDirectory(prefix="tl-upload-") as tmp:
            local = dataclasses.replace(export, path=Path(tmp) / Path(url).name)
            done = render_on_cluster(project, local, cluster, bus=bus, job=job, segments=segments,
                                     exact_audio=exact_audio)  # fmt: skip
            return Path(upload(Path(done), url))
    job = job or RenderJob()
    plan = compile_plan(project, export)
    why = segment_parallel_supported(plan)
    if why is not None:
        raise RenderError(f"{export.path}: cannot render in segments: {why}")
    effects = _sendable(plugin_effects(project), export.path)
    with connect(cluster) as client:
        workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        parts = segments or max(2 * workers, math.ceil(len(plan.nodes) / NODES_PER_SEGMENT))
        cuts = split_points(project, plan.total_frames, parts, min_frames=max(1, round(plan.frame_rate)))
        return _Run(project, plan, client, bus, job, cuts, exact_audio=exact_audio, effects=effects).run()


def _sendable(effects: tuple[tuple[str, Any], ...], path: Path) -> tuple[tuple[str, Any], ...]:
    """``effects`` when every renderer pickles for the workers, else a refusal naming the kind."""
    from distributed.protocol.pickle import dumps  # as Dask pickles a task (cloudpickle past pickle)

    for kind, renderer in effects:
        try:
            dumps(renderer)
        except Exception as exc:  # a renderer holding a lock, a socket...: it cannot leave this process
            why = f"effect {kind!r}'s renderer cannot be sent to workers ({exc})"
            raise RenderError(f"{path}: cannot render in segments: {why}") from None
    return effects


def _check_workers(cluster: object) -> None:
    """A number of local workers is 1 or more: a LocalCluster of none waits for one forever."""
    if isinstance(cluster, int) and not isinstance(cluster, bool) and cluster < 1:
        raise RenderError(f"cluster: a number of local workers must be 1 or more, got {cluster}")


class connect:
    """The Client to use: the one given, one connected to an address, or a LocalCluster of processes."""

    def __init__(self, cluster: ClusterLike) -> None:
        self.cluster, self.owned = cluster, list[Any]()

    def __enter__(self) -> Any:
        from distributed import Client, LocalCluster

        if isinstance(self.cluster, Client):
            return self.cluster
        _check_workers(self.cluster)
        if self.cluster in ("local", "threads") or isinstance(self.cluster, int):
            import dask

            workers = self.cluster if isinstance(self.cluster, int) else os.cpu_count() or 1
            # no statistical profiler: it can deadlock with a render starting threads (segment.py)
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                local = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0",
                                     processes=self.cluster != "threads")  # fmt: skip
            self.owned.append(local)
            client = Client(local)
        else:
            client = Client(str(self.cluster))
        self.owned.insert(0, client)
        return client

    def __exit__(self, *exc: object) -> None:
        for thing in self.owned:
            thing.close()


class _Run:
    """One segment-parallel render: submit, follow progress, cancel, join, commit."""

    def __init__(self, project: Project, plan: RenderPlan, client: Any, bus: EventBus | None, job: RenderJob,
                 cuts: list[int], *, exact_audio: bool = False,
                 effects: tuple[tuple[str, Any], ...] = ()) -> None:  # fmt: skip
        self.project, self.plan, self.client, self.bus, self.job = project, plan, client, bus, job
        self.cuts, self.effects = cuts, effects
        out = plan.output
        self.spliced = out.has_audio and out.audio_encoder == "aac" and not exact_audio
        self.bounds = list(zip([0, *cuts], [*cuts, plan.total_frames], strict=True))
        self.done = [0] * len(self.bounds)

    def run(self) -> Path:
        staging = Staging(self.plan)
        work = Path(tempfile.mkdtemp(prefix=".tl-segments-", dir=staging.target.parent))
        if self.bus:
            self.bus.publish(RenderStarted(self.job.job_id, staging.target, self.plan.total_frames,
                                           str(self.plan.output.video_encoder)))  # fmt: skip
        t0 = time.monotonic()
        try:
            parts, sound = self._render(work)
            out = self.plan.output
            join_segments(parts, sound, staging.write_to, rate=self.plan.frame_rate, container=out.container,
                          options=out.container_options, chapters=self.plan.chapters)  # fmt: skip
            staging.commit()
        except BaseException as exc:
            staging.discard()
            _remove(work)
            fail(exc, self.job.job_id, staging.target, self.bus)  # publishes RenderFailed/Cancelled, raises
        _remove(work)
        if self.bus:
            wall = time.monotonic() - t0
            self.bus.publish(RenderCompleted(self.job.job_id, staging.target, self.plan.total_frames, wall))
        return staging.target

    def _render(self, work: Path) -> tuple[list[tuple[Path, int]], Sound | Spliced | None]:
        from distributed import Event, Queue, wait

        queue_name, stop_name = f"tl-progress-{uuid.uuid4().hex}", f"tl-stop-{uuid.uuid4().hex}"
        queue, stop = Queue(queue_name, client=self.client), Event(stop_name, client=self.client)
        text = io.dumps(self.project)
        video = {k: v for k, v in asdict(self.plan.export).items() if k not in ("path", "overwrite")}
        futures = []
        has_sound = self.plan.output.has_audio
        names = [f"segment-{n:05d}-{uuid.uuid4().hex[:8]}" for n in range(len(self.bounds))]
        pieces = [None] * len(names) if not self.spliced else sound_pieces(
            self.plan, self.cuts, self._codec(), [str(work / f"{name}.aac.npz") for name in names]
        )  # fmt: skip
        for n, ((a, b), name, piece) in enumerate(zip(self.bounds, names, pieces, strict=True)):
            pcm = str(work / f"{name}.wav") if has_sound and not self.spliced else None
            out = work / f"{name}{self.plan.export.path.suffix}"
            task = SegmentTask(text, a, b, {**video, "audio": False}, str(out), queue_name, n, pcm, stop_name,
                               piece, self.effects)  # fmt: skip
            futures.append(self.client.submit(render_segment, task, pure=False, retries=2))
        try:
            while not all(f.done() for f in futures):
                if self.job.cancelled:
                    raise CancelledError(f"{self.plan.export.path}: render cancelled")
                self._progress(queue)
                with contextlib.suppress(TimeoutError):  # distributed's wait raises when time is up
                    wait(futures, timeout=0.25, return_when="ALL_COMPLETED")
            paths = [Path(f.result()) for f in futures]  # raises a worker's error as it was raised
        except BaseException:
            stop.set()  # running segments stop at their next frame; queued ones never start
            self.client.cancel(futures)
            queue.close()
            raise
        self._progress(queue, final=True)
        # the scheduler keeps both until told: an event is forgotten once cleared with no waiter
        # (each segment's watcher ended with it), a queue once every client has released it
        stop.clear()
        queue.close()
        sound: Sound | Spliced | None = None
        if self.spliced:
            sound = Spliced(self._codec(), [p.output for p in pieces if p is not None])
        elif has_sound:
            resolved = self.plan.output
            wavs = [(p.with_suffix(".wav"), a, b) for p, (a, b) in zip(paths, self.bounds, strict=True)]
            assert resolved.audio_encoder is not None
            sound = Sound(resolved.audio_encoder, self.plan.sample_rate, self.plan.channels,
                          resolved.audio_options, resolved.sample_fmt, wavs)  # fmt: skip
        return [(p, a) for p, (a, _) in zip(paths, self.bounds, strict=True)], sound

    def _codec(self) -> AudioCodec:
        """The sound's encoder as the plan resolves it (the same on every worker)."""
        out = self.plan.output
        return AudioCodec("aac", self.plan.sample_rate, self.plan.channels, out.audio_options, out.sample_fmt)

    def _progress(self, queue: Any, *, final: bool = False) -> None:
        """Frames done on every worker, summed into one RenderProgress on this bus."""
        for _ in range(queue.qsize()):
            n, frames = queue.get()
            self.done[n] = max(self.done[n], frames)
        if final:
            self.done = [b - a for a, b in self.bounds]
        if self.bus:
            total, done = self.plan.total_frames, sum(self.done)
            self.bus.publish(RenderProgress(self.job.job_id, done, total, 0.0, None, 0, len(self.bounds)))


def render_many(
    jobs: list[tuple[Project, ExportSettings]], cluster: ClusterLike, *, bus: EventBus | None = None
) -> list[Path]:
    """Render many projects at once, one whole render per worker task (each checks its media and
    writes its own staged output); the outputs in the order given, or the first error raised."""
    settings = [{k: v for k, v in asdict(e).items() if k != "path"} for _, e in jobs]
    tasks = [
        SegmentTask(io.dumps(p), 0, None, s, str(e.path), effects=_sendable(plugin_effects(p), e.path))
        for (p, e), s in zip(jobs, settings, strict=True)
    ]
    with connect(cluster) as client:
        futures = client.map(_render_whole, tasks, pure=False, retries=2)
        done = [Path(p) for p in client.gather(futures)]
    if bus:
        for (p, _), out in zip(jobs, done, strict=True):
            bus.publish(RenderCompleted(p.id, out, p.duration().to_frames(p.settings.frame_rate), 0.0))
    return done


def _render_whole(task: SegmentTask) -> str:
    """A whole project rendered on a worker (its own task name on the dashboard)."""
    return render_segment(task)


def _remove(work: Path) -> None:
    """Remove the segments' folder; a worker still finishing may add a file as it goes, so retry
    until it is gone (a worker cannot recreate the folder itself)."""
    for _ in range(50):
        shutil.rmtree(work, ignore_errors=True)
        if not work.exists():
            return
        time.sleep(0.2)
