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
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..encoding.aac_splice import FRAME, PREROLL, encode_span, pcm_window, window_end
from .audio import sound_range, total_samples
from .plan import Plan
from .splice import Copy, Layout, codec, layout, source_packets

if TYPE_CHECKING:
    from av.audio.stream import AudioStream
    from av.packet import Packet

SPLIT = 256 * FRAME
"""An encoded part no shorter than this (5.5 s at 48 kHz) is split across the workers; each split
costs one pre-roll."""
LAG = 4
"""Seconds the sound may fall behind the video before the muxer waits for it."""
WINDOW_PREROLL = 8 * FRAME
"""Pre-roll of a window after a copy (its first frames join the source's): its cost is mostly
pre-roll, and measured on the test edits the sound (SNR against the timeline, at the joins and
over all) is the same to 0.1 dB as with the 32 frames of ``aac_splice.PREROLL``, which the parts
that join each other keep."""
GROW = 4
"""Frames a window may reach into the copy on either side to find a join where both encodings'
windows agree: an encoder that meets an onset the source's did not (a clip's sound starting
mid-note) may still be in short blocks where the copy goes on in long ones."""


def pool_size() -> int:
    """Worker threads for the track's parts (and how many a long encoded run is split into)."""
    return min(4, os.cpu_count() or 1)


