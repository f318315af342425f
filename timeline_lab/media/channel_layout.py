"""A sound decoder given a channel layout in FFmpeg's native order before anything reads its own.

Why: FFmpeg 8 reads the MOV 'chan' atom that FFmpeg 5.1 (and tools like it) write for 6.1, 7.1 and
7.1(wide-side) PCM as a custom channel order (``8 channels (FL+FR+FC+LFE+SL+SR+BL+BR)``), and PyAV
shares such a layout's channel map between its ``AudioLayout`` and the codec context or frame, so
both free it: reading ``stream.layout`` (or ``.channels``) or decoding one frame aborts the whole
process ("double free or corruption"; a notebook's kernel dies). Every place that opens a sound
decoder calls :func:`standard_layout` first. The channels keep their places in the file and are
named as the native layout of the same channels names them, as FFmpeg 5.1 (which wrote them) and
its CLI read them.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

import av

from ..errors import MediaError

if TYPE_CHECKING:
    from av.audio.stream import AudioStream

__all__ = ["standard_layout", "unordered"]

_KEPT: list[av.AudioLayout] = []
"""Layouts that share a map with a decoder we could not give another layout (never in practice)."""


@cache
def _bits() -> dict[str, int]:
    """Each channel's bit in FFmpeg's native channel mask, by the name FFmpeg gives it."""
    bits: dict[str, int] = {}
    for bit in range(64):
        bits.setdefault(av.AudioLayout(hex(1 << bit)).channels[0].name, bit)
    return bits


def _native(names: list[str], name: str) -> str | None:
    """A layout string FFmpeg parses into a layout without a channel map (native, ambisonic or
    unspecified order) for these channels; None: the layout already has no map to share."""
    if all(n == "NONE" for n in names):
        return None  # unspecified order ("6 channels"): only a count
    if name.startswith("ambisonic ") and "(" not in name:
        return name  # ambisonic order (with native extra channels), said again without a map
    bits = _bits()
    if all(n in bits for n in names) and len(set(names)) == len(names):
        return hex(sum(1 << bits[n] for n in names))
    # repeated or unnamed channels: the default layout of the count, else the count alone
    return f"{len(names)}c" if _parses(f"{len(names)}c") else f"{len(names)} channels"


def unordered(layout: str) -> bool:
    """Whether ``layout`` (FFmpeg's name) only counts its channels, naming none: a WAV without a
    channel mask, as multitrack recorders write their tracks. No channel has a place to keep."""
    try:
        return all(c.name == "NONE" for c in av.AudioLayout(layout).channels)
    except ValueError:
        return False


def _parses(text: str) -> bool:
    """Whether FFmpeg reads ``text`` as a channel layout."""
    try:
        av.AudioLayout(text)
    except ValueError:
        return False
    return True


def standard_layout(stream: AudioStream, path: str | os.PathLike[str]) -> None:
    """Give ``stream``'s decoder a layout PyAV can hold (see the module's docstring); call it
    before anything reads the stream's layout or channels and before the first decode."""
    cc = stream.codec_context
    if cc.is_open:
        return  # decoding already: too late to change, and the decoder's own layout stands
    # (this reads a custom layout's map without owning it: the decoder's is replaced below, so
    # only ``layout`` frees it)
    layout = cc.layout
    target = _native([c.name for c in layout.channels], layout.name)
    if target is None:
        return
    try:
        native = av.AudioLayout(target)
    except ValueError:
        _KEPT.append(layout)  # never freed: the decoder still holds its map and frees it
        msg = f"{os.fspath(path)}: audio stream {stream.index}: channel layout {layout.name!r} cannot be read"
        raise MediaError(msg) from None
    cc.layout = native
