"""AAC encoded in pieces that join by stream copy into the stream one encoder would give.

AAC codes 1024-sample frames with overlapping windows, and each encoder instance starts with a
frame of priming. So a piece covers samples [start, end) on the global 1024-sample grid, is
encoded from a pre-roll of a few frames before ``start`` (and a little past ``end``), and keeps
only the packets that decode to its range, stamped on the global grid; the first piece keeps the
priming packet, as a single encode does (the container's edit list hides it). Pieces of one
stream splice gaplessly: the decoder's overlap-add across a join combines two encodings of the
same sound, so the error there is the codec's own. Used by segment-parallel renders (each
worker encodes its share) and by smart renders (re-encode only a window around a cut).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import av
import numpy as np

from ...errors import RenderError
from ...media.sound_arrays import from_planes

if TYPE_CHECKING:
    from av.audio.codeccontext import AudioCodecContext
    from av.audio.stream import AudioStream
    from av.container import OutputContainer
    from av.packet import Packet

__all__ = [
    "FRAME", "PREROLL", "AacPackets", "AudioCodec", "encode_span", "grid_floor", "pcm_window", "window_end",
]  # fmt: skip

FRAME = 1024
"""Samples per AAC frame: pieces start and end on multiples of it (the global grid)."""
PRIMING = 1024
"""FFmpeg's aac encoder delay: its first packet, stamped -1024, decodes to priming only."""
PREROLL = 32 * FRAME
"""Samples encoded (and thrown away) before a piece: the overlap and the rate control settle."""
POSTROLL = 4 * FRAME
"""Samples encoded past a piece, so its last packets see the look-ahead a whole encode gives."""

_Pcm = np.ndarray[Any, np.dtype[np.float32]]


def _layout(channels: int) -> str:
    """FFmpeg's name for a channel count's default layout."""
    return {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}.get(channels, f"{channels}c")


@dataclass(frozen=True)
class AudioCodec:
    """How a stream is encoded; every piece of one stream must use the same, or they do not splice."""

    encoder: str = "aac"
    sample_rate: int = 48000
    channels: int = 2
    options: dict[str, str] = field(default_factory=dict)
    sample_fmt: str | None = "fltp"

    def add_to(self, container: OutputContainer) -> AudioStream:
        """An output stream set up as a whole-stream encode sets it up (header, priming, config)."""
        stream = cast(
            "AudioStream",
            container.add_stream(
                self.encoder, rate=self.sample_rate, layout=_layout(self.channels), options=self.options
            ),
        )
        if self.sample_fmt:
            stream.format = self.sample_fmt
        return stream

    def _context(self) -> AudioCodecContext:
        """A fresh encoder, timestamps in samples."""
        ctx = cast("AudioCodecContext", av.CodecContext.create(self.encoder, "w"))
        ctx.sample_rate, ctx.layout = self.sample_rate, _layout(self.channels)
        if self.sample_fmt:
            ctx.format = self.sample_fmt
        ctx.time_base = Fraction(1, self.sample_rate)
        ctx.options = dict(self.options)
        if "b" in self.options:
            ctx.bit_rate = int(self.options["b"])
        return ctx


def grid_floor(sample: int) -> int:
    """The start of the AAC frame that holds ``sample`` on the global grid."""
    return sample // FRAME * FRAME


def pcm_window(start: int, end: int, total: int, preroll: int = PREROLL) -> tuple[int, int]:
    """Samples [a, b) of a ``total``-sample stream that ``encode_span`` needs to encode [start, end)
    (with ``preroll`` samples before it, a multiple of ``FRAME``, at least one)."""
    _check_range(start, end, total)
    if preroll < FRAME or preroll % FRAME:
        raise RenderError(f"AAC pre-roll of {preroll} samples: not a whole number of frames, at least one")
    return (0 if start == 0 else max(0, start - preroll)), min(total, end + POSTROLL)


@dataclass(frozen=True)
class AacPackets:
    """Packets that decode to samples [start, end) of one stream, as parallel columns (pts and
    duration in samples on the global grid, keyframe flags, offsets into ``payload``)."""

    start: int
    end: int
    pts: np.ndarray[Any, np.dtype[np.int64]]
    duration: np.ndarray[Any, np.dtype[np.int64]]
    key: np.ndarray[Any, np.dtype[np.bool_]]
    offsets: np.ndarray[Any, np.dtype[np.int64]]  # len(pts) + 1
    payload: bytes

    @classmethod
    def empty(cls, at: int = 0) -> AacPackets:
        """No packets, at sample ``at``."""
        none = np.zeros(0, np.int64)
        return cls(at, at, none, none, np.zeros(0, np.bool_), np.zeros(1, np.int64), b"")

    def __len__(self) -> int:
        return len(self.pts)

    @classmethod
    def merge(cls, parts: Iterable[AacPackets]) -> AacPackets:
        """Pieces in order into one; raises unless each starts where the one before ends."""
        items = list(parts)
        if not items:
            return cls.empty()
        for a, b in itertools.pairwise(items):
            if a.end != b.start:
                msg = f"AAC pieces do not meet: one ends at sample {a.end}, the next starts at {b.start}"
                raise RenderError(msg)
        sizes = np.concatenate([np.diff(p.offsets) for p in items])
        return cls(
            items[0].start, items[-1].end,
            np.concatenate([p.pts for p in items]), np.concatenate([p.duration for p in items]),
            np.concatenate([p.key for p in items]), np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            b"".join(p.payload for p in items),
        )  # fmt: skip

    def packets(self, stream: AudioStream, offset: int = 0) -> Iterator[Packet[Any]]:
        """The packets for ``stream`` of an output container, ``offset`` samples later, in order."""
        tb = Fraction(1, stream.codec_context.sample_rate)
        for n in range(len(self)):
            packet = av.Packet(self.payload[self.offsets[n] : self.offsets[n + 1]])
            packet.pts = packet.dts = int(self.pts[n]) + offset
            packet.duration = int(self.duration[n])
            packet.time_base = tb
            packet.is_keyframe = bool(self.key[n])
            packet.stream = stream
            yield packet

    def save(self, path: str | Path) -> Path:
        """Write the packets to ``path`` (numpy's npz), for another process to join."""
        buffer = io.BytesIO()
        span, payload = np.array([self.start, self.end], np.int64), np.frombuffer(self.payload, np.uint8)
        np.savez(buffer, range=span, pts=self.pts, duration=self.duration, key=self.key, offsets=self.offsets,
                 payload=payload)  # fmt: skip
        Path(path).write_bytes(buffer.getvalue())
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> AacPackets:
        """Packets that ``save`` wrote."""
        with np.load(Path(path)) as z:
            start, end = (int(x) for x in z["range"])
            return cls(start, end, z["pts"], z["duration"], z["key"], z["offsets"], z["payload"].tobytes())