def parts(plan: Plan, workers: int, where: Layout | None = None) -> list[tuple[int, int, Copy | None]]:
    """Track ranges [start, end) on the grid that tile the track: a copy, or None to encode."""
    where = where or layout(plan)
    total, pos = total_samples(plan) + where.lead, 0
    out: list[tuple[int, int, Copy | None]] = []
    for cp in [*where.copies, None]:
        end = total if cp is None else cp.start
        n = max(1, min(workers, (end - pos) // SPLIT))
        cuts = [pos + (end - pos) * k // n // FRAME * FRAME for k in range(n)] + [end]
        out += [(a, b, None) for a, b in itertools.pairwise(cuts) if a < b]
        if cp is not None:
            out.append((cp.start, cp.end, cp))
            pos = cp.end
    return out


@dataclass(frozen=True)
class Made:
    """One part's packets for the output stream, covering samples [start, end) (and the priming
    packet before 0), and whether they are the source's."""

    packets: list[Packet[Any]]
    copied: bool
    start: int
    end: int


class Track:
    """The output's AAC packets in order; counts the packets copied and encoded.

    Parts are made in track samples (the timeline's plus ``lead``); packets leave stamped in the
    timeline's, the first ones before 0, where the edit list hides them with the priming."""

    def __init__(self, plan: Plan, stream: AudioStream, workers: int | None = None) -> None:
        self.plan, self.stream, self.codec = plan, stream, codec(plan)
        where = layout(plan)
        self.read = where.read  # the copies' packets already read (taken once, then dropped)
        self.lead = where.lead
        self.total = total_samples(plan) + self.lead
        self.copied = self.encoded = 0  # packets
        workers = workers or pool_size()
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="smart-aac")
        self.parts = parts(plan, workers, where)
        self.next, self.pos, self.ahead, self.lag = 0, -FRAME, 2 * workers, LAG * plan.sample_rate
        # every encoded part starts now (they cost the time, and hold only their own packets); a
        # copy is read when the muxer comes near it, so the source's packets are not all held, but
        # the first ones now: the muxer asks for sound only once it has video to write, which may
        # wait on a cut's re-encoded edge while these workers sit idle
        self.futures = {
            n: self._submit(n) for n, (_, _, cp) in enumerate(self.parts) if cp is None or n < self.ahead
        }

    def take(self, limit: int | None) -> list[Packet[Any]]:
        """Packets before timeline sample ``limit`` (None: every one left) that are ready, in order;
        waits only for the part the muxer needs once it lags more than ``LAG`` seconds behind. A
        copy waits for the window after it too: the window may have moved the join into it."""
        out: list[Packet[Any]] = []
        limit = None if limit is None else limit + self.lead
        while self.next < len(self.parts):
            n = self.next
            for k in range(n, min(n + self.ahead, len(self.parts))):
                if k not in self.futures:
                    self.futures[k] = self._submit(k)
            start, _, cp = self.parts[n]
            needs = [self.futures[n]]
            if cp is not None and n + 1 < len(self.parts) and self.parts[n + 1][2] is None:
                needs.append(self.futures[n + 1])
            if limit is not None and (
                start >= limit or (not all(f.done() for f in needs) and limit - start < self.lag)
            ):
                break
            made = needs[0].result()
            if made.copied or cp is not None:  # a copy (or a copy encoded): trimmed to its windows
                hi = needs[1].result().start if len(needs) > 1 else made.end
                packets = [p for p in made.packets if self.pos <= cast(int, p.pts) < hi]
                self.pos = hi
            else:
                packets, self.pos = made.packets, made.end
            out += packets
            if made.copied:
                self.copied += len(packets)
            else:
                self.encoded += len(packets)
            del self.futures[n]
            self.next += 1
        for p in out:
            p.pts = p.dts = cast(int, p.pts) - self.lead
        return out

    def close(self) -> None:
        """Stop: parts not started are dropped, the ones running finish on their own."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self, n: int) -> Future[Made]:
        return self.pool.submit(self._part, n)

    def _part(self, n: int) -> Made:
        """Part ``n``'s packets: the source's for a copy (encoded after all unless they are a clean
        run of whole frames), else a window encoded, its joins with the copies beside it checked."""
        start, end, cp = self.parts[n]
        if cp is not None:
            got = self.read.pop(cp, None) or source_packets(cp, self.plan.sample_rate)
            if got is not None:
                for p in got:
                    p.stream = self.stream
                return Made(got, True, start, end)
            return self._window(start, end, None, None)
        before = self.parts[n - 1][2] if n > 0 else None
        after = self.parts[n + 1][2] if n + 1 < len(self.parts) else None
        return self._window(start, end, before, after)

    def _window(self, start: int, end: int, before: Copy | None, after: Copy | None) -> Made:
        """Encode [start, end); beside a copy, encode up to ``GROW`` frames into it and join where
        the packet before the join ends its window the same way in both encodings (the next
        packet's MDCT assumed that window), nearest the planned join; else join as planned."""
        sr = self.plan.sample_rate
        lo = start - GROW * FRAME if before is not None else start
        hi = end + GROW * FRAME if after is not None else end
        preroll = WINDOW_PREROLL if before is not None else PREROLL
        a, b = pcm_window(lo, hi, self.total, preroll)
        pcm = self._pcm(a, b)
        with contextlib.closing(pcm):
            piece = encode_span(pcm, self.codec, at=a, start=lo, end=hi, total=self.total, preroll=preroll)
        ours = {int(t): window_end(piece.payload[piece.offsets[k] : piece.offsets[k + 1]])
                for k, t in enumerate(piece.pts)}  # fmt: skip
        left, right = start, end
        if before is not None:
            theirs = _window_ends(Copy(before.path, before.index, lo, start, before.shift), sr)
            left = next((j for j in range(start, lo, -FRAME) if _agree(ours, theirs, j - FRAME)), start)
        if after is not None:
            theirs = _window_ends(Copy(after.path, after.index, end - FRAME, hi - FRAME, after.shift), sr)
            right = next((j for j in range(end, hi, FRAME) if _agree(ours, theirs, j - FRAME)), end)
        low = -FRAME if left == 0 else left  # the first window keeps the priming packet
        packets = [p for p in piece.packets(self.stream) if low <= cast(int, p.pts) < right]
        return Made(packets, False, left, right)

    def _pcm(self, a: int, b: int) -> Generator[np.ndarray[Any, np.dtype[np.float32]], None, None]:
        """Track samples [a, b): the lead's silence, then the timeline's.

        Why silence: measured against the sound the source had before the cut, it encodes the first
        frames as well or better (the encoder starts with its bit reservoir full), though an onset
        in the timeline's first frame then falls mid-frame (its error there up to 2x a full render's).
        """
        if a < self.lead:
            yield np.zeros((self.plan.channels, min(b, self.lead) - a), np.float32)
        if b > self.lead:
            yield from sound_range(self.plan, max(a, self.lead) - self.lead, b - self.lead)


def _window_ends(cp: Copy, sr: int) -> dict[int, tuple[bool, int] | None]:
    """How each source packet of a copy range ends its window, by output position (none if the
    range is not a clean run)."""
    got = source_packets(cp, sr) or []
    return {cast(int, p.pts): window_end(bytes(p)) for p in got}


def _agree(
    ours: dict[int, tuple[bool, int] | None], theirs: dict[int, tuple[bool, int] | None], at: int
) -> bool:
    """Do both encodings end the packet at ``at`` with the same window (and can it be read)?"""
    mine = ours.get(at)
    return mine is not None and mine == theirs.get(at)
