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

The grid's phase is the track's to choose: its edit list hides the encoder's priming and may hide
up to 1023 samples more, so the track can start ``lead`` samples before the timeline's first (silence
no player shows) and put its grid where the clips with the most sound land (``layout``). A trimmed
clip (the commonest smart render) is then always copied, and of an edit, the sound of the clips that
share the longest aligned run. The trade-off: one phase for the track. For random in points and
places (48 kHz), the share of other clips on the same grid is 12.5% at 25 fps, 6.2% at 30 and 50,
3.2% at 60, 1.5% at 24, and 0.1-0.2% at 23.976, 29.97 and 59.94 (1601.6 samples a frame: every 640
frames), so their sound is mostly re-encoded whole, beside the video. Shifting each clip's sound to
the grid (LosslessCut's way: cut at the packet, up to 21 ms off) would copy everything, but breaks the
model's sample-exact sync; multi-entry edit lists could hide each shift, but FFmpeg's demuxer honours
only the first entry sample-exactly (and players unevenly).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import av

from ...media.channel_layout import standard_layout
from ..compile.sound import nearest_sample
from ..encoding.aac_splice import FRAME, POSTROLL, PREROLL, AudioCodec
from ..encoding.presets import audio_bitrate
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
    """Track packets [start, end) (sample positions on the track's grid) taken from source
    ``path``'s stream ``index``, where track sample = source sample + ``shift``."""

    path: Path
    index: int
    start: int
    end: int
    shift: int


def codec(plan: Plan) -> AudioCodec:
    """The output's AAC encoder, as the full engine sets it up."""
    bitrate = audio_bitrate(plan.export, plan.channels)
    return AudioCodec("aac", plan.sample_rate, plan.channels, {"b": str(bitrate)})


@dataclass(frozen=True)
class Layout:
    """Where the timeline's sound lies on the AAC track: track sample = timeline sample + ``lead``
    (0-1023 samples before the timeline's first, hidden by the edit list with the priming), and the
    copy ranges that puts on the grid."""

    lead: int
    copies: tuple[Copy, ...]
    read: dict[Copy, list[Packet[Any]]] = field(default_factory=dict, compare=False, repr=False)
    """Copies whose packets the cleanliness check read, kept (while small) for the track to take
    once instead of reading them again: up to ``KEPT_BYTES`` in all."""

    @property
    def copied(self) -> int:
        """Samples copied."""
        return sum(cp.end - cp.start for cp in self.copies)


def layout(plan: Plan) -> Layout:
    """The track's lead that copies the most sound (the least lead of equals: 0 when nothing is
    gained), and its copy ranges: only those whose packets are a clean run of whole frames (a
    jittered source's are not, and must not cost another clip its copy). None where the full
    engine limits the sound (``plan.master``): the limiter may change any sample, the source's
    packets would not be what the full render writes."""
    if plan.master:
        return Layout(0, ())
    found = [c for c in (_copy(p, o0, plan) for p, o0 in zip(plan.pieces, offsets(plan), strict=True)) if c]
    ways = [Layout(lead, _copies([Copy(c.path, c.index, c.start + lead, c.end + lead, c.shift + lead)
                                  for need, c in found if need == lead]))
            for lead in sorted({need for need, _ in found})]  # fmt: skip
    best = Layout(0, ())
    for way in sorted(ways, key=lambda w: -w.copied):  # stable: the least lead of equals first
        if way.copied <= best.copied:
            break  # no other can copy more, even if all its ranges are clean
        read = {cp: source_packets(cp, plan.sample_rate) for cp in way.copies}
        clean = Layout(way.lead, tuple(cp for cp, got in read.items() if got), _kept(read))
        if clean.copied > best.copied or (clean.copied == best.copied and clean.lead < best.lead):
            best = clean
    return best


KEPT_BYTES = 16 << 20
"""Packet bytes ``layout`` keeps for the track (20 minutes of 192 kbps AAC): past it they are read
again as the muxer comes near them, so a long file's sound is never all held."""


def _kept(read: dict[Copy, list[Packet[Any]] | None]) -> dict[Copy, list[Packet[Any]]]:
    """The clean copies' packets, in order, while they fit in ``KEPT_BYTES``."""
    kept, held = {}, 0
    for cp, got in read.items():
        if got is None:
            continue
        held += sum(p.size for p in got)
        if held > KEPT_BYTES:
            break
        kept[cp] = got
    return kept


def copies(plan: Plan) -> list[Copy]:
    """The copy ranges of the track, in order (at the lead ``layout`` chooses)."""
    return list(layout(plan).copies)


def _copies(found: list[Copy]) -> tuple[Copy, ...]:
    """Clip spans on the grid merged where the sound runs on, and kept off the clips' edges."""
    spans: list[Copy] = []
    for cp in found:
        last = spans[-1] if spans else None
        if last and _key(last) == _key(cp) and last.end == cp.start:
            spans[-1] = Copy(last.path, last.index, last.start, cp.end, last.shift)  # sound runs on
        else:
            spans.append(cp)
    out = []
    for sp in spans:
        start = -(-sp.start // FRAME) * FRAME + MARGIN  # the first window starts inside the sound
        end = sp.end // FRAME * FRAME - FRAME - MARGIN  # the last window ends inside it
        if end - start >= MIN_COPY:
            out.append(Copy(sp.path, sp.index, start, end, sp.shift))
    return tuple(out)


def _key(cp: Copy) -> tuple[Path, int, int]:
    """What two spans share when one runs on from the other: the same source, the same offset."""
    return cp.path, cp.index, cp.shift


def _copy(piece: Piece, o0: int, plan: Plan) -> tuple[int, Copy] | None:
    """The lead that puts the clip's source packets on the track's grid, and its span in timeline
    samples; None if they cannot be copied at all (another format, a volume)."""
    if piece.path is None or piece.audio is None or piece.volume != 1:
        return None
    with av.open(str(piece.path), metadata_errors="replace") as c:
        st = cast("AudioStream", c.streams[piece.audio])
        only(c, st)
        standard_layout(st, piece.path)
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
    shift = o0 - nearest_sample(piece.audio_from, sr)
    lead = -(round(stamps[-1] * tb * sr) + shift) % FRAME  # puts the source's grid on the track's
    return lead, Copy(piece.path, piece.audio, o0, o0 + piece.samples, shift)


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
