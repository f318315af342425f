"""Where decoded sound starts, in samples, when a container keeps its times coarser than a sample.

Why: Matroska/WebM (and FLV) keep packet times in whole milliseconds, so a 4608-sample FLAC frame
at 44.1 kHz that starts at 104.49 ms is stamped 104. Read from the stream's start, the sample
count says where each frame starts (``counted``: the ffmpeg CLI's ``av_rescale_delta`` rule); after
a seek the first frame has only its rounded stamp, up to half a tick off. ``sound_starts`` counts
once from the start (cached until the file changes), so a range render, a preview or a cluster
segment that seeks places its sound on the samples the whole render does.
"""

from __future__ import annotations

import functools
import io
import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..core.disk_memo import Memo, file_stamp
from .timestamps import READER_VERSIONS
from .urls import as_url

__all__ = ["SoundStarts", "coarse", "counted", "sound_starts"]

log = logging.getLogger(__name__)

_VERSION = 1  # bump when what is kept changes


def coarse(time_base: Fraction, rate: int) -> bool:
    """Whether a tick of ``time_base`` is longer than a sample at ``rate`` (stamps are rounded)."""
    return time_base.numerator * rate > time_base.denominator


def counted(pts: int, time_base: Fraction, rate: int, running: int) -> int | None:
    """The sample a frame stamped ``pts`` starts at, where the sound before it ends at ``running``;
    None where the stamp is no rounding of that count (a hole or an overlap: the stamp holds).

    While the stamp is the running count rounded to a tick (or within half a tick more), the count
    holds, clamped to the samples that round to the stamp. Ticks no longer than a sample: None.
    """
    if not coarse(time_base, rate):
        return None
    num, den, tick = pts * time_base.numerator * rate, time_base.denominator, time_base.numerator * rate
    low = (2 * num - tick) // (2 * den)  # the first sample that rounds to ``pts``
    high = -((-2 * num - tick) // (2 * den))  # the last (both ends kept: ties round either way)
    if not 2 * low - high <= running <= 2 * high - low:
        return None
    return min(max(running, low), high)


@dataclass(frozen=True)
class SoundStarts:
    """Each decoded frame's stamp (``pts``, in the stream's ticks) and first sample (``starts``)."""

    pts: np.ndarray
    starts: np.ndarray

    def at(self, pts: int) -> int | None:
        """The first sample of the frame stamped ``pts`` (None: no frame was)."""
        i = int(np.searchsorted(self.pts, pts))
        return int(self.starts[i]) if i < len(self.pts) and int(self.pts[i]) == pts else None


def sound_starts(path: str | os.PathLike[str], stream_index: int, rate: int) -> SoundStarts | None:
    """The sound stream's frame starts counted from its first frame, at ``rate`` (kept on disk
    until the file changes); None for a remote file (it would be read in full) or one that cannot
    be decoded to its end (callers keep the stamps)."""
    if as_url(path) is not None:
        return None
    p = Path(path).resolve()
    try:
        stamp, size = file_stamp(p.stat())
    except OSError:
        return None
    return _starts(p, stamp, size, stream_index, rate)


@functools.lru_cache(maxsize=32)
def _starts(path: Path, stamp: int, size: int, index: int, rate: int) -> SoundStarts | None:
    memo = Memo("sound_starts", ".npz", _VERSION, READER_VERSIONS, path, stamp, size, index, rate)
    data = memo.get()
    if data is not None:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                return SoundStarts(z["pts"].astype(np.int64), z["starts"].astype(np.int64))
        except Exception as exc:  # damaged: count again
            log.debug("%s: ignoring the kept sound starts %s (%s)", path, memo.path, exc)
    starts = _count(path, index, rate)
    if starts is not None:
        buf = io.BytesIO()
        np.savez_compressed(buf, pts=starts.pts, starts=starts.starts)
        memo.put(buf.getvalue())
    return starts


def _count(path: Path, index: int, rate: int) -> SoundStarts | None:
    """Decode the stream from its start, counting samples as the render does from there."""
    rows: list[tuple[int, int]] = []
    try:
        with av.open(str(path), metadata_errors="replace") as container:
            stream = container.streams[index]
            assert stream.time_base is not None  # every demuxed stream has one
            tb = Fraction(stream.time_base)
            running: int | None = None
            for frame in container.decode(stream):
                if not isinstance(frame, av.AudioFrame) or frame.pts is None:
                    continue
                own = round(Fraction(frame.pts * tb.numerator * rate, tb.denominator))
                at = own if running is None else counted(frame.pts, tb, rate, running)
                at = own if at is None else at
                rows.append((frame.pts, at))
                running = at + round(Fraction(frame.samples * rate, frame.sample_rate or rate))
    except (av.FFmpegError, OSError, IndexError) as exc:
        log.debug("%s: cannot count stream %d's sound (%s)", path, index, exc)
        return None
    rows.sort()
    pts = np.array([r[0] for r in rows], dtype=np.int64)
    return SoundStarts(pts, np.array([r[1] for r in rows], dtype=np.int64))
