"""What a worker does: check the media are the project's, render one segment, report progress."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MediaError

if TYPE_CHECKING:
    from ..render.compile.effects import EffectRenderer
    from .sound import SoundPiece

__all__ = ["SegmentTask", "check_media", "plugin_effects", "render_segment"]


@dataclass(frozen=True)
class SegmentTask:
    """One segment: the project (as its JSON), frames [first, end), the export and where to write."""

    project_json: str
    first: int
    end: int | None  # None: the whole timeline, as one render
    export: dict[str, Any]
    output: str
    progress_queue: str | None = None
    index: int = 0
    sound_output: str | None = None  # also render the segment's sound here, as float PCM
    stop_event: str | None = None  # a distributed.Event the driver sets to stop every segment
    sound: SoundPiece | None = None  # also encode the segment's share of the sound (AAC on the grid)
    effects: tuple[tuple[str, EffectRenderer], ...] = ()  # plugin effect kinds the worker registers


def plugin_effects(project: Any) -> tuple[tuple[str, EffectRenderer], ...]:
    """The renderers in force here (a Studio's registry, else the process's) of the plugin effect
    kinds ``project`` uses that a worker lacks: a worker is another process, or a thread outside
    the Studio's context, and knows only the built-in ones (``_builtin_effects``). Sent with the
    task (pickled: a module's function travels as its import path)."""
    from ..render.compile.effects import effect_renderer

    docs = [project, *getattr(project, "sequences", ())]
    kinds = {
        fx.kind for doc in docs for c in doc.clips() for fx in c.effects if fx.enabled and "." in fx.kind
    }
    if not kinds:
        return ()
    found = ((kind, effect_renderer(kind)) for kind in sorted(kinds - _builtin_effects()))
    return tuple((kind, r) for kind, r in found if r is not None)  # an unknown kind: the compile names it


def _builtin_effects() -> frozenset[str]:
    """Plugin effect kinds this package renders itself: every worker registers them."""
    from ..recognition.blur import KIND, LEGACY_KIND

    return frozenset((KIND, LEGACY_KIND))


def check_media(project: Any) -> None:
    """Refuse to render when a media file here is not the one the project recorded (by size and
    fingerprint), naming this worker and the file: a stale copy would cut at the wrong frames.
    Files named by URL are checked where they are (fsspec ``info`` and ranged reads)."""
    from ..media.relink import fingerprint
    from ..media.urls import as_url, stat_url

    where = f"worker {socket.gethostname()} (pid {os.getpid()})"
    for ref in {c.media.path: c.media for c in project.clips()}.values():
        url = as_url(ref.path)
        if url is not None:
            try:
                size = stat_url(url).size
            except MediaError as exc:
                raise MediaError(f"{where}: {exc}") from None
        elif not Path(ref.path).is_file():
            raise MediaError(f"{where}: {ref.path}: not found here (workers need the media at the same path)")
        else:
            size = Path(ref.path).stat().st_size
        if ref.size is not None and size != ref.size:
            raise MediaError(f"{where}: {ref.path}: {size} bytes, the project's has {ref.size}")
        if ref.fingerprint is not None and fingerprint(url or ref.path) != ref.fingerprint:
            raise MediaError(f"{where}: {ref.path}: content differs from the project's (fingerprint)")


_PAUSE_WAIT = 5.0
"""Seconds to wait for the worker's event loop to stop its profiler (it is idle within milliseconds)."""


def render_segment(task: SegmentTask) -> str:
    """Render frames [first, end) of the project to ``task.output`` (runs on a Dask worker)."""
    with _profiler_paused():
        return _render(task)


def _render(task: SegmentTask) -> str:
    from ..recognition.blur import register_blur
    from ..render.compile.effects import STANDALONE_EFFECTS, EffectRegistry
    from ..render.execute.runner import RenderJob

    register_blur()  # the built-in kinds (``_builtin_effects``), in this process's default registry
    effects = EffectRegistry(fallback=STANDALONE_EFFECTS)
    for kind, renderer in task.effects:
        effects.register(kind, renderer)
    job = RenderJob()
    with effects.active(), _stop_when_set(task.stop_event, job):
        return _render_with(task, job)


def _render_with(task: SegmentTask, job: Any) -> str:
    from ..core.events import EventBus, RenderProgress
    from ..model import io
    from ..render.compile.compiler import compile_plan
    from ..render.execute.runner import execute
    from ..render.plan import ExportSettings

    project = io.loads(task.project_json, source="segment project")
    check_media(project)
    plan = compile_plan(
        project,
        ExportSettings(path=Path(task.output), **task.export),
        frames=None if task.end is None else (task.first, task.end),
    )
    bus, queue = EventBus(), None if task.progress_queue is None else _queue(task.progress_queue)
    if queue is not None:
        bus.subscribe(RenderProgress, lambda ev: queue.put((task.index, ev.frames_done)))
    try:
        out = str(execute(plan, bus=bus, job=job))
        if task.sound_output is not None:
            sound = ExportSettings(path=Path(task.sound_output), format="audio-wav-float")
            frames = None if task.end is None else (task.first, task.end)
            execute(compile_plan(project, sound, frames=frames), job=job)
        if task.sound is not None:
            from .sound import encode_piece

            encode_piece(project, task.sound, job)
    finally:
        if queue is not None:  # the scheduler keeps a queue until every client has released it
            queue.close()
    return out


@contextlib.contextmanager
def _profiler_paused() -> Iterator[None]:
    """Stop the worker's statistical profiler while a segment renders.

    It calls ``sys._current_frames()`` every 10 ms from the worker's event loop; on CPython 3.11
    that holds the interpreter's thread-list lock while it allocates, and a collection there
    that gives up the GIL deadlocks with a render thread starting a thread (the render starts
    decoders clip after clip): a 300-clip segment render hung for good.
    """
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not on a Dask worker
        yield
        return
    running = [pc for key in ("profile", "profile-cycle")
               if (pc := worker.periodic_callbacks.get(key)) is not None and pc.is_running()]  # fmt: skip
    stopped = threading.Event()

    def stop() -> None:  # on the event loop: no profile tick is running while this does
        for pc in running:
            pc.stop()
        stopped.set()

    worker.loop.add_callback(stop)
    stopped.wait(_PAUSE_WAIT)
    try:
        yield
    finally:
        for pc in running:
            worker.loop.add_callback(pc.start)


_POLL = 0.5
"""Seconds between a segment's looks at the driver's stop event."""


@contextlib.contextmanager
def _stop_when_set(name: str | None, job: Any) -> Iterator[None]:
    """Cancel ``job`` once the driver sets the named event (Dask cannot stop a running task), for
    as long as the segment renders: the watcher ends with it, so none is left polling on the
    worker (nor waiting on the scheduler's event) after the render. No name: nothing to watch."""
    if name is None:
        yield
        return
    from distributed import Event, get_client

    event, done = Event(name, client=get_client()), threading.Event()

    def watch() -> None:
        while not (job.cancelled or done.is_set()):
            try:
                if event.wait(timeout=_POLL):
                    job.cancel()
                    return
            except Exception:  # the driver is gone: nothing will set it any more
                return

    watcher = threading.Thread(target=watch, daemon=True, name="segment-stop")
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(2 * _POLL)


def _queue(name: str) -> Any:
    """The driver's progress queue, through this worker's own client (usable from the render thread)."""
    from distributed import Queue, get_client

    return Queue(name, client=get_client())
