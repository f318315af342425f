"""Run a RenderPlan in-process: PyAV decode -> one libavfilter graph -> encode -> atomic rename."""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av
import av.filter

from ...atomic import OutputError, commit, release, write_path
from ...core.events import (
    EventBus,
    RenderCompleted,
    RenderProgress,
    RenderStarted,
)
from ...core.jobs import Job
from ...errors import CancelledError, RenderError
from ...media.colour import matrix_code, range_code
from ..chapters import container_chapters
from ..command import video_tag
from ..compile.sound import layout_name
from ..live import FrameCost
from ..plan import FilterNode, RenderPlan
from ..targets import (
    check_folder_target,
    check_pattern_target,
    check_replace,
    check_target,
    frame_names,
    mark_output,
    output_tag,
    staged_folder,
    staged_frames,
    staging_file,
)
from .decode_threads import DecodeThreads
from .interrupts import cancel_on_interrupt
from .live import live_parts, log_costs
from .outcome import fail
from .reader import Reader, Steps, feed_in_order
from .subtitles import SubtitleStreams, check_sidecars, write_sidecars

if TYPE_CHECKING:
    from av.audio.frame import AudioFrame
    from av.audio.stream import AudioStream
    from av.filter import FilterContext, Graph
    from av.frame import Frame
    from av.packet import Packet
    from av.stream import Stream
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

    Pads = dict[str, tuple[FilterContext, int]]
    """Open pads of a graph being built: label -> (filter context, output index)."""

