"""Frame sampling for recognition: PyAV decode in a background thread, exact times, model-ready batches.

Decoding runs ahead of inference through a bounded queue, so the two overlap without unbounded
memory. Every frame carries its exact time from the stream's first shown frame (a Fraction of
seconds, the model's source time, as clips and the render count it) and its frame index; nothing
is invented from ``index / fps``. Pictures are as a player shows them (square pixels, display
matrix applied: ``_upright``), so boxes are in the pixels the render draws on.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import av
import numpy as np

from ..errors import MediaError
from ..media.clips import source_range
from ..media.colour import read_options
from ..media.fit import Refit
from ..media.probe import VideoStreamInfo, probe
from ..media.reference import reference_from_info
from ..media.timestamps import stream_times
from ..model.time import RationalTime, TimeRange, to_fraction
from ._upright import Upright
from .errors import RecognitionError
from .geometry import PAD_VALUE, Letterbox, resize_linear

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

__all__ = ["FrameBatch", "FrameSampler", "TimeSpan", "fit_image", "normalize_spans"]

Fit = Literal["letterbox", "resize"]
PixelFormat = Literal["rgb24", "bgr24"]
TimeSpan = tuple[Any, Any] | TimeRange
"""``(start, end_exclusive)`` in seconds (int, Fraction, str, float or RationalTime), or a TimeRange."""

_DONE = object()


@dataclass(frozen=True)
class FrameBatch:
    """Up to ``batch`` sampled frames of one video, as one array plus their exact times."""

    source: str
    images: np.ndarray[Any, np.dtype[np.uint8]]
    """``(B, H, W, 3)`` uint8 in ``pixel_format``; model-sized when ``geometry`` is not identity."""
    frames: np.ndarray[Any, np.dtype[np.int64]]
    pts: tuple[Fraction, ...]
    geometry: Letterbox
    pixel_format: PixelFormat

    def __len__(self) -> int:
        return len(self.frames)


def _seconds(x: Any, what: str) -> Fraction:
    if isinstance(x, RationalTime):
        return x.to_seconds()
    return to_fraction(x, what=what)


def normalize_spans(ranges: Sequence[TimeSpan] | None) -> list[tuple[Fraction, Fraction | None]]:
    """Sorted, merged ``[start, end)`` spans in seconds; None end = to the end of the file."""
    if ranges is None:
        return [(Fraction(0), None)]
    spans: list[tuple[Fraction, Fraction]] = []
    for r in ranges:
        if isinstance(r, TimeRange):
            start, end = r.start.to_seconds(), r.end_exclusive().to_seconds()
        else:
            start, end = _seconds(r[0], "range start"), _seconds(r[1], "range end")
        if start < 0 or end <= start:
            raise RecognitionError(f"ranges: need 0 <= start < end, got [{start}, {end})")
        spans.append((start, end))
    spans.sort()
    merged: list[tuple[Fraction, Fraction | None]] = []
    for start, end in spans:
        last = merged[-1] if merged else None
        if last is not None and last[1] is not None and start <= last[1]:
            merged[-1] = (last[0], max(last[1], end))
        else:
            merged.append((start, end))
    return merged


class FrameSampler:
    """Iterate a video's frames in batches: all, every n-th, at a target rate, or within time ranges.

    Parameters
    ----------
    every:
        Keep one frame in ``every`` (counted from the start of each range).
    fps:
        Keep the first frame at or after each tick of a ``fps`` grid (exact); excludes ``every``.
    ranges:
        Spans to read; the decoder seeks to the keyframe before each start.
    size:
        ``(height, width)`` (or an int for a square) of the model input; None keeps source frames.
    fit:
        ``letterbox`` keeps the aspect ratio and pads with grey; ``resize`` stretches.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        every: int = 1,
        fps: Fraction | int | str | None = None,
        ranges: Sequence[TimeSpan] | None = None,
        size: int | tuple[int, int] | None = None,
        fit: Fit = "letterbox",
        pixel_format: PixelFormat = "rgb24",
        batch: int = 8,
        queue_size: int = 4,
        threads: int = 0,
    ) -> None:
        self.path = Path(path)
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise RecognitionError(f"every: must be an int >= 1, got {every!r}")
        if fps is not None and every != 1:
            raise RecognitionError("every, fps: give one of them, not both")
        if batch < 1 or queue_size < 1:
            raise RecognitionError(f"batch and queue_size must be >= 1, got {batch}, {queue_size}")
        if fit not in ("letterbox", "resize"):
            raise RecognitionError(f"fit: expected 'letterbox' or 'resize', got {fit!r}")
        if pixel_format not in ("rgb24", "bgr24"):
            raise RecognitionError(f"pixel_format: expected 'rgb24' or 'bgr24', got {pixel_format!r}")
        self.every = every
        self.fps = to_fraction(fps, what="fps") if fps is not None else None
        if self.fps is not None and self.fps <= 0:
            raise RecognitionError(f"fps: must be > 0, got {fps!r}")
        self.spans = normalize_spans(ranges)
        self.size = (size, size) if isinstance(size, int) else size
        self.fit: Fit = fit
        self.pixel_format: PixelFormat = pixel_format
        self.batch = batch
        self.queue_size = queue_size
        self.threads = threads
        self.info = self._probe()
        src = (self.info.display_height, self.info.display_width)  # as shown: boxes land where drawn
        self.geometry = Letterbox.fit(src, self.size or src, stretch=fit == "resize")

    def _probe(self) -> VideoStreamInfo:
        try:
            info = probe(self.path)
        except MediaError as exc:
            raise RecognitionError(f"{self.path}: cannot read it as a video ({exc})") from exc
        if info.primary_video is None:
            kinds = "audio only" if info.has_audio else "no streams"
            raise RecognitionError(f"{self.path}: no video stream ({kinds}); recognition needs pictures")
        return info.primary_video

    # --- estimates ------------------------------------------------------------------------
    def expected_frames(self) -> int | None:
        """How many frames the sampler will yield (for progress bars); None when unknown."""
        vs = self.info
        total = vs.frame_count
        if total is None and vs.duration is not None:
            total = math.ceil(vs.duration.to_seconds() * vs.frame_rate)
        if total is None:
            return None
        length = Fraction(total) / vs.frame_rate
        count = 0
        for start, end in self.spans:
            stop = length if end is None else min(end, length)
            if stop <= start:
                continue
            if self.fps is not None:
                count += min(math.ceil((stop - start) * vs.frame_rate), math.ceil((stop - start) * self.fps))
            else:
                count += math.ceil(math.ceil((stop - start) * vs.frame_rate) / self.every)
        return count

    # --- iteration ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[FrameBatch]:
        q: queue.Queue[object] = queue.Queue(maxsize=self.queue_size)
        stop = threading.Event()
        worker = threading.Thread(
            target=self._produce, args=(q, stop), name=f"decode-{self.path.name}", daemon=True
        )
        worker.start()
        try:
            while True:
                item = q.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, FrameBatch)
                yield item
        finally:
            stop.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    q.get(timeout=0.05)
            worker.join()

    def _produce(self, q: queue.Queue[object], stop: threading.Event) -> None:
        def put(item: object) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            for batch in self._batches(stop):
                if not put(batch):
                    return
            put(_DONE)
        except BaseException as exc:
            if isinstance(exc, av.FFmpegError):
                exc = RecognitionError(f"{self.path}: decoding failed ({exc})")
            put(exc)

    def _batches(self, stop: threading.Event) -> Iterator[FrameBatch]:
        buf = self._new_buffer()
        frames: list[int] = []
        pts: list[Fraction] = []
        refit = Refit((self.info.width, self.info.height))  # this thread's
        upright = Upright(self.info)
        for frame, index, t in self._selected(stop):
            self._draw(upright(refit(frame)), buf[len(pts)])
            frames.append(index)
            pts.append(t)
            if len(pts) == self.batch:
                yield self._batch(buf, frames, pts)
                buf, frames, pts = self._new_buffer(), [], []
        if pts:
            yield self._batch(buf[: len(pts)], frames, pts)

    def _new_buffer(self) -> np.ndarray[Any, np.dtype[np.uint8]]:
        h, w = self.geometry.dst
        if self.geometry.new == self.geometry.dst:
            return np.empty((self.batch, h, w, 3), np.uint8)
        return np.full((self.batch, h, w, 3), PAD_VALUE, np.uint8)

    def _batch(self, buf: np.ndarray[Any, Any], frames: list[int], pts: list[Fraction]) -> FrameBatch:
        return FrameBatch(
            source=str(self.path),
            images=buf,
            frames=np.asarray(frames, dtype=np.int64),
            pts=tuple(pts),
            geometry=self.geometry,
            pixel_format=self.pixel_format,
        )

    def _draw(self, frame: VideoFrame, out: np.ndarray[Any, Any]) -> None:
        """Convert (and scale) one decoded frame into its slot of the batch buffer."""
        g = self.geometry
        nh, nw = g.new
        reads: dict[str, Any] = {"format": self.pixel_format, **read_options(frame, self.info)}
        img = frame.to_ndarray(**reads)  # its colours as players show them
        if img.shape[:2] != (nh, nw):
            img = resize_linear(img, nh, nw)
        top, left = g.pad
        out[top : top + nh, left : left + nw] = img

    def _selected(self, stop: threading.Event) -> Iterator[tuple[VideoFrame, int, Fraction]]:
        """Decoded frames that the selection keeps, with their frame index and exact time from the
        first shown frame (a stream's own start, 10 s into an MP4 or 1.4 s into a TS, is zero)."""
        vs = self.info
        with av.open(str(self.path), metadata_errors="replace") as container:
            stream = _video_stream(container, vs.index)
            stream.thread_type = "AUTO"
            if self.threads:
                stream.codec_context.thread_count = self.threads
            assert stream.time_base is not None  # every demuxed stream has one
            tb = Fraction(stream.time_base)
            if vs.variable_frame_rate:  # no seeking: one pass, each frame's index among the shown
                times = stream_times(self.path, vs.index)  # the scan probe made (cached)
                shown = (
                    (f, k, (f.pts - times.first) * tb)
                    for f in container.decode(stream)
                    if f.pts is not None
                    for k in (times.index_at(f.pts * tb),)
                    if int(times.pts[k]) == f.pts
                )
                yield from self._keep(shown, self.spans, stop)
                return
            origin = vs.start.to_seconds()
            ref = reference_from_info(probe(self.path))
            for span in self.spans:
                decoded = (
                    _decode_from(container, stream, math.floor((origin + span[0]) / tb), self.path, vs.index)
                    if span[0] > 0
                    else container.decode(stream)
                )
                # frame k is the slot its stamp rounds to; its time is that slot's, as clips, the
                # frame reader and the analysis tables give it (a jittery or rounded stamp is not)
                timed = (
                    (f, k, source_range(ref, k, 1).start.to_seconds())
                    for f in decoded
                    if f.pts is not None
                    for k in (round((f.pts * tb - origin) * vs.frame_rate),)
                )
                yield from self._keep(timed, [span], stop)

    def _keep(
        self,
        timed: Iterator[tuple[VideoFrame, int, Fraction]],
        spans: Sequence[tuple[Fraction, Fraction | None]],
        stop: threading.Event,
    ) -> Iterator[tuple[VideoFrame, int, Fraction]]:
        """Apply ranges, ``every`` and ``fps`` to time-ordered frames; stops after the last span."""
        k = 0
        seen, tick = 0, spans[0][0]
        for frame, index, rel in timed:
            if stop.is_set():
                return
            while k < len(spans) and (end := spans[k][1]) is not None and rel >= end:
                k += 1
                if k < len(spans):
                    seen, tick = 0, spans[k][0]
            if k == len(spans):
                return
            start = spans[k][0]
            if rel < start:
                continue
            if self.fps is not None:
                keep = rel >= tick
                if keep:
                    tick = start + Fraction(math.floor((rel - start) * self.fps) + 1) / self.fps
            else:
                keep = seen % self.every == 0
            seen += 1
            if keep:
                yield frame, index, rel


