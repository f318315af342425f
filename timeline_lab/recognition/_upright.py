"""Decoded frames turned into the picture a player shows, through the render's own geometry steps.

Why: a phone's portrait video is stored sideways with a display matrix, and an anamorphic one
squeezed with a sample aspect ratio; a model shown the stored picture finds objects lying down or
squashed, and its boxes would not land where the render draws them. The render makes the shown
picture with ``geometry_steps`` (``scale`` to square pixels, then ``transpose``/flips); the same
filters run here on the sampled frames, so boxes come out in the pixels the render shows.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, cast

import av
import av.filter

from ..media.fit import buffer_args
from ..render.compile.layers import geometry_steps

if TYPE_CHECKING:
    from av.filter.context import FilterContext

    from ..media.probe import VideoStreamInfo

__all__ = ["Upright"]

_Ends = tuple["av.filter.Graph", "FilterContext", "FilterContext"]


class Upright:
    """Frames of one stream as shown (square pixels, display matrix applied); untouched when the
    stream needs neither. One small graph per frame shape met; not thread-safe: one per thread."""

    def __init__(self, vs: VideoStreamInfo) -> None:
        self.vs = vs
        self.steps = geometry_steps(vs)
        self._graphs: dict[tuple[object, ...], _Ends] = {}

    def __call__(self, frame: av.VideoFrame) -> av.VideoFrame:
        if not self.steps:
            return frame
        tb = frame.time_base or Fraction(1, 1)
        key = (
            frame.format.name,
            frame.width,
            frame.height,
            int(frame.colorspace),
            int(frame.color_range),
            tb,
        )
        ends = self._graphs.get(key)
        if ends is None:
            ends = self._graphs[key] = self._build(frame, tb)
        _, src, sink = ends
        src.push(frame)
        return cast("av.VideoFrame", sink.pull())  # a video graph's sink gives video frames

    def _build(self, frame: av.VideoFrame, tb: Fraction) -> _Ends:
        sar = self.vs.sample_aspect_ratio
        g = av.filter.Graph()
        src = g.add("buffer", buffer_args(frame, tb, Fraction(sar.numerator, sar.denominator)))
        last = src
        for name, args in self.steps:
            node = g.add(name, args or None)
            last.link_to(node)
            last = node
        sink = g.add("buffersink")
        last.link_to(sink)
        g.configure()
        return g, src, sink