__all__ = ["RenderJob", "Staging", "add_nodes", "execute"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class RenderJob(Job):
    """A render's job (cancel: the render removes its partial output and raises CancelledError)."""

    kind: str = "render"
    python: dict[str, FrameCost] = field(default_factory=dict)
    """Python per-frame work of the last render (annotations, frame functions): frames, seconds."""


def add_nodes(
    g: Graph, nodes: Iterable[FilterNode], pads: Pads, named: dict[str, FilterContext] | None = None
) -> None:
    """Instantiate labelled nodes in a live ``av.filter.Graph``, linking them through ``pads``.

    ``pads`` maps pad labels to (filter context, output index); inputs are consumed, outputs added.
    ``named`` collects the instances (``filter@name``) by that name.
    """
    for node in nodes:
        ctx = (
            g.add(node.filter, node.args or None, name=node.ident)
            if node.instance
            else g.add(node.filter, node.args or None)
        )
        if named is not None and node.instance:
            named[node.ident] = ctx
        for i, pad in enumerate(node.inputs):
            src, idx = pads.pop(pad)
            src.link_to(ctx, idx, i)
        for o, pad in enumerate(node.outputs):
            pads[pad] = (ctx, o)


class _Graph:
    """The live filter graph built from the plan's labelled nodes."""

    def __init__(self, plan: RenderPlan) -> None:
        g = av.filter.Graph()
        pads: Pads = {}
        self.sources: dict[str, FilterContext] = {}
        for inp in plan.inputs:
            if inp.kind in ("video", "image") and inp.frame_rate:
                tb, fr = inp.time_base, inp.frame_rate
                args = f"video_size={inp.width}x{inp.height}:pix_fmt={inp.pix_fmt}:pixel_aspect=1/1"
                args += (
                    f":time_base={tb.numerator}/{tb.denominator}:frame_rate={fr.numerator}/{fr.denominator}"
                )
                ctx = g.add("buffer", args)
            elif inp.kind in ("video", "image"):
                ctx = g.add_buffer(
                    width=inp.width,
                    height=inp.height,
                    # PyAV reads a pix_fmt name too (VideoFormat(format)); the stub says VideoFormat
                    format=inp.pix_fmt,  # type: ignore[arg-type]
                    time_base=inp.time_base,
                )
            else:
                ctx = g.add_abuffer(
                    format=inp.sample_fmt,
                    sample_rate=inp.sample_rate,
                    layout=inp.layout,
                    time_base=inp.time_base,
                )
            self.sources[inp.label] = ctx
            pads[inp.label] = (ctx, 0)
        self.named: dict[str, FilterContext] = {}
        add_nodes(g, plan.nodes, pads, self.named)
        self.vsink: FilterContext | None = None
        self.asink: FilterContext | None = None
        if plan.video_out is not None:
            # the sink takes BT.709 in the canvas's range only: FFmpeg's negotiation then makes every
            # conversion on the way (titles, colour sources, pads, overlays) land in it
            tags = plan.output.colour_tags
            if tags is None:
                self.vsink = g.add("buffersink")
            else:
                pin = f"colorspaces={matrix_code(tags[0])}:colorranges={range_code(tags[1])}"
                self.vsink = g.add("buffersink", pin)
            src, idx = pads.pop(plan.video_out)
            src.link_to(self.vsink, idx, 0)
        if plan.audio_out is not None:
            self.asink = g.add("abuffersink")
            src, idx = pads.pop(plan.audio_out)
            src.link_to(self.asink, idx, 0)
        if pads:
            raise RenderError(f"plan leaves unconnected pads: {', '.join(sorted(pads))}")
        g.configure()
        self.graph = g


def _pull(sink: FilterContext) -> Frame | None:
    try:
        return sink.pull()
    except (BlockingIOError, av.BlockingIOError, EOFError, av.EOFError):
        return None


class _Writer:
    """Output container and encoders as the resolved export says; counts frames for progress."""

    def __init__(self, plan: RenderPlan, out_path: Path) -> None:
        r = plan.output
        self.out = av.open(str(out_path), "w", format=r.container, options=r.container_options)
        if plan.project_id:
            self.out.metadata["comment"] = output_tag(plan.project_id, plan.project_name)
        if plan.chapters:
            self.out.set_chapters(container_chapters(plan.chapters, plan.frame_rate))
        self.rate, self.sr = plan.frame_rate, plan.sample_rate
        self.vs: VideoStream | None = None
        self.aud: AudioStream | None = None
        self.pix_fmt = r.pix_fmt
        if r.video_encoder is not None:
            # the encoder's name is data, so the stub cannot tell which kind of stream it makes
            vs = cast(
                "VideoStream",
                self.out.add_stream(r.video_encoder, rate=plan.frame_rate, options=r.video_options),
            )
            vs.width, vs.height, vs.pix_fmt = plan.width, plan.height, r.pix_fmt
            if (tag := video_tag(r)) is not None:  # hvc1: the HEVC tag Apple's players accept
                vs.codec_context.codec_tag = tag
            vs.codec_context.time_base = 1 / plan.frame_rate
            if r.colour_tags is not None:  # players read the pictures as the graph made them
                matrix, rng = r.colour_tags
                cc = vs.codec_context
                cc.colorspace = cc.color_primaries = cc.color_trc = matrix_code(matrix)
                cc.color_range = range_code(rng)
            # PyAV opens encoders slice-threaded; the ffmpeg CLI lets them thread by frame too
            # (x264: frame threads, the faster kind): the same encoder settings as the CLI
            vs.codec_context.thread_type = "AUTO"
            if plan.export.threads:
                vs.codec_context.thread_count = plan.export.threads
            self.vs = vs
        if r.audio_encoder is not None:
            aud = cast(
                "AudioStream",
                self.out.add_stream(
                    r.audio_encoder,
                    rate=plan.sample_rate,
                    layout=layout_name(plan.channels),
                    options=r.audio_options,
                ),
            )
            if r.sample_fmt:
                aud.format = r.sample_fmt
            self.aud = aud
        self.subs: SubtitleStreams | None = None
        if plan.subtitles and plan.export.subtitles == "stream":
            self.subs = SubtitleStreams(self.out, r.container, plan.subtitles)
            self.subs.mux_all(self.out)
        self.frames = 0
        self.samples = 0
        # Encoding runs on its own thread (PyAV releases the GIL in the codec), overlapping the
        # decode + filter work on the caller's thread; the small queue keeps memory flat.
        self._queue: queue.Queue[Callable[[], list[Packet[Stream]]] | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._encode_loop, name="render-encode", daemon=True)
        self._thread.start()

    def _encode_loop(self) -> None:
        while (encode := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the producer never blocks on a dead consumer
            try:
                self.out.mux(encode())
            except BaseException as exc:
                self._error = exc

    def _put(self, encode: Callable[[], list[Packet[Stream]]]) -> None:
        """Queue one encoder call (a frame, or None to flush) for the encoding thread."""
        if self._error is not None:
            raise self._error
        self._queue.put(encode)

    def video(self, frame: Frame) -> None:
        """Encode the next picture (``frame`` comes from the buffersink: a VideoFrame)."""
        picture = cast("VideoFrame", frame)
        if self.pix_fmt and picture.format.name != self.pix_fmt:
            picture = picture.reformat(format=self.pix_fmt)
        picture.pts, picture.time_base = self.frames, 1 / self.rate
        self.frames += 1
        assert self.vs is not None  # the plan has a video output only when it has an encoder
        self._put(functools.partial(self.vs.encode, picture))

    def audio(self, frame: Frame) -> None:
        """Encode the next sound (``frame`` comes from the abuffersink: an AudioFrame)."""
        sound = cast("AudioFrame", frame)
        sound.pts, sound.time_base = self.samples, Fraction(1, self.sr)
        self.samples += sound.samples
        assert self.aud is not None  # the plan has an audio output only when it has an encoder
        self._put(functools.partial(self.aud.encode, sound))

    def stop(self) -> None:
        """Let the encoder thread finish what is queued (idempotent)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def finish(self) -> None:
        if self.vs is not None:
            self._put(self.vs.encode)
        if self.aud is not None:
            self._put(self.aud.encode)
        self.stop()
        if self._error is not None:
            raise self._error
        self.out.close()


class _Runner:
    def __init__(self, plan: RenderPlan, job: Job, bus: EventBus | None, out_path: Path) -> None:
        self.plan, self.job, self.bus = plan, job, bus
        self.graph = _Graph(plan)
        self.live, self.taps, costs = live_parts(plan.live, self.graph.named)
        job.python = costs  # type: ignore[attr-defined]  # a RenderJob's; plain Jobs get the attribute
        self.writer = _Writer(plan, out_path)
        self.t0 = time.monotonic()
        self.last_report = 0.0
        self.last_frames = 0

    def drain(self) -> None:
        moved = True
        while moved:
            moved = self.taps.service()
            if self.graph.vsink is not None:
                while (f := _pull(self.graph.vsink)) is not None:
                    self.writer.video(f)
                    moved = True
            if self.graph.asink is not None:
                while (a := _pull(self.graph.asink)) is not None:
                    self.writer.audio(a)
                    moved = True
        self.progress()

    def progress(self, force: bool = False, *, finished: bool = False) -> None:
        """Report how far the render is (``force``: now); a cancel stops it, unless it is ``finished``
        (the output is in place: a Ctrl-C then is raised after the completion is told)."""
        if self.job.cancelled and not finished:
            raise CancelledError("render cancelled")
        now = time.monotonic()
        done, total = self._done(), self.plan.total_frames
        self.job.progress(done / max(total, 1))
        # report every 0.2 s, and at least every 5 % of the frames so short renders show progress
        step = max(total // 20, 1)
        due = now - self.last_report >= 0.2 or done - self.last_frames >= step
        if self.bus is None or not (force or due):
            return
        self.last_report, self.last_frames = now, done
        fps = done / max(now - self.t0, 1e-6)
        eta = (total - done) / fps if fps > 0 else None
        seg = sum(1 for sg in self.plan.segments if sg.start_frame <= done) - 1
        self.bus.publish(
            RenderProgress(self.job.job_id, done, total, fps, eta, max(seg, 0), len(self.plan.segments))
        )

    def _done(self) -> int:
        """Frames written: the pictures, or where there are none the sound's share of the frames
        (a WAV, FLAC or podcast render stood at 0 % to its end)."""
        if self.plan.video_out is not None:
            return self.writer.frames
        return self.writer.samples * self.plan.total_frames // max(self.plan.total_samples, 1)

    def run(self) -> None:
        inputs = {i.label: i for i in self.plan.inputs}
        threads = DecodeThreads.for_plan(self.plan)
        readers: list[Steps] = [Reader(r, inputs, self.graph.sources, threads) for r in self.plan.reads]
        feed_in_order(readers + list(self.live), self.drain)  # overlay pictures in step with the decoders
        # sources with no input file (gaps) are generated as the sinks are pulled
        for sink, put in (
            (self.graph.vsink, self.writer.video),
            (self.graph.asink, self.writer.audio),
        ):
            while sink is not None:
                if self.job.cancelled:  # a GIF's palette holds every frame back to here
                    raise CancelledError("render cancelled")
                try:
                    put(sink.pull())
                except (BlockingIOError, av.BlockingIOError):
                    self.taps.service()
                    self.progress()
                    continue
                except (EOFError, av.EOFError):
                    break
        self.writer.finish()


class Staging:
    """Where a render writes before it is finished: a new ``<target>.*.part`` (a folder for sequences).

    An image sequence to a folder (``out``) swaps a whole folder in; one to a pattern
    (``out/frame_%06d.png``) moves its frames into ``out``, replacing only an earlier render's frames
    of that pattern (``StagedFolder.commit_into``).
    """

    def __init__(self, plan: RenderPlan) -> None:
        self.target = plan.export.path
        self.folder = plan.output.image_sequence
        self.pattern = self.folder and plan.output.path == self.target  # frames named by the user
        self.owner, self.overwrite = (plan.project_id, plan.project_name), plan.export.overwrite
        check_target(self.target, plan.sources)  # again: the plan may be older than the files
        member = plan.output.path.name
        if not self.folder:
            check_replace(self.target, *self.owner, overwrite=self.overwrite)
        elif self.pattern:
            check_pattern_target(self.target, plan.sources)
        else:
            check_folder_target(self.target, plan.sources, member)
        if self.folder:
            self.staged = staged_frames(self.target) if self.pattern else staged_folder(self.target)
            self.part = self.staged.part
            self.write_to = self.staged.write_path(member)  # never through a link
        else:
            self.part = staging_file(self.target)
            self.write_to = write_path(self.part)  # the file made: never a link swapped in for its name

    def commit(self) -> None:
        """Swap the finished output in; an older target is only removed once the new one is there."""
        if not self.folder:
            # again: a file may have appeared there while we rendered
            check_replace(self.target, *self.owner, overwrite=self.overwrite)
            mark_output(self.part, *self.owner)
            try:  # renamed only while it is the file made; the staging lock is let go
                commit(self.part, self.target)
            except OutputError as exc:
                raise RenderError(str(exc)) from None
            return
        try:  # renamed only while it is the folder made; a folder there before is removed after
            if self.pattern:
                self.staged.commit_into(self.target.parent, frame_names(self.target.name))
            else:
                self.staged.commit()
        except (OutputError, OSError) as exc:
            raise RenderError(f"{self.target}: {exc}") from None

    def discard(self) -> None:
        """Remove whatever was partly written."""
        if self.folder:
            self.staged.discard()
        else:
            self.part.unlink(missing_ok=True)
            release(self.part)


def execute(plan: RenderPlan, *, bus: EventBus | None = None, job: Job | None = None) -> Path:
    """Render ``plan`` to ``plan.export.path`` via ``<path>.part``; the target is untouched on failure.

    Ctrl-C (on the main thread) cancels the render, removes its partial output, then raises
    KeyboardInterrupt.
    """
    job = job or RenderJob()
    with cancel_on_interrupt(job):
        return _execute(plan, bus, job)


def _execute(plan: RenderPlan, bus: EventBus | None, job: Job) -> Path:
    check_sidecars(plan)  # before the render: a sidecar it may not write fails nothing half-done
    staging = Staging(plan)
    target = staging.target
    encoder = plan.output.video_encoder or plan.output.audio_encoder or "none"
    for note in plan.output.notes:
        log.warning("%s: %s", target, note)
    if bus:
        bus.publish(RenderStarted(job.job_id, target, plan.total_frames, encoder))
    runner = None
    try:
        runner = _Runner(plan, job, bus, staging.write_to)
        runner.run()
        if plan.video_out is not None and runner.writer.frames != plan.total_frames:
            raise RenderError(
                f"{target}: produced {runner.writer.frames} frames, expected {plan.total_frames}"
            )
        runner.progress()  # a cancel while the encoders finished: nothing is put in place
        staging.commit()
        if plan.subtitles and plan.export.subtitles == "sidecar":
            write_sidecars(target, plan.subtitles, plan.project_id, plan.project_name)
    except BaseException as exc:
        if runner is not None:
            runner.writer.stop()
            with contextlib.suppress(Exception):  # closing a half-written file may itself fail
                runner.writer.out.close()
        staging.discard()
        fail(exc, job.job_id, target, bus)
    wall = time.monotonic() - runner.t0
    runner.progress(force=True, finished=True)
    log_costs(getattr(job, "python", {}))
    if bus:
        bus.publish(RenderCompleted(job.job_id, target, plan.total_frames, wall))
    log.info("rendered %s: %d frames in %.2fs with %s", target, plan.total_frames, wall, encoder)
    return target
