"""Plan data for the parts of a render that Python computes while it runs (not printable as ffmpeg).

A :class:`LiveSource` feeds RGBA pictures drawn per chain frame (annotations) into a ``buffer``
source, stepped in timeline order beside the decoders; a :class:`LiveTap` takes a clip's frames out
at a ``buffersink``, passes them through a Python function and puts them back at a ``buffer``
source ("between graph sections"). Both are named by the filter instances they own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["FrameCost", "LiveSource", "LiveTap", "PictureFn", "Pixels"]

Pixels = np.ndarray[Any, np.dtype[np.uint8]]
PictureFn = Callable[[int], "Pixels | None"]
"""Chain frame -> an RGBA ``(H, W, 4)`` picture to overlay, or None for nothing."""


@dataclass
class FrameCost:
    """What Python per-frame work cost in one render: frames processed and seconds spent."""

    frames: int = 0
    seconds: float = 0.0

    @property
    def per_frame(self) -> float:
        """Mean seconds per frame (0 before any frame)."""
        return self.seconds / self.frames if self.frames else 0.0

    def timed(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` and add its wall time as one frame."""
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds += time.perf_counter() - t0
            self.frames += 1


@dataclass(frozen=True)
class LiveSource:
    """RGBA overlay pictures entering the graph at ``buffer@{label}``, one per chain frame."""

    label: str
    what: str
    """Who draws, for messages and the cost report (``clip 'a.mp4': annotations``)."""
    width: int
    height: int
    rate: Fraction
    frames: int
    anchor: Fraction
    """Timeline second of chain frame 0 (orders the pushes beside the decoders)."""
    draw: PictureFn = field(compare=False)

    @property
    def args(self) -> str:
        """The buffer source's options."""
        r = self.rate
        return (
            f"video_size={self.width}x{self.height}:pix_fmt=rgba:pixel_aspect=1/1"
            f":time_base={r.denominator}/{r.numerator}:frame_rate={r.numerator}/{r.denominator}"
        )


@dataclass(frozen=True)
class LiveTap:
    """Frames leave at ``buffersink@{label}o``, pass through ``apply``, return at ``buffer@{label}i``."""

    label: str
    what: str
    width: int
    height: int
    rate: Fraction
    apply: Callable[[Pixels, int], Pixels] = field(compare=False)
    """``(rgb24 picture, chain frame) -> rgb24 picture`` of the same shape."""

    @property
    def args(self) -> str:
        """The return buffer source's options (rgb24, the tap's size, the project grid)."""
        r = self.rate
        return (
            f"video_size={self.width}x{self.height}:pix_fmt=rgb24:pixel_aspect=1/1"
            f":time_base={r.denominator}/{r.numerator}:frame_rate={r.numerator}/{r.denominator}"
        )
