"""Pictures of another size than their stream's, fitted into the stream's size as a player shows
them: the shape kept, centred, black bars around.

Why: a call that drops its resolution, a screen recording whose window is resized, a camera
switched midway, joined broadcast segments (4:3, then 16:9): the container says one size and the
decoder gives frames of another. A player keeps such a picture's shape in its window; scaling it to
the stream's size would stretch it. Every reader that works in the stream's size (the render's
graph, preview frames, thumbnails, proxies, recognition and analysis) fits such frames here, in
their own pixel format, colour tags and timing kept, so what follows is the same for every frame.
A new picture is taken to have the stream's pixel shape (SAR): PyAV's frames do not carry one.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, cast

import av
import av.filter

if TYPE_CHECKING:
    from av.filter.context import FilterContext

__all__ = ["Refit", "buffer_args", "fit_box"]

_Ends = tuple["av.filter.Graph", "FilterContext", "FilterContext"]
"""A graph and its source and sink (kept together: the ends die with the graph)."""


def buffer_args(frame: av.VideoFrame, tb: Fraction, sar: Fraction = Fraction(1)) -> str:
    """A ``buffer`` source's arguments for frames like ``frame`` (its size, format, colours)."""
    return (
        f"video_size={frame.width}x{frame.height}:pix_fmt={frame.format.name}"
        f":pixel_aspect={sar.numerator}/{sar.denominator}:time_base={tb.numerator}/{tb.denominator}"
        f":colorspace={int(frame.colorspace)}:range={int(frame.color_range)}"
    )


def fit_box(box: tuple[int, int], size: tuple[int, int], grid: int = 2) -> tuple[int, int, int, int]:
    """(x, y, width, height) a picture of ``size`` takes inside ``box``, its shape kept and centred;
    sizes and offsets on a ``grid`` (chroma's), a side that fills the box exactly the box's."""
    bw, bh = box
    w, h = size
    if w <= 0 or h <= 0 or bw <= 0 or bh <= 0:
        raise ValueError(f"fit_box: sizes must be positive, got a box {box} and a picture {size}")
    shape, room = Fraction(w, h), Fraction(bw, bh)
    if shape >= room:  # wider than the box: full width, bars above and below
        iw, ih = bw, min(bh, max(grid, round(bh * room / shape / grid) * grid))
    else:  # narrower: full height, bars left and right
        iw, ih = min(bw, max(grid, round(bw * shape / room / grid) * grid)), bh
    return (bw - iw) // 2 // grid * grid, (bh - ih) // 2 // grid * grid, iw, ih


class Refit:
    """Frames of another size than ``size`` fitted into it; frames of that size pass untouched.

    One small libavfilter graph (``scale`` then ``pad``) per size and format met, so any pixel
    format is handled as FFmpeg handles it and the bars are black in its range (transparent where
    it has alpha). Not thread-safe: one per decoding thread.
    """

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self._graphs: dict[tuple[object, ...], _Ends | None] = {}

    def __call__(self, frame: av.VideoFrame) -> av.VideoFrame:
        if (frame.width, frame.height) == self.size or not all(self.size):
            return frame
        tb = frame.time_base or Fraction(1, 1)
        tags = (int(frame.colorspace), int(frame.color_range))
        key = (frame.format.name, frame.width, frame.height, *tags, tb)
        if key not in self._graphs:
            self._graphs[key] = self._graph(frame, tb)
        ends = self._graphs[key]
        if ends is None:  # a format scale and pad cannot take (palette, Bayer): as it comes
            return frame
        _, src, sink = ends
        pts, duration = frame.pts, frame.duration
        src.push(frame)
        out = cast("av.VideoFrame", sink.pull())  # a video graph's sink gives video frames
        out.pts, out.time_base = pts, tb
        if duration:
            out.duration = duration
        return out

    def _graph(self, frame: av.VideoFrame, tb: Fraction) -> _Ends | None:
        """The graph for frames like ``frame`` (kept with its ends: they die with it), in their
        own pixel format; None where FFmpeg's scale and pad cannot keep it (the picture then goes
        on at its own size, and the render's first scale stretches it, as before)."""
        try:
            return self._build(frame, tb)
        except (av.FFmpegError, ValueError):
            return None

    def _build(self, frame: av.VideoFrame, tb: Fraction) -> _Ends:
        x, y, w, h = fit_box(self.size, (frame.width, frame.height), _grid(frame.format))
        g = av.filter.Graph()
        src = g.add("buffer", buffer_args(frame, tb))
        scale = g.add("scale", f"{w}:{h}")
        pad = g.add("pad", f"{self.size[0]}:{self.size[1]}:{x}:{y}:black@0")
        same = g.add("format", frame.format.name)  # out as it came in (pad may pick a planar kin)
        sink = g.add("buffersink")
        src.link_to(scale)
        scale.link_to(pad)
        pad.link_to(same)
        same.link_to(sink)
        g.configure()
        return g, src, sink


def _grid(fmt: av.VideoFormat) -> int:
    """Pixels one chroma sample spans across, at least 2 (4:2:0, 4:2:2; even sizes, as encoders
    want): 4 for DV's 4:1:1 and 4:1:0."""
    return 4 if fmt.name in _QUARTER_CHROMA else 2


_QUARTER_CHROMA = frozenset({"yuv411p", "uyyvyy411", "yuv410p", "yuvj411p"})
