"""Which decoder reads a WebM's transparency: FFmpeg's own VP8/VP9 decoders drop it.

Why: a VP8/VP9 stream with alpha (``alpha_mode=1``: an overlay exported from a browser, After
Effects or OBS) keeps its alpha in Matroska's BlockAdditional side data, which only libvpx's
decoders read; FFmpeg's native ones give opaque ``yuv420p`` and the overlay covered what was under
it. The probe reports such a stream as ``yuva420p``; the render (and the printed ffmpeg command,
``-c:v`` before its ``-i``) decodes it with libvpx.
"""

from __future__ import annotations

from collections.abc import Mapping

import av

__all__ = ["alpha_decoder", "has_alpha_side_channel"]

_LIBVPX = {"vp8": "libvpx", "vp9": "libvpx-vp9"}


def has_alpha_side_channel(codec: str, metadata: Mapping[str, str], pix_fmt: str | None) -> bool:
    """Does a stream carry alpha beside its pictures that a libvpx decoder here can read?"""
    decoder = _LIBVPX.get(codec)
    alpha = str(metadata.get("alpha_mode", metadata.get("ALPHA_MODE", ""))) == "1"
    return bool(alpha and decoder in av.codecs_available and pix_fmt in ("yuv420p", None))


def alpha_decoder(codec: str, pix_fmt: str) -> str | None:
    """The decoder a probed stream's pictures need to keep their alpha (None: the default one)."""
    return _LIBVPX.get(codec) if pix_fmt == "yuva420p" else None
