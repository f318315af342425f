"""The smart render's video as items in output order: runs of source packets to copy, and stretches
to re-encode, found by walking each clip's GOPs from the keyframe before its first frame.

Why: the copies are ready as soon as they are read, the stretches go to libx264 on worker threads
(``edges``), so the walk decides everything up front and the muxer only waits where it must.
A GOP wholly inside a clip is copied. A clip's last GOP is copied up to the cut too when its packets
in decode order, up to some point, are exactly its first frames in display order (every source
without B-frames, and a B-frame source at an anchor): nothing copied then refers to a frame left
out, and only the frames after that point are re-encoded. A GOP the clip enters after its keyframe
is re-encoded from the cut on: those frames refer back to frames the clip does not show.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, cast

import av

from ...media.nal import is_idr, nal_units
from ._demux import only
from .h264 import avcc_sets
from .plan import Piece, Plan, Refused

if TYPE_CHECKING:
    from av.packet import Packet
    from av.video.stream import VideoStream

_Packets = list["Packet[VideoStream]"]


@dataclass(frozen=True)
class Copied:
    """Source packets copied as they are: packet ``n`` shows at output frame base + ``at[n]``."""

    packets: _Packets
    at: tuple[int, ...]

    @property
    def frames(self) -> int:
        return len(self.packets)

    @property
    def size(self) -> int:
        return sum(p.size for p in self.packets)


@dataclass(frozen=True)
class Edge:
    """Source frames ``lo..hi-1`` of the GOP whose keyframe is source frame ``first``, decoded
    from ``packets`` (the GOP's packets in decode order, as far as those frames need)."""

    packets: _Packets
    extradata: bytes | None
    time_base: Fraction
    first: int
    lo: int
    hi: int

    @property
    def frames(self) -> int:
        return self.hi - self.lo


@dataclass(frozen=True)
class Gap:
    """Frames of the background colour."""

    frames: int


@dataclass(frozen=True)
class Stretch:
    """Output frames one libx264 run encodes: what lies between two copies."""

    parts: tuple[Edge | Gap, ...]

    @property
    def frames(self) -> int:
        return sum(p.frames for p in self.parts)

    @property
    def size(self) -> int:
        return sum(p.size for e in self.parts if isinstance(e, Edge) for p in e.packets)


def walk(plan: Plan) -> Generator[Copied | Stretch, None, None]:
    """The output's video in order: each copy, and the stretch of re-encoded frames before it."""
    stretch: list[Edge | Gap] = []
    for piece in plan.pieces:
        items = iter([Gap(piece.frames)]) if piece.path is None else _clip(piece, plan)
        for item in items:
            if isinstance(item, Copied):
                if stretch:
                    yield Stretch(tuple(stretch))
                    stretch = []
                yield item
            else:
                stretch.append(item)
    if stretch:
        yield Stretch(tuple(stretch))


def _clip(piece: Piece, plan: Plan) -> Generator[Copied | Edge, None, None]:
    """Walk the GOPs from the keyframe before the clip's first frame to past its last one."""
    assert piece.path is not None
    rate, head = plan.rate, True
    with av.open(str(piece.path), metadata_errors="replace") as c:
        st = cast("VideoStream", c.streams[piece.video])  # the plan's H.264 stream
        only(c, st)
        tb, extradata = st.time_base, st.codec_context.extradata
        assert tb is not None  # every demuxed stream has one
        if piece.first - plan.delay - 1 > 0:  # index times may be dts: seek that much early
            c.seek(round((piece.first - plan.delay - 1) / rate / tb), stream=st, backward=True)
        gop: _Packets = []
        for pk in c.demux(st):
            if pk.pts is None or pk.dts is None:
                continue
            if pk.is_keyframe and gop:
                done = yield from _gop(gop, round(pk.pts * tb * rate), piece, plan, extradata, head)
                if done:
                    return
                head, gop = False, []
            if gop or pk.is_keyframe:
                gop.append(pk)
        if not gop or not (yield from _gop(gop, None, piece, plan, extradata, head)):
            raise Refused(
                f"{_where(piece)}: ended before source frame {piece.first + piece.frames - 1 - piece.slot}"
            )


def _gop(
    packets: _Packets, end: int | None, piece: Piece, plan: Plan, extradata: bytes | None, head: bool
) -> Generator[Copied | Edge, None, bool]:
    """Copy, partly re-encode or skip one GOP; returns True once the clip's last frame is out."""
    tb, rate, a, b = packets[0].time_base, plan.rate, piece.first, piece.first + piece.frames
    assert tb is not None  # demuxed packets carry their stream's
    idx = [round(cast(int, p.pts) * tb * rate) for p in packets]  # _clip keeps packets with a pts
    k = idx[0]
    if end is None:  # the file's last GOP: shown up to its first hole, as the time model counts
        end, shown = k, set(idx)  # (a stream copy cut keeps frames past one, never shown)
        while end in shown:
            end += 1
        packets, idx = [p for p, i in zip(packets, idx, strict=True) if i < end], [i for i in idx if i < end]
    if end <= a:
        return False
    if head and k > a:
        raise Refused(f"{_where(piece)}: seek landed after source frame {a - piece.slot}")
    first = bytes(packets[0])
    if sorted(idx) != list(range(k, end)) or not is_idr(first, plan.length_size):
        raise Refused(f"{_where(piece)}: GOP at source frame {k - piece.slot} is open or irregular")
    sets = {n for n in nal_units(first, plan.length_size) if n and n[0] & 0x1F in (7, 8)}
    if not sets <= avcc_sets(plan.avcc):  # a camera may repeat its own; new ones change the picture
        msg = f"{_where(piece)}: GOP at source frame {k - piece.slot} brings H.264 parameter sets of its own"
        raise Refused(f"{msg} (the picture changes size or settings midway)")
    lo, hi = max(a, k), min(b, end)
    copy = closed_prefix(idx, hi - k) if lo == k else 0
    edge = None
    if lo + copy < hi:
        last = max(n for n, i in enumerate(idx) if i < hi)  # decode as far as the last frame needs
        # the muxer restamps the copied packets once they are yielded, while a worker decodes the
        # edge: it gets packets of its own, made before the copy is out
        own = [_own(p) for p in packets[:copy]] + packets[copy : last + 1]
        edge = Edge(own, extradata, tb, k, lo + copy, hi)
    if copy:
        yield Copied(packets[:copy], tuple(i - k for i in idx[:copy]))
    if edge is not None:
        yield edge
    return end >= b


def _own(p: Packet[VideoStream]) -> Packet[VideoStream]:
    """A packet of the same bytes and times that nothing else holds."""
    q = av.Packet(bytes(p))
    q.pts, q.dts, q.duration, q.time_base = p.pts, p.dts, p.duration, p.time_base
    q.is_keyframe = p.is_keyframe
    return cast("Packet[VideoStream]", q)


def _where(piece: Piece) -> str:
    """The clip and its file, as a message names them."""
    assert piece.path is not None
    return f"clip {piece.name!r} ({piece.path.name})"


def closed_prefix(idx: list[int], most: int) -> int:
    """The most packets, at most ``most``, that lead a GOP in decode order and show as its first
    frames (``idx``: display positions, the keyframe's first): a copy of them refers to no other."""
    k, best, top = idx[0], 0, -1
    for n, i in enumerate(idx[:most], 1):
        top = max(top, i)
        if top == k + n - 1:
            best = n
    return best
