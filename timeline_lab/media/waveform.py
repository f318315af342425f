"""Audio peaks for the timeline: min/max per bucket at several zoom levels, from one decode pass.

Samples are placed by their timestamps as the render plays them (``sound_clock``): a hole in the
stream's times is silence, not the sound after it drawn early.

The envelope takes the extremes across channels rather than a downmix: a downmix changes the
level (pan law) and cancels out-of-phase channels, so a loud stereo track could draw as silence.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from ..core.cache import DEFAULT_CACHES, CacheSet
from ..errors import MediaError
from ..model.time import RationalTime
from .channel_layout import standard_layout
from .keys import media_key
from .probe import probe
from .sound_arrays import to_planes
from .sound_clock import SoundClock
from .sound_shape import SoundShape

__all__ = ["DEFAULT_LEVELS", "Waveform", "waveform"]

DEFAULT_LEVELS = (256, 1024, 4096)
"""Samples per bucket, finest first (about 5 ms, 21 ms and 85 ms at 48 kHz)."""
_VERSION = 2  # 2: samples placed by timestamp (holes silent), start less the encoder delay

Peaks = np.ndarray[Any, np.dtype[np.float32]]


@dataclass(frozen=True, eq=False)
class Waveform:
    """Per-level columns ``mins[i]``/``maxs[i]`` (float32, -1..1) for ``levels[i]`` samples a bucket."""

    sample_rate: int
    samples: int
    """Samples per channel from ``start`` on the sound's clock (holes in its times as silence)."""
    start: RationalTime
    """Time of the first sample on the stream's clock, encoder delay taken off (bucket ``j`` of
    level ``L`` starts at ``start + j*L/sample_rate``); media time 0 is the render's ``media_origin``."""
    channels: int
    levels: tuple[int, ...]
    mins: tuple[Peaks, ...]
    maxs: tuple[Peaks, ...]

    def level(self, samples_per_bucket: int) -> tuple[Peaks, Peaks]:
        """``(mins, maxs)`` of one zoom level."""
        try:
            i = self.levels.index(samples_per_bucket)
        except ValueError:
            raise ValueError(f"samples_per_bucket: {samples_per_bucket} not among {self.levels}") from None
        return self.mins[i], self.maxs[i]

    @property
    def nbytes(self) -> int:
        """Bytes held by the peak arrays (for cache budgets)."""
        return sum(a.nbytes for a in (*self.mins, *self.maxs))

    def to_json(self, *, decimals: int = 4) -> dict[str, Any]:
        """JSON-able dict for the timeline widget (values rounded to ``decimals``)."""
        return {
            "sample_rate": self.sample_rate,
            "samples": self.samples,
            "channels": self.channels,
            "start": self.start.to_json(),
            "levels": [
                {
                    "samples_per_bucket": lv,
                    "min": np.round(lo, decimals).tolist(),
                    "max": np.round(hi, decimals).tolist(),
                }
                for lv, lo, hi in zip(self.levels, self.mins, self.maxs, strict=True)
            ],
        }

    def to_bytes(self) -> bytes:
        """Compact binary form (``.npz``) for the disk cache."""
        buf = io.BytesIO()
        meta = np.array([self.sample_rate, self.samples, self.channels, *self.levels], dtype=np.int64)
        start = np.array([str(self.start.value), str(self.start.rate)])
        arrays = {f"min{i}": a for i, a in enumerate(self.mins)} | {
            f"max{i}": a for i, a in enumerate(self.maxs)
        }
        np.savez(buf, meta=meta, start=start, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Waveform:
        """Inverse of :meth:`to_bytes`."""
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = [int(x) for x in z["meta"]]
            value, rate = (str(x) for x in z["start"])
            levels = tuple(meta[3:])
            return cls(
                sample_rate=meta[0],
                samples=meta[1],
                start=RationalTime(value, rate),
                channels=meta[2],
                levels=levels,
                mins=tuple(z[f"min{i}"] for i in range(len(levels))),
                maxs=tuple(z[f"max{i}"] for i in range(len(levels))),
            )


def _check_levels(levels: tuple[int, ...]) -> tuple[int, ...]:
    out = tuple(sorted(set(levels)))
    if not out or any(isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in out):
        raise ValueError(f"levels: expected positive ints (samples per bucket), got {levels!r}")
    if any(x % out[0] for x in out):
        raise ValueError(f"levels: each must be a multiple of the finest ({out[0]}), got {levels!r}")
    return out


class _Buckets:
    """Streaming min/max of the finest level; a remainder carries over between decoded frames."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lo: list[Peaks] = []
        self.hi: list[Peaks] = []
        self.carry_lo: Peaks = np.empty(0, np.float32)
        self.carry_hi: Peaks = np.empty(0, np.float32)

    def add(self, planes: np.ndarray[Any, Any], room: int | None) -> int:
        """Take up to ``room`` samples of ``(channels, n)`` float planes; returns how many were taken."""
        planes = np.asarray(planes[:, : max(room, 0)] if room is not None else planes, dtype=np.float32)
        if not planes.shape[1]:
            return 0
        lo = np.concatenate([self.carry_lo, planes.min(axis=0)])
        hi = np.concatenate([self.carry_hi, planes.max(axis=0)])
        whole = len(lo) // self.size * self.size
        if whole:
            self.lo.append(lo[:whole].reshape(-1, self.size).min(axis=1))
            self.hi.append(hi[:whole].reshape(-1, self.size).max(axis=1))
        self.carry_lo, self.carry_hi = lo[whole:], hi[whole:]
        return int(planes.shape[1])

    def silence(self, n: int) -> None:
        """``n`` samples of silence (a hole in the sound's times), without making them."""
        head = min(n, -len(self.carry_lo) % self.size) if len(self.carry_lo) else 0
        if head:
            self.add(np.zeros((1, head), np.float32), None)
        n -= head
        whole = n // self.size
        if whole:
            self.lo.append(np.zeros(whole, np.float32))
            self.hi.append(np.zeros(whole, np.float32))
        if n - whole * self.size:
            self.add(np.zeros((1, n - whole * self.size), np.float32), None)

    def finish(self) -> tuple[Peaks, Peaks]:
        if len(self.carry_lo):  # a last, partial bucket
            self.lo.append(self.carry_lo.min(keepdims=True))
            self.hi.append(self.carry_hi.max(keepdims=True))
        empty = np.empty(0, np.float32)
        lo = np.concatenate(self.lo) if self.lo else empty
        hi = np.concatenate(self.hi) if self.hi else empty
        return lo.astype(np.float32), hi.astype(np.float32)


def _coarser(fine: Peaks, factor: int, fn: Any) -> Peaks:
    pad = -len(fine) % factor
    if pad:  # repeat the last value: it cannot change a min or a max
        fine = np.concatenate([fine, np.repeat(fine[-1:], pad)])
    return np.asarray(fn(fine.reshape(-1, factor), axis=1), dtype=np.float32)


def _compute(path: Path, levels: tuple[int, ...], audio_stream: int | None = None) -> Waveform:
    info = probe(path)
    audio = info.audio_stream(audio_stream)
    if audio is None:
        raise MediaError(f"{path}: no audio stream, so no waveform")
    buckets = _Buckets(levels[0])
    limit = audio.sample_count  # decoders keep the codec's end padding; the container knows the length
    clock = SoundClock(audio.sample_rate, audio.time_base, audio.delay)

    def put(planes: np.ndarray[Any, Any], pts: int | None) -> None:
        room = None if limit is None else limit - clock.end
        silence, drop = clock.place(pts, planes.shape[1])
        if room is not None and room <= 0:
            return
        buckets.silence(silence if room is None else min(silence, room))
        buckets.add(planes[:, drop:], None if room is None else room - silence)

    try:
        with av.open(str(path), metadata_errors="replace") as container:
            stream = next(s for s in container.streams.audio if s.index == audio.index)
            standard_layout(stream, path)
            shape = SoundShape("fltp", rate=audio.sample_rate)  # float planes, one layout and rate
            for frame in container.decode(stream):
                out = [to_planes(f) for f in shape.resample(frame)]
                if not out:
                    continue
                planes = np.concatenate(out, axis=1)
                # a frame converted from another rate may be stamped by the header's: it runs on
                pts = None if shape.rerated else frame.pts
                put(planes, pts)
            tail = [to_planes(f) for f in shape.resample(None)]
            if tail:
                planes = np.concatenate(tail, axis=1)
                put(planes, None)
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode audio ({exc})") from exc
    samples = clock.end if limit is None else min(clock.end, limit)
    first = clock.first or 0
    lo, hi = buckets.finish()
    mins = [lo]
    maxs = [hi]
    for lv in levels[1:]:
        factor = lv // levels[0]
        mins.append(_coarser(lo, factor, np.min) if len(lo) else lo)
        maxs.append(_coarser(hi, factor, np.max) if len(hi) else hi)
    return Waveform(
        sample_rate=audio.sample_rate,
        samples=samples,
        start=RationalTime(first, audio.sample_rate),
        channels=audio.channels,
        levels=levels,
        mins=tuple(mins),
        maxs=tuple(maxs),
    )


MEMORY_BUDGET = 64 * 2**20
"""Bytes of peaks kept in memory, per cache set (each Studio has one)."""
DISK_BUDGET = 256 * 2**20


def waveform(
    path: str | os.PathLike[str],
    *,
    levels: tuple[int, ...] = DEFAULT_LEVELS,
    audio_stream: int | None = None,
    caches: CacheSet | None = None,
) -> Waveform:
    """Peaks of one audio stream at each zoom level; cached in memory and on disk by content.

    ``audio_stream``: the container stream index a clip plays (``MediaReference.audio_stream``);
    None: the default stream. ``caches``: a Studio's (``studio.services.caches``); by default the
    process default.
    """
    path = Path(path)
    lv = _check_levels(tuple(levels))
    stream = {} if audio_stream is None else {"stream": audio_stream}  # the default's key as before
    key = media_key(path, kind="waveform", levels=list(lv), v=_VERSION, **stream)
    cs = caches if caches is not None else DEFAULT_CACHES

    def load() -> Waveform:
        data = cs.disk("waveforms", size_limit=DISK_BUDGET).get_or_compute(
            key, lambda: _compute(path, lv, audio_stream).to_bytes()
        )
        return Waveform.from_bytes(data)

    wave: Waveform = cs.memory("waveforms", MEMORY_BUDGET).get_or_compute(key, load)
    return wave