def encode_span(
    pcm: Iterable[_Pcm],
    codec: AudioCodec,
    *,
    at: int,
    start: int,
    end: int,
    total: int,
    preroll: int = PREROLL,
) -> AacPackets:
    """Encode samples [start, end) of a stream ``total`` samples long into packets that splice.

    Parameters
    ----------
    pcm
        Planar float32 arrays (channels, n) of the stream's sound from sample ``at`` on, at least
        to ``pcm_window(start, end, total)[1]``; ``at`` must be at or before that window's start.
    start, end
        Multiples of ``FRAME`` (``end`` may be ``total``, the stream's last sample).
    preroll
        Samples encoded and dropped before ``start``: ``PREROLL`` settles the rate control as a
        whole encode has it; a short window may take less (its cost is mostly its pre-roll).
    """
    a, b = pcm_window(start, end, total, preroll)
    if at > a:
        raise RenderError(f"AAC piece [{start}, {end}): its sound starts at sample {at}, it needs {a}")
    ctx = codec._context()
    ctx.open()
    low = -PRIMING if start == 0 else start  # the first piece keeps the priming, as a whole encode
    high = None if end == total else end  # the last piece keeps what the flush gives, as a whole encode
    kept: list[tuple[int, int, bool, bytes]] = []

    def keep(packets: Iterable[Packet[Any]]) -> None:
        for p in packets:
            if p.pts is not None and p.pts >= low and (high is None or p.pts < high):
                kept.append((p.pts, p.duration or FRAME, p.is_keyframe, bytes(p)))

    pos = at
    for chunk in pcm:
        lo, hi = max(pos, a), min(pos + chunk.shape[1], b)
        if hi > lo:
            piece = np.asarray(chunk[:, lo - pos : hi - pos], np.float32)
            keep(ctx.encode(from_planes(piece, _layout(codec.channels), codec.sample_rate, lo)))
        pos += chunk.shape[1]
        if pos >= b:
            break
    if pos < b:
        raise RenderError(f"AAC piece [{start}, {end}): sound ends at sample {pos}, it needs up to {b}")
    keep(ctx.encode(None))
    return _columns(start, end, kept)


def _columns(start: int, end: int, kept: list[tuple[int, int, bool, bytes]]) -> AacPackets:
    """Kept packets as parallel columns; checks they tile the range with no hole."""
    pts = np.array([k[0] for k in kept], np.int64)
    if len(pts) and (np.any(np.diff(pts) != FRAME) or pts[0] > max(start, 0)):
        raise RenderError(f"AAC piece [{start}, {end}): packets do not tile it ({pts[:3]}...)")
    offsets = np.concatenate([[0], np.cumsum([len(k[3]) for k in kept], dtype=np.int64)]).astype(np.int64)
    durations = np.array([k[1] for k in kept], np.int64)
    keys = np.array([k[2] for k in kept], np.bool_)
    return AacPackets(start, end, pts, durations, keys, offsets, b"".join(k[3] for k in kept))


def window_end(packet: bytes) -> tuple[bool, int] | None:
    """How an AAC packet's window ends: (long overlap, window shape) of its first channel element,
    from the raw data block's ics_info; None where it cannot be read (no SCE/CPE/LFE first, or a
    CPE whose channels have their own windows).

    Why: a packet's MDCT assumes its predecessor's window; two packets from different encoders join
    cleanly only where the packet before the join ends the same way in both encodings.
    """
    if len(packet) < 4:
        return None
    bits = int.from_bytes(packet[:4], "big")
    element = bits >> 29
    if element in (0, 3):  # SCE, LFE: tag(4) global_gain(8), then ics_info
        at = 15
    elif element == 1 and (bits >> 24) & 1:  # CPE, common window: tag(4) common_window(1), ics_info
        at = 8
    else:
        return None
    sequence, shape = (bits >> (32 - at - 3)) & 3, (bits >> (32 - at - 4)) & 1  # after a reserved bit
    return sequence in (0, 3), shape  # ONLY_LONG, LONG_STOP end long; LONG_START, EIGHT_SHORT short


def _check_range(start: int, end: int, total: int) -> None:
    """Pieces start on the grid and end on it or at the stream's end."""
    if start % FRAME or not 0 <= start < end <= total or (end % FRAME and end != total):
        raise RenderError(f"AAC piece [{start}, {end}) of {total} samples: not on the {FRAME}-sample grid")
