"""H.264 bitstream: just enough to read parameter-set ids, reframe NAL units and build an avcC.

Why: copied GOPs and libx264's re-encoded edges share one avcC, so the sources' SPS/PPS keep their ids
and libx264 writes its own under an id no source uses; both are checked before anything is written.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av

from ...media.nal import is_idr, nal_units
from ..plan import ExportSettings
from ._demux import only
from .plan import Refused

if TYPE_CHECKING:
    from av.video.codeccontext import VideoCodecContext
    from av.video.stream import VideoStream

_PROFILES = {66: "baseline", 77: "main", 100: "high"}  # 8-bit 4:2:0 profiles libx264 can match
HEADER_NALS = (7, 8, 9)  # SPS, PPS, AUD live in the avcC, never in samples


def _ids(nal: bytes) -> tuple[int, ...]:
    """``(sps_id,)`` of an SPS, ``(pps_id, sps_id)`` of a PPS (Exp-Golomb, after unescaping)."""
    sps = nal[0] & 0x1F == 7
    bits = "".join(f"{b:08b}" for b in nal[1:24].replace(b"\x00\x00\x03", b"\x00\x00"))
    pos, out = (24 if sps else 0), []
    for _ in range(1 if sps else 2):
        zeros = bits.index("1", pos) - pos
        out.append(int(bits[pos + zeros : pos + 2 * zeros + 1], 2) - 1)
        pos += 2 * zeros + 1
    return tuple(out)


class _Bits:
    """An unescaped NAL unit read as bits: fixed-width fields and Exp-Golomb codes."""

    def __init__(self, nal: bytes) -> None:
        self.bits, self.pos = "".join(f"{b:08b}" for b in nal.replace(b"\x00\x00\x03", b"\x00\x00")), 0

    def u(self, n: int) -> int:
        self.pos += n
        return int(self.bits[self.pos - n : self.pos] or "0", 2)

    def ue(self) -> int:
        zeros = self.bits.index("1", self.pos) - self.pos
        self.pos += zeros + 1
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k % 2 else -(k // 2)


_CHROMA_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})
"""profile_idc values whose SPS carries chroma format, bit depths and scaling matrices."""


def field_coded(sps: bytes) -> bool:
    """Does the SPS allow field or MBAFF pictures (``frame_mbs_only_flag`` 0: interlaced H.264)?"""
    r = _Bits(sps)
    r.u(8)  # NAL header
    profile = r.u(8)
    r.u(16)  # constraint flags, level
    r.ue()  # sps id
    if profile in _CHROMA_PROFILES:
        if r.ue() == 3:  # chroma_format_idc 4:4:4
            r.u(1)
        r.ue(), r.ue(), r.u(1)  # bit depths, qpprime_y_zero_transform_bypass
        if r.u(1):  # seq_scaling_matrix_present
            for i in range(8):  # (12 only for 4:4:4, refused before this matters)
                if r.u(1):
                    last = scale = 8
                    for _ in range(16 if i < 6 else 64):
                        if scale:
                            scale = (last + r.se()) % 256
                        last = scale or last
    r.ue()  # log2_max_frame_num
    poc = r.ue()
    if poc == 0:
        r.ue()
    elif poc == 1:
        r.u(1), r.se(), r.se()
        for _ in range(r.ue()):
            r.se()
    r.ue(), r.u(1), r.ue(), r.ue()  # max refs, gaps allowed, width and height in macroblocks
    return r.u(1) == 0


@functools.lru_cache(maxsize=8)
def avcc_sets(avcc: bytes) -> frozenset[bytes]:
    """The SPS and PPS NAL units an avcC record holds (a copied sample may repeat those, no others)."""
    _, sps, pps = _parse_avcc(avcc, "the output")
    return frozenset(sps + pps)


def _parse_avcc(data: bytes | None, where: str) -> tuple[int, list[bytes], list[bytes]]:
    """(NAL length size, SPS list, PPS list) of an avcC record."""
    if not data or data[0] != 1 or len(data) < 7:
        raise Refused(f"{where}: H.264 without an avcC record (Annex B in MP4 is not copied)")
    pos, sets = 5, []
    for mask in (0x1F, 0xFF):
        count, pos, nals = data[pos] & mask, pos + 1, []
        for _ in range(count):
            size = int.from_bytes(data[pos : pos + 2], "big")
            nals.append(data[pos + 2 : pos + 2 + size])
            pos += 2 + size
        sets.append(nals)
    return (data[4] & 3) + 1, sets[0], sets[1]


def opens_on_idr(path: Path, index: int, where: str) -> bool:
    """Is the stream's first keyframe an IDR picture? A stream-copy cut of an open-GOP recording
    starts on a recovery point instead, whose leading frames refer to pictures cut away."""
    with av.open(str(path), metadata_errors="replace") as c:
        st = c.streams[index]
        only(c, st)
        size = _parse_avcc(st.codec_context.extradata, where)[0]
        key = next((p for p in c.demux(st) if p.is_keyframe and p.size), None)
    return key is not None and is_idr(bytes(key), size)


def parameter_sets(
    sources: dict[Path, tuple[int, str]],
    export: ExportSettings,
    rate: Fraction,
    width: int,
    height: int,
    vui: str = "",
) -> tuple[int, bytes, int, dict[str, str]]:
    """Merge the sources' SPS/PPS, add libx264's under a free id, build the output avcC.

    ``sources``: each file's video stream index and the label of a clip that shows it (for messages).
    ``vui``: libx264's colour description options (``colorprim=...:range=tv``), as the sources'.
    """
    tables: tuple[dict[int, bytes], dict[int, bytes]] = ({}, {})
    owners: tuple[dict[int, str], dict[int, str]] = ({}, {})
    sizes, delay = set(), 0
    for path, (index, name) in sources.items():
        where = f"clip {name!r} ({path.name})"
        with av.open(str(path), metadata_errors="replace") as c:
            st = cast("VideoStream", c.streams[index])  # the plan found an H.264 video stream there
            size, *nals = _parse_avcc(st.codec_context.extradata, where)
            tb = st.time_base
            assert tb is not None  # every demuxed stream has one
            first = next(
                ((p.pts, p.dts) for p in c.demux(st) if p.pts is not None and p.dts is not None), None
            )
            if first is not None:
                delay = max(delay, round((first[0] - first[1]) * tb * rate))
        sizes.add(size)
        for table, owner, group, kind in zip(tables, owners, nals, ("SPS", "PPS"), strict=True):
            for nal in group:
                sid = _ids(nal)[0]
                if table.setdefault(sid, nal) != nal:
                    msg = f"{where}: its H.264 {kind} {sid} differs from that of {owner[sid]}"
                    raise Refused(msg)
                owner.setdefault(sid, where)
    sps, pps = tables
    for sid, nal in sps.items():
        if field_coded(nal):  # libx264 would code the edges as frames between the copies' fields
            msg = f"{owners[0][sid]}: interlaced H.264 (field or MBAFF coding); the re-encoded edges would be"
            raise Refused(f"{msg} progressive between interlaced copies")
    profiles = {n[1] for n in sps.values()}
    if len(sizes) != 1 or len(profiles) != 1 or not profiles <= set(_PROFILES):
        clips = ", ".join(f"{owners[0][i]}: profile_idc {n[1]}" for i, n in sps.items())
        raise Refused(f"H.264 profiles or NAL sizes {sorted(sizes)} that libx264 cannot match ({clips})")
    profile = profiles.pop()
    free = next((i for i in range(32) if i not in sps and i not in pps), None)
    if free is None:
        raise Refused("the sources use every SPS id; none is left for the re-encoded edges")
    options = {
        "preset": export.preset or "veryfast",
        "crf": str(18 if export.crf is None else export.crf),
        "profile": _PROFILES[profile],
        "x264-params": f"sps-id={free}:bframes=0" + (f":{vui}" if vui else ""),  # no reordering
        **({"threads": str(export.threads)} if export.threads else {}),
    }
    made = nal_units(encoder(options, rate, width, height).extradata or b"", None)
    e_sps, e_pps = ([n for n in made if n[0] & 0x1F == t] for t in (7, 8))
    if [_ids(n) for n in e_sps] != [(free,)] or [_ids(n) for n in e_pps] != [(free, free)]:
        raise Refused(f"libx264 did not write parameter sets with id {free}; cannot mix with the copies")
    if e_sps[0][1] != profile:
        raise Refused(f"libx264 wrote profile_idc {e_sps[0][1]}, the sources use {profile}")
    all_sps, all_pps = [*sps.values(), e_sps[0]], [*pps.values(), e_pps[0]]
    compat = 0xFF
    for n in all_sps:
        compat &= n[2]
    size = sizes.pop()
    avcc = bytes([1, profile, compat, max(n[3] for n in all_sps), 0xFC | (size - 1), 0xE0 | len(all_sps)])
    avcc += b"".join(len(n).to_bytes(2, "big") + n for n in all_sps) + bytes([len(all_pps)])
    avcc += b"".join(len(n).to_bytes(2, "big") + n for n in all_pps)
    if profile == 100:
        avcc += bytes([0xFD, 0xF8, 0xF8, 0])  # 4:2:0, 8-bit luma and chroma, no SPS extensions
    return size, avcc, delay, options


def encoder(options: dict[str, str], rate: Fraction, width: int, height: int) -> VideoCodecContext:
    """An open libx264 context for the cut edges; parameter sets go to extradata, not samples."""
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base, ctx.framerate = 1 / rate, rate
    ctx.flags |= av.codec.context.Flags.global_header
    ctx.options = dict(options)
    ctx.open()
    return ctx
