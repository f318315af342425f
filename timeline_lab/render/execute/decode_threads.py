"""How a render's decoders thread: frame threads only where the encoder leaves cores to spare.

A frame-threaded H.264 decoder spends about a third more CPU than a single-threaded one (its
threads wait on each other's reference frames). When a software encoder already keeps every
core busy, those extra threads do not make the render faster: they take their CPU from the
encoder. Such decoders thread by slice only, which costs nothing extra and still splits a
multi-slice picture. Sources that are expensive to decode next to the encode (much larger
than the canvas, or codecs outside the cheap set) keep frame threads, as do renders with a
hardware encoder or cores to spare.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..plan import RenderPlan

__all__ = ["DecodeThreads"]

ThreadType = Literal["AUTO", "SLICE"]

_FEW_CORES = 4
"""Up to this many cores a software encoder (x264, x265, SVT-AV1...) keeps all of them busy."""

_CHEAP = frozenset({"h264", "hevc", "mpeg2video", "mpeg4", "vp8", "vp9"})
"""Codecs whose decode costs a small part of a software encode of the same picture."""

_LARGER = 3 / 2
"""A source with more pixels than this times the canvas's is decoded with every thread."""

_FILLING = frozenset({"libx264", "libx265", "libsvtav1", "libaom-av1", "libvpx-vp9"})
"""Software encoders that thread across every core (others, and hardware ones, leave cores idle)."""


@dataclass(frozen=True, slots=True)
class DecodeThreads:
    """The decoder threading of one render (``thread_type`` per opened stream)."""

    canvas_pixels: int
    encoder_fills_cores: bool
    """A multi-threaded software video encoder runs on a machine with few cores: none is idle."""

    @classmethod
    def for_plan(cls, plan: RenderPlan, cores: int | None = None) -> DecodeThreads:
        """The policy for ``plan`` on this machine (``cores``: ``os.cpu_count()`` by default)."""
        filling = plan.output.video_encoder in _FILLING
        cores = cores or os.cpu_count() or 1
        return cls(plan.width * plan.height, filling and cores <= _FEW_CORES)

    def thread_type(self, codec: str, width: int, height: int) -> ThreadType:
        """How a decoder of ``codec`` pictures of ``width`` x ``height`` should thread."""
        light = codec in _CHEAP and width * height <= self.canvas_pixels * _LARGER
        return "SLICE" if self.encoder_fills_cores and light else "AUTO"
