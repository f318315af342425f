"""Which decoder reads a WebM's transparency: FFmpeg's own VP8/VP9 decoders drop it.

Why: a VP8/VP9 stream with alpha (``alpha_mode=1``: an overlay exported from a browser, After
Effects or OBS) keeps its alpha in Matroska's BlockAdditional side data, which only libvpx's
decoders read; FFmpeg's native ones give opaque ``yuv420p`` and the overlay covered what was under
it. The probe reports such a stream as ``yuva420p``; the render (and the printed ffmpeg command,
``-c:v`` before its ``-i``) decodes it with libvpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import av

__all__ = ["alpha_decoder", "alpha_keyframe", "has_alpha_side_channel"]

_LIBVPX = {"vp8": "libvpx", "vp9": "libvpx-vp9"}


def has_alpha_side_channel(codec: str, metadata: Mapping[str, str], pix_fmt: str | None) -> bool:
    """Does a stream carry alpha beside its pictures that a libvpx decoder here can read?"""
    decoder = _LIBVPX.get(codec)
    alpha = str(metadata.get("alpha_mode", metadata.get("ALPHA_MODE", ""))) == "1"
    return bool(alpha and decoder in av.codecs_available and pix_fmt in ("yuv420p", None))


def alpha_decoder(codec: str, pix_fmt: str) -> str | None:
    """The decoder a probed stream's pictures need to keep their alpha (None: the default one)."""
    return _LIBVPX.get(codec) if pix_fmt == "yuva420p" else None


def alpha_keyframe(packet: av.Packet[Any], codec: str) -> bool:
    """Can libvpx start decoding this packet's alpha here (its BlockAdditional picture is a keyframe)?

    Why: libvpx encodes the alpha plane as a second stream with keyframes of its own (an encoder
    places them where the alpha changes, not where the picture does), and a decoder started on a
    picture keyframe whose alpha is not one refuses the packet. Only where both are keyframes can a
    read of such a file start. A packet without alpha data starts nothing new: True.
    """
    if not packet.has_sidedata("matroska_block_additional"):
        return True
    data = bytes(packet.get_sidedata("matroska_block_additional"))[8:]  # after the BlockAddID
    if not data:
        return True
    head = data[0]
    if codec == "vp8":
        return head & 1 == 0  # the frame tag's first bit: 0 is a key frame
    if head >> 6 != 0b10:  # not a VP9 frame marker: nothing to judge by
        return True
    profile = ((head >> 5) & 1) | (((head >> 4) & 1) << 1)
    shift = 3 if profile < 3 else 2  # profile 3 has a reserved bit before show_existing_frame
    if (head >> shift) & 1:  # show_existing_frame: shows a decoded one, no frame type
        return False
    return (head >> (shift - 1)) & 1 == 0  # frame_type 0: a key frame
