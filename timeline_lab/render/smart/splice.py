"""The smart render's AAC track: source packets copied where they land on the output's grid,
re-encoded only in short windows around the cuts, joined sample-exactly.

Why: re-encoding the whole track was most of a smart render's time. An AAC packet decodes to 1024
samples from an MDCT window that overlaps its neighbours by half; it can only move by whole frames,
never by a fraction of one, and MP4 gives a track one priming/edit list, so a copied packet must land
on the output's own 1024-sample grid. A clip's source packets do so only when its offset (output
sample minus source sample) is a multiple of 1024. Those clips are copied packet for packet except a
frame or two at each end, whose windows reach past the clip's sound; the rest of the track (the
windows around each cut, gaps, clips with volume or another format, and misaligned clips) is encoded
by ``encoding.aac_splice.encode_span`` from the timeline's exact samples, with pre-roll, and spliced
onto the grid: the overlap-add across a join combines two encodings of the same sound, so the error
there is the codec's own, provided both end the packet before the join with the same window (a
window reaches a few frames into the copy to find such a join: ``track.GROW``). Nothing is moved in
time: every sample stays where the model puts it.

The trade-off: a frame-accurate cut rarely gives an aligned offset. For random in points and
places (48 kHz), the share of clips on the grid is 12.5% at 25 fps, 6.2% at 30 and 50, 3.2% at 60,
1.5% at 24, and 0.1-0.2% at 23.976, 29.97 and 59.94 (1601.6 samples a frame: every 640 frames), so
the sound of a clip cut from inside a source is mostly re-encoded whole, beside the video.
Shifting the sound to the grid (LosslessCut's way: cut at the packet, up to 21 ms off) would copy
everything, but breaks the model's sample-exact sync; multi-entry edit lists could hide the shift but
players honour them unevenly. What is always copied: a clip that keeps its source's sound in place
(the whole file, or an edit that keeps the audio contiguous) and any clip whose cut falls on the grid.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import av

from ..encoding.aac_splice import FRAME, POSTROLL, PREROLL, AudioCodec
from ._demux import only
from .audio import offsets
from .plan import Piece, Plan

if TYPE_CHECKING:
    from av.audio.stream import AudioStream
    from av.packet import Packet

MARGIN = FRAME
"""Frames kept out of a copy at each end beyond the overlap: a source encoder's block switching
(short windows, start/stop shapes) then never meets a re-encoded neighbour at a clip's edge."""
MIN_COPY = PREROLL + POSTROLL
"""A shorter copy costs more to encode around than it saves."""


@dataclass(frozen=True)
class Copy:
    """Output packets [start, end) (sample positions on the grid) taken from source ``path``'s
    stream ``index``, where output sample = source sample + ``shift``."""

    path: Path
    index: int
    start: int
    end: int
    shift: int


def codec(plan: Plan) -> AudioCodec:
    """The output's AAC encoder, as the full engine sets it up."""
    return AudioCodec("aac", plan.sample_rate, plan.channels, {"b": str(plan.export.audio_bitrate)})


def copies(plan: Plan) -> list[Copy]:
    """The copy ranges of the track, in order: clips whose source packets land on the output grid."""
    spans: list[Copy] = []
    for piece, o0 in zip(plan.pieces, offsets(plan), strict=True):
        found = _copy(piece, o0, plan)
        last = spans[-1] if spans else None
        if found is None:
            continue
        if last and (last.path, last.index, last.shift, last.end) == (*_key(found), o0):
            spans[-1] = Copy(last.path, last.index, last.start, found.end, last.shift)  # sound runs on
        else:
            spans.append(found)
    out = []
    for sp in spans:
        start = -(-sp.start // FRAME) * FRAME + MARGIN  # the first window starts inside the sound
        end = sp.end // FRAME * FRAME - FRAME - MARGIN  # the last window ends inside it
        if end - start >= MIN_COPY:
            out.append(Copy(sp.path, sp.index, start, end, sp.shift))
    return out


def _key(cp: Copy) -> tuple[Path, int, int]:
    """What two spans share when one runs on from the other: the same source, the same offset."""
    return cp.path, cp.index, cp.shift


def _copy(piece: Piece, o0: int, plan: Plan) -> Copy | None:
    """The clip's span, if its source packets land on the output grid; None if not (another
    format, a volume, an offset off the grid)."""
    if piece.path is None or piece.audio is None or piece.volume != 1:
        return None
    with av.open(str(piece.path), metadata_errors="replace") as c:
        st = cast("AudioStream", c.streams[piece.audio])
        only(c, st)
        ctx, tb = st.codec_context, st.time_base
        same = (ctx.name, ctx.profile, ctx.sample_rate, ctx.channels)
        if same != ("aac", "LC", plan.sample_rate, plan.channels) or tb is None:
            return None
        # the grid is the second packet's: the first (the priming) may stand apart, as in a
        # fragmented MP4, which has no edit list to hide it and stamps it 0, the sound after it later
        stamps = list(itertools.islice((p.pts for p in c.demux(st) if p.pts is not None), 2))
    if not stamps:
        return None
    sr = plan.sample_rate
    shift = o0 - round(piece.audio_from * sr)
    if (round(stamps[-1] * tb * sr) + shift) % FRAME:
        return None  # the source's grid falls between the output's: no packet can be copied
    return Copy(piece.path, piece.audio, o0, o0 + piece.samples, shift)


def source_packets(cp: Copy, sr: int) -> list[Packet[Any]] | None:
    """The source's packets for a copy, stamped on the output grid; None unless whole, contiguous
    1024-sample frames."""
    want = (cp.end - cp.start) // FRAME
    out: list[Packet[Any]] = []
    with av.open(str(cp.path), metadata_errors="replace") as c:
        st = c.streams[cp.index]
        only(c, st)
        tb = st.time_base
        assert tb is not None  # every demuxed stream has one
        lo = cp.start - cp.shift
        c.seek(max(0, round(Fraction(lo - 4 * FRAME, sr) / tb)), stream=st, backward=True)
        for p in c.demux(st):
            if p.pts is None:
                continue
            s = round(p.pts * tb * sr)
            if s < lo:
                continue
            whole = p.duration is None or round(p.duration * tb * sr) == FRAME
            if s != lo + len(out) * FRAME or not whole:
                return None
            p.pts = p.dts = s + cp.shift
            p.duration, p.time_base = FRAME, Fraction(1, sr)
            out.append(p)
            if len(out) == want:
                return out
    return None
