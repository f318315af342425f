"""What the frame readers return and are asked for: a decoded picture, its time, its output size."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.time import RationalTime

if TYPE_CHECKING:
    from PIL import Image

    from .probe import VideoStreamInfo

__all__ = ["Frame", "Size", "TimeLike", "output_size", "show_time"]


TimeLike = RationalTime | int
"""A time on the media's clock (as in a clip's source range), or a frame index: frame ``k`` starts
at ``stream start + k / rate`` (for variable-rate media, ``rate`` is the average: a nominal index)."""
Size = tuple[int | None, int | None]
"""Output ``(width, height)``; one of them None keeps the display aspect ratio."""


@dataclass(frozen=True)
class Frame:
    """One decoded picture: RGB pixels, its frame index and its exact presentation time."""

    rgb: np.ndarray[Any, np.dtype[np.uint8]]
    index: int
    time: RationalTime

    def image(self) -> Image.Image:
        """The pixels as a PIL image."""
        from PIL import Image

        return Image.fromarray(self.rgb)


def output_size(video: VideoStreamInfo, size: Size | None) -> tuple[int, int] | None:
    """Pixel size for ``size``: a None side follows the display aspect ratio (SAR applied)."""
    if size is None:
        return None
    w, h = size
    aspect = Fraction(video.display_width or video.width, video.display_height or video.height)
    if w is None and h is None:
        return None
    if w is None:
        assert h is not None
        w = max(1, round(h * aspect))
    elif h is None:
        h = max(1, round(w / aspect))
    if isinstance(w, bool) or isinstance(h, bool) or w < 1 or h < 1:
        raise ValueError(f"size: width and height must be positive ints, got {size!r}")
    return int(w), int(h)


def show_time(t: TimeLike | RationalTime) -> str:
    """``t`` for a message: a time with its seconds, or a frame index."""
    if isinstance(t, RationalTime):
        return f"{t} ({float(t.to_seconds()):.3f} s)"
    return f"frame {t}"
