"""The output picture every layer is drawn on: the project's size, a preview's smaller one, or an
export's ``size`` of the project's shape (the project drawn as at its own size, then resized)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import TYPE_CHECKING

from ...errors import RenderError

if TYPE_CHECKING:
    from ...model.settings import ProjectSettings

__all__ = ["LARGEST", "Canvas", "scale_of", "size_error"]

LARGEST = 16384
"""The widest and tallest canvas (as ``ProjectSettings``)."""


@dataclass(frozen=True)
class Canvas:
    """The output picture every layer is conformed to."""

    width: int
    height: int
    rate: Fraction
    pix_fmt: str
    background: str
    color_range: str
    full: tuple[int, int] | None = None  # the project's size when this canvas is another (a preview's)

    @classmethod
    def of(
        cls, s: ProjectSettings, scale: Fraction = Fraction(1), size: tuple[int, int] | None = None
    ) -> Canvas:
        """The project's canvas (or one of ``size``, which must be of its shape), optionally
        scaled down for previews (sizes kept even)."""
        scale = scale_of(scale)
        if size is not None and (why := size_error(size, s)) is not None:
            raise RenderError(f"size {size[0]}x{size[1]}: {why}")
        bw, bh = size or (s.width, s.height)
        w = max(2, int(bw * scale) // 2 * 2)
        h = max(2, int(bh * scale) // 2 * 2)
        full = (s.width, s.height) if (w, h) != (s.width, s.height) else None
        return cls(w, h, s.frame_rate, s.pixel_format, s.background, s.color_range, full)

    @property
    def unit(self) -> tuple[float, float]:
        """Canvas pixels per project pixel across and down: a transform's offsets are the project's
        pixels, so a preview's (or a resized export's) canvas moves a clip by as much of itself."""
        if self.full is None:
            return 1.0, 1.0
        return self.width / self.full[0], self.height / self.full[1]


def scale_of(scale: object) -> Fraction:
    """A preview's scale as an exact fraction, refused by name unless a number above 0 (0 or less
    made a 2x2 picture)."""
    exact: Fraction | None = None
    if isinstance(scale, bool):
        pass
    elif isinstance(scale, int | Fraction):
        exact = Fraction(scale)
    elif isinstance(scale, Real) and math.isfinite(number := float(scale)):
        exact = Fraction(number)
    if exact is None or exact <= 0:
        shown = f"{type(scale).__name__} {scale!r}" if len(repr(scale)) <= 40 else type(scale).__name__
        raise RenderError(f"scale: expected a number above 0 (e.g. 1/2 for half size), got {shown}")
    return exact


def size_error(size: tuple[int, int], s: ProjectSettings) -> str | None:
    """Why a project cannot be drawn at ``size`` (None: it can).

    The size must be even (4:2:0) and of the project's shape, to within its rounding to even
    pixels: another aspect ratio would re-frame every clip (each is fitted to the canvas), and
    no one placement of a picture-in-picture, a title or a crop would be the project's.
    """
    w, h = size
    if not (0 < w <= LARGEST and 0 < h <= LARGEST):
        return f"width and height must be 2 to {LARGEST}"
    if w % 2 or h % 2:
        return "width and height must be even for 4:2:0 video"
    shape = Fraction(s.width, s.height)
    if abs(w - h * shape) < 2 or abs(h - w / shape) < 2:
        return None
    same_w = max(2, round(w / shape / 2) * 2)
    same_h = max(2, round(h * shape / 2) * 2)
    return (
        f"the project is {s.width}x{s.height}; another shape would re-frame every clip "
        f"(use its shape, e.g. {w}x{same_w} or {same_h}x{h})"
    )
