"""Writing a smart render: the muxer in output order, over copies read ahead and edges re-encoded
on a pool, with the audio made alongside on its own pool.

Why: the work that costs (decoding and encoding the cut edges, encoding the sound) runs on worker
threads from the start, side by side; this thread only copies packets and waits where the output
order says it must.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av

from ...core.events import EventBus, RenderProgress
from ...core.jobs import Job
from ...errors import CancelledError, RenderError
from ..chapters import container_chapters
from ..targets import output_tag
from .edges import Encoded, encode_stretch
from .feed import Feed
from .plan import Plan, Refused
from .splice import codec
from .track import Track
from .walk import Copied, walk

if TYPE_CHECKING:
    from av.packet import Packet
    from av.video.stream import VideoStream


_Item = Copied | tuple[Future[Encoded], int, int]
"""A copy, or a stretch on the pool: (its encoded MP4 samples to come, its frames, the bytes of the
source packets it decodes)."""


def _held(item: _Item) -> int:
    """Bytes an item of the feed holds (a stretch: about what its source packets and its samples hold)."""
    return item.size if isinstance(item, Copied) else item[2]


class Run:
    """One smart render: the video pass in timeline order, with the audio encoded alongside."""

    def __init__(self, plan: Plan, part: Path, job: Job, bus: EventBus | None) -> None:
        self.plan, self.job, self.bus = plan, job, bus
        self.t0, self.last_report = time.monotonic(), 0.0
        self.tb = 1 / plan.rate
        self.muxed = self.copied = 0  # video packets written, of them copied
        workers = min(4, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="smart-x264")
        # the walk starts first: the first cut's edge, on the critical path, is found and handed to
        # the pool while the output is set up and the sound laid out
        self.feed: Feed[_Item] = Feed(self._items(), _held)
        try:
            self._open(plan, part)
        except BaseException:
            self.abort()
            raise

    def _open(self, plan: Plan, part: Path) -> None:
        """The output file and its streams."""
        opts = {"movflags": "+faststart"} if plan.export.faststart else {}
        timescale = math.lcm(plan.rate.numerator, plan.sample_rate)  # edit lists exact to the sample
        if timescale < 2**31:
            opts["movie_timescale"] = str(timescale)
        self.out = av.open(str(part), "w", format="mp4", options=opts)
        self.out.metadata["comment"] = output_tag(plan.project_id, plan.project_name)
        if plan.chapters:
            self.out.set_chapters(container_chapters(plan.chapters, plan.rate))
        first = next(p for p in plan.pieces if p.path is not None)
        with av.open(str(first.path), metadata_errors="replace") as src:
            template = cast("VideoStream", src.streams[first.video])  # the plan's H.264 stream
            self.vs = self.out.add_stream_from_template(template, opaque=True)
        self.vs.codec_context.extradata = plan.avcc
        self.vs.time_base = self.tb
        self.track = Track(plan, codec(plan).add_to(self.out))

    def run(self) -> None:
        while (item := self._next()) is not None:
            base = self.muxed
            if isinstance(item, Copied):
                for p, at in zip(item.packets, item.at, strict=True):
                    self.mux(p, base + at, p.is_keyframe)
                self.copied += item.frames
            else:
                future, frames, _ = item
                for data, at, key in self._wait(future):
                    self.mux(cast("Packet[VideoStream]", av.Packet(data)), base + at, key)  # to self.vs
                if self.muxed != base + frames:
                    raise RenderError(f"a re-encoded stretch gave {self.muxed - base} frames, not {frames}")
            self.progress()
        self.feed.join()
        self.pool.shutdown()
        self.audio(None)
        self.track.close()
        self.out.close()
        if self.muxed != self.plan.total:
            raise RenderError(f"smart render wrote {self.muxed} frames, expected {self.plan.total}")

    def abort(self) -> None:
        self.feed.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
        if hasattr(self, "track"):  # not when setting up the output failed
            self.track.close()
        if hasattr(self, "out"):
            with contextlib.suppress(Exception):  # closing a half-written file may itself fail
                self.out.close()

    def _items(self) -> Generator[_Item, None, None]:
        """The walk, each stretch handed to the pool as it is found (runs on the feed's thread)."""
        with contextlib.closing(walk(self.plan)) as items:
            for item in items:
                if isinstance(item, Copied):
                    yield item
                else:
                    yield self.pool.submit(encode_stretch, item, self.plan), item.frames, item.size

    def _next(self) -> _Item | None:
        """The next video item in output order (None at the end), watching for a cancel meanwhile."""
        while True:
            ready, item = self.feed.get(timeout=0.1)
            if ready:
                return item
            self.progress()

    def _wait(self, future: Future[Encoded]) -> Encoded:
        while True:
            try:
                return future.result(timeout=0.1)
            except TimeoutError:
                self.progress()

    def mux(self, p: Packet[VideoStream], pts: int, key: bool) -> None:
        """Write one video packet at output frame ``pts``; dts run evenly, ``delay`` frames early."""
        dts = self.muxed - self.plan.delay
        if pts < dts:
            raise Refused(f"output frame {pts} reorders deeper than the {self.plan.delay} planned")
        p.pts, p.dts, p.duration, p.time_base = pts, dts, 1, self.tb
        p.is_keyframe, p.stream = key, self.vs
        self.out.mux_one(p)
        self.muxed += 1
        if self.muxed % 32 == 0:
            self.audio(self.muxed)

    def audio(self, upto: int | None) -> None:
        """Write the audio up to video frame ``upto`` (None: all), so the file interleaves as it grows."""
        plan = self.plan
        limit = None if upto is None else round(upto / plan.rate * plan.sample_rate)
        for p in self.track.take(limit):
            self.out.mux_one(p)

    def progress(self, force: bool = False, *, finished: bool = False) -> None:
        """Report how far the render is (``force``: now); a cancel stops it, unless it is ``finished``."""
        if self.job.cancelled and not finished:
            raise CancelledError("render cancelled")
        self.job.progress(self.muxed / max(self.plan.total, 1))
        now = time.monotonic()
        if self.bus is None or (not force and now - self.last_report < 0.2):
            return
        self.last_report = now
        done, total = self.muxed, self.plan.total
        fps = done / max(now - self.t0, 1e-6)
        eta = (total - done) / fps if fps > 0 else None
        self.bus.publish(RenderProgress(self.job.job_id, done, total, fps, eta))
