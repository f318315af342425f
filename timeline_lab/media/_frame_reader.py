"""Frame-exact random access: seek to the keyframe before ``t``, decode forward, keep the decoder warm.

The frame shown at ``t`` is the one with the largest presentation time ``<= t`` (sample-and-hold).
Constant-rate streams compare *frame slots* (``round(pts * time_base * rate)``), the rule the
render engine conforms with, so a 29.97 fps frame whose millisecond timestamp was rounded up is
still found at its own frame time; variable-rate streams compare exact ticks.
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import av
import numpy as np

from ..errors import MediaError
from ..model.time import RationalTime
from . import sequence
from ._frames import Frame, Size, TimeLike, output_size, show_time
from .colour import GamutMap, gamut_options, read_options
from .fit import Refit
from .orientation import upright
from .probe import probe
from .timestamps import stream_times

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream
    from PIL import Image

    from .probe import MediaInfo, VideoStreamInfo

__all__ = ["FAR_GOPS", "FrameReader"]

FAR_GOPS = 2
"""Decoding forward beats seeking unless the target is more than this many GOPs ahead."""


@dataclass
class _Decoded:
    frame: VideoFrame
    key: int


class FrameReader:
    """Random access to the frames of one video file; cheap to scrub forward, safe across threads.

    ``seeks`` and ``decoded`` count container seeks and decoded pictures (to see the warm decoder
    at work). Close it (or use ``with``); nothing stays open afterwards.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, threads: int = 0, rate: Fraction | None = None
    ) -> None:
        self.path = Path(path)
        self._open_rate = rate  # an image sequence's rate (see media.sequence)
        self.info: MediaInfo = probe(self.path, rate=rate)
        video = self.info.primary_video
        if video is None:
            raise MediaError(f"{self.path}: no video stream")
        self.video: VideoStreamInfo = video
        self._gamut = GamutMap(video) if gamut_options(video) else None
        self._refit = Refit((video.width, video.height))  # (used under the lock)
        self.seeks = 0
        self.decoded = 0
        self._rate = Fraction(video.frame_rate)
        self._times = stream_times(self.path, video.index, rate=rate)
        self._tb = self._times.time_base
        self._vfr = video.variable_frame_rate or not self._rate
        self._origin = self._times.first * self._tb  # absolute time of frame 0
        self._count = self._times.count
        self._kf_keys = sorted({self._key_of_ticks(int(k)) for k in self._times.keys})
        self._kf_ticks = {self._key_of_ticks(int(k)): int(k) for k in reversed(self._times.keys)}
        gaps = sorted(b - a for a, b in itertools.pairwise(self._kf_keys))
        self._gop = gaps[len(gaps) // 2] if gaps else 1  # median: one long GOP should not skew it
        self._lock = threading.RLock()
        self._threads = threads
        self._container, self._stream = self._open_container()
        self._frames: Iterator[VideoFrame] | None = None
        self._cur: _Decoded | None = None
        self._ahead: _Decoded | None = None
        self._at_eof = False
        self._closed = False

    # --- public ---------------------------------------------------------------------------------
    @property
    def frame_rate(self) -> Fraction:
        """Nominal frame rate (frame indices count at this rate)."""
        return self._rate

    @property
    def closed(self) -> bool:
        """True after close()."""
        return self._closed

    def read(self, t: TimeLike, *, size: Size | None = None) -> Frame:
        """The frame on screen at ``t`` as RGB (resized to ``size``), with its index and time."""
        target = self._target(t)
        with self._lock:
            if self._closed:
                raise MediaError(f"{self.path}: reader is closed")
            try:
                found = self._find(target, t)
                return self._to_frame(found, output_size(self.video, size))
            except av.FFmpegError as exc:
                self._frames = None  # start over with a seek next time
                raise MediaError(f"{self.path}: cannot decode at {show_time(t)} ({exc})") from exc

    def frame(self, t: TimeLike, *, size: Size | None = None) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """RGB pixels ``(height, width, 3)`` of the frame on screen at ``t``."""
        return self.read(t, size=size).rgb

    def image(self, t: TimeLike, *, size: Size | None = None) -> Image.Image:
        """The frame on screen at ``t`` as a PIL image."""
        return self.read(t, size=size).image()

    def close(self) -> None:
        """Release the file and the decoder (idempotent); waits for a read in progress."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._frames = self._cur = self._ahead = None
                self._container.close()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"seeks={self.seeks} decoded={self.decoded}"
        return f"<FrameReader {self.path.name!r} {self._rate} fps {state}>"

    # --- time arithmetic (exact) -----------------------------------------------------------------
    def _target(self, t: TimeLike) -> int:
        """Index of the frame on screen at media time ``t`` (from the stream's start), or frame ``t``."""
        if self.info.still and (isinstance(t, (int, RationalTime))) and not isinstance(t, bool):
            if (t if isinstance(t, int) else t.value) < 0:
                raise MediaError(f"{self.path}: time {show_time(t)} is before the image")
            return 0  # a still image shows its one picture at any time
        if isinstance(t, RationalTime):
            seconds = t.to_seconds()
            if seconds < 0 or seconds >= self._duration():
                end = show_time(self._end_time())
                raise MediaError(f"{self.path}: time {show_time(t)} is outside the media (0 to {end})")
            if self._vfr:
                return self._times.index_at(self._origin + seconds)
            return min(math.floor(seconds * self._rate), self._count - 1)
        if isinstance(t, int) and not isinstance(t, bool):
            if not 0 <= t < self._count:
                raise MediaError(f"{self.path}: frame {t} is outside the media (0 to {self._count - 1})")
            return t
        raise TypeError(f"t: expected a RationalTime or a frame index (int), got {type(t).__name__}")

    def _duration(self) -> Fraction:
        d = self.video.duration
        return d.to_seconds() if d is not None else (self._times.end - self._times.first) * self._tb

    def _end_time(self) -> RationalTime:
        d = self.video.duration
        return d if d is not None else RationalTime(self._times.end - self._times.first, 1 / self._tb)

    def _key_of_ticks(self, ticks: int) -> int:
        """Frame index of a frame stamped ``ticks``: its slot (constant rate) or its rank (variable).

        A frame before the first shown one (an open GOP's leading picture) gets a negative index.
        Frames stamped alike (a coarse capture clock) are ranked in decode order by ``_next``: this
        is the first of them.
        """
        if self._vfr:
            pts = self._times.pts
            i = int(np.searchsorted(pts, ticks, side="right")) - 1
            return int(np.searchsorted(pts, ticks, side="left")) if i > 0 and pts[i] == ticks else i
        return round((ticks * self._tb - self._origin) * self._rate)

    # --- decoding -----------------------------------------------------------------------------
    def _next(self) -> _Decoded | None:
        assert self._frames is not None
        for frame in self._frames:
            if frame.pts is None:
                continue
            self.decoded += 1
            key = self._key_of_ticks(frame.pts)
            last = self._ahead or self._cur
            if self._vfr and last is not None and last.frame.pts == frame.pts:
                key = last.key + 1  # the next of frames stamped alike, as the timestamp index ranks them
            return _Decoded(frame, key)
        self._at_eof = True
        return None

    def _open(self) -> None:
        self._container.close()
        self._container, self._stream = self._open_container()

    def _open_container(self) -> tuple[InputContainer, VideoStream]:
        try:
            if sequence.is_sequence(self.path):
                container = av.open(
                    **sequence.open_args(self.path, self._open_rate), metadata_errors="replace"
                )
            else:
                container = av.open(str(self.path), metadata_errors="replace")
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.path}: cannot open ({exc})") from exc
        stream = next(s for s in container.streams.video if s.index == self.video.index)
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = self._threads
        return container, stream

    def _seek(self, target: int, *, back: int = 0) -> bool:
        """Go to the keyframe at or before ``target`` (``back`` keyframes earlier); True: at the start.

        Some demuxers (MPEG-TS, say) seek imprecisely; callers step back a keyframe at a time,
        and past the first one the file is reopened, which always lands on the first packet.
        """
        i = bisect.bisect_right(self._kf_keys, target) - 1 - back
        self.seeks += 1
        self._cur = self._ahead = None
        self._at_eof = False
        rewind = i < 0
        if not rewind:
            ticks = self._kf_ticks[self._kf_keys[i]]
            try:
                self._container.seek(ticks, stream=self._stream, backward=True)
            except av.FFmpegError:
                rewind = True
        if rewind:
            self._open()
        self._frames = self._container.decode(self._stream)
        return rewind

    def _should_seek(self, target: int) -> bool:
        here = self._ahead or self._cur
        if self._frames is None or here is None or self._cur is None or target < self._cur.key:
            return True
        if target - here.key <= FAR_GOPS * self._gop:
            return False
        i = bisect.bisect_right(self._kf_keys, target) - 1
        return i >= 0 and self._kf_keys[i] > here.key  # a seek must land past where we are

    def _find(self, target: int, t: TimeLike) -> _Decoded:
        cur, ahead = self._cur, self._ahead
        if cur is not None and cur.key <= target and self._frames is not None:
            if cur.key == target or (ahead is not None and ahead.key > target):
                return cur  # already on screen: nothing to decode
            if self._at_eof:
                return cur  # targets never pass the last frame: the last frame holds
        back, at_start = 0, False
        if self._should_seek(target):
            at_start = self._seek(target)
        while True:
            got, self._ahead = (self._ahead, None) if self._ahead is not None else (self._next(), None)
            if got is None:  # end of stream: the last frame holds until the media ends
                if self._cur is not None:
                    return self._cur
                if at_start:
                    raise MediaError(f"{self.path}: time {show_time(t)} is past the last frame")
            elif got.key <= target:
                self._cur = got
                if got.key == target:
                    return got
                continue
            elif self._cur is not None:
                self._ahead = got
                return self._cur
            elif at_start:
                self._cur = got  # nothing earlier exists
                return got
            # the seek landed past the target (or nowhere): one keyframe further back
            back += 1
            at_start = self._seek(target, back=back)

    def _to_frame(self, found: _Decoded, size: tuple[int, int] | None) -> Frame:
        """RGB as a player shows it: SAR made square and the display matrix applied (a picture of
        another size than the stream's fitted into it first)."""
        frame = self._refit(found.frame)
        quarter = (self.video.rotation // 90) % 4
        w, h = size if size is not None else (self.video.display_width, self.video.display_height)
        if quarter % 2:
            w, h = h, w  # scale before rotating: the stored picture is the other way round
        kwargs: dict[str, int | str] = {"format": "rgb24"}
        if (w, h) != (frame.width, frame.height):
            kwargs.update(width=w, height=h, interpolation="AREA")
        if self._gamut is not None and not (frame.format.is_rgb or frame.format.has_palette):
            frame = self._gamut(frame, w, h)  # HDR or BT.2020: mapped to SDR BT.709, tagged so
            kwargs = {"format": "rgb24"}
        kwargs.update(read_options(frame, self.video))
        # rgb24 is one byte a channel; channel_last is spelled out so mypy does not match it to kwargs
        rgb = cast("np.ndarray[Any, np.dtype[np.uint8]]", frame.to_ndarray(channel_last=False, **kwargs))
        rgb = upright(rgb, self.video.rotation, self.video.flip)
        index = max(0, found.key)
        if self._vfr:
            time = RationalTime(int(self._times.pts[index]) - self._times.first, 1 / self._tb)
        else:
            time = RationalTime(index, self._rate)
        return Frame(rgb, index, time)
