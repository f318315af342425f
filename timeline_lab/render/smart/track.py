"""The smart render's AAC track as parts made on worker threads: copies, and windows encoded.

Why: the encoder releases the GIL, so the windows (and a misaligned clip's whole sound, split on
the grid into one part per core) encode beside the video pass instead of after it: all of them are
started at once, the copies read as the muxer comes near them. The parts are muxed in order as the
video reaches them, blocking only when the sound falls too far behind.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..encoding.aac_splice import FRAME, encode_span, pcm_window
from .audio import pcm_range, total_samples
from .plan import Plan
from .splice import Copy, codec, copies, source_packets

if TYPE_CHECKING:
    from av.audio.stream import AudioStream
    from av.packet import Packet

SPLIT = 256 * FRAME
"""An encoded part no shorter than this (5.5 s at 48 kHz) is split across the workers; each split
costs one pre-roll."""
LAG = 4
"""Seconds the sound may fall behind the video before the muxer waits for it."""


def parts(plan: Plan, workers: int) -> list[tuple[int, int, Copy | None]]:
    """Output ranges [start, end) on the grid that tile the track: a copy, or None to encode."""
    total, pos = total_samples(plan), 0
    out: list[tuple[int, int, Copy | None]] = []
    for cp in [*copies(plan), None]:
        end = total if cp is None else cp.start
        n = max(1, min(workers, (end - pos) // SPLIT))
        cuts = [pos + (end - pos) * k // n // FRAME * FRAME for k in range(n)] + [end]
        out += [(a, b, None) for a, b in itertools.pairwise(cuts) if a < b]
        if cp is not None:
            out.append((cp.start, cp.end, cp))
            pos = cp.end
    return out


class Track:
    """The output's AAC packets in order; counts the packets copied and encoded."""

    def __init__(self, plan: Plan, stream: AudioStream, workers: int | None = None) -> None:
        self.plan, self.stream, self.codec = plan, stream, codec(plan)
        self.total = total_samples(plan)
        self.copied = self.encoded = 0  # packets
        workers = workers or min(4, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="smart-aac")
        self.parts = parts(plan, workers)
        # every encoded part starts now (they cost the time, and hold only their own packets);
        # a copy is read when the muxer comes near it, so the source's packets are not all held
        self.futures = {n: self._submit(n) for n, (_, _, cp) in enumerate(self.parts) if cp is None}
        self.next, self.ahead, self.lag = 0, 2 * workers, LAG * plan.sample_rate

    def take(self, limit: int | None) -> list[Packet[Any]]:
        """Packets before sample ``limit`` (None: every one left) that are ready, in order; waits
        only for the part the muxer needs once it lags more than ``LAG`` seconds behind."""
        out: list[Packet[Any]] = []
        while self.next < len(self.parts):
            for n in range(self.next, min(self.next + self.ahead, len(self.parts))):
                if n not in self.futures:
                    self.futures[n] = self._submit(n)
            start, future = self.parts[self.next][0], self.futures[self.next]
            if limit is not None and (start >= limit or (not future.done() and limit - start < self.lag)):
                break
            packets, copied = future.result()
            out += packets
            if copied:
                self.copied += len(packets)
            else:
                self.encoded += len(packets)
            del self.futures[self.next]
            self.next += 1
        return out

    def close(self) -> None:
        """Stop: parts not started are dropped, the ones running finish on their own."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self, n: int) -> Future[tuple[list[Packet[Any]], bool]]:
        return self.pool.submit(self._part, *self.parts[n])

    def _part(self, start: int, end: int, cp: Copy | None) -> tuple[list[Packet[Any]], bool]:
        """One part's packets for the output stream, and whether they are the source's (else
        encoded, as is a copy that turns out not to be a clean run of whole frames)."""
        if cp is not None:
            got = source_packets(cp, self.plan.sample_rate)
            if got is not None:
                for p in got:
                    p.stream = self.stream
                return got, True
        a, b = pcm_window(start, end, self.total)
        pcm = pcm_range(self.plan, a, b)
        with contextlib.closing(pcm):
            piece = encode_span(pcm, self.codec, at=a, start=start, end=end, total=self.total)
        return list(piece.packets(self.stream)), False