def fit_image(img: np.ndarray[Any, Any], geometry: Letterbox) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """One ``(H, W, 3)`` uint8 image fitted to ``geometry.dst`` (bilinear as OpenCV, grey padding)."""
    if geometry.identity:
        return img
    nh, nw = geometry.new
    if (nh, nw) != geometry.src:
        img = resize_linear(img, nh, nw)
    out = np.full((*geometry.dst, 3), PAD_VALUE, np.uint8)
    top, left = geometry.pad
    out[top : top + nh, left : left + nw] = img
    return out


def _video_stream(container: InputContainer, index: int) -> VideoStream:
    for s in container.streams.video:
        if s.index == index:
            return s
    raise RecognitionError(f"stream {index} is not a video stream")


def _decode_from(
    container: InputContainer, stream: VideoStream, target: int, path: Path, index: int
) -> Iterator[VideoFrame]:
    """Decoded frames from the keyframe at or before pts ``target``. Some demuxers (MPEG-TS) seek
    past it or nowhere: then one keyframe further back, and from the first packet past the first."""
    times = stream_times(path, index)  # the scan probe made (cached): where the keyframes are
    at = int(np.searchsorted(times.keys, target, side="right")) - 1 - times.lead
    while True:
        container.seek(int(times.keys[at]) if at >= 0 else 0, stream=stream, backward=True)
        frames = container.decode(stream)
        first = next((f for f in frames if f.pts is not None), None)
        if at < 0 or (first is not None and first.pts is not None and first.pts <= target):
            if first is not None:
                yield first
                yield from frames
            return
        at -= 1
