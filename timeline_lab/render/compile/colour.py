"""Pictures into the canvas's YUV matrix: each video source once, as it enters the graph, and
each RGB picture (titles, stills, placed layers, coloured backgrounds) where it becomes YUV.

Why: each source's matrix is read from its tags, or guessed by size as players do
(``media.colour``), and converted once, here, to BT.709, the matrix of every picture in the
graph; so a BT.601 phone or DV clip beside a BT.709 one shows the colours both show in a
player, and the output is tagged BT.709. The options are spelled out for the ffmpeg CLI too,
which would otherwise convert nothing, and turn RGB into BT.601 (``render/command.py``); in
process, the graph's sink takes BT.709 only, so FFmpeg's own conversions land there as well.
The first ``scale`` also brings a picture that changes size midway (a call dropping its
resolution, joined broadcast segments) back to the stream's size in the ffmpeg CLI (stretched, if
its shape changed; in process the reader has fitted it already: ``media/fit.py``); for a BT.709
source of constant size in the canvas's range it is a passthrough.
"""

from __future__ import annotations

import re

import av

from ...media.colour import CANVAS_MATRIX, gamut_options, sws_matrix
from ...media.info import VideoStreamInfo
from .graph import Step

__all__ = [
    "chroma_key_colour",
    "colour_source",
    "from_canvas",
    "from_source",
    "in_rgb",
    "leave_canvas",
    "to_canvas_matrix",
    "to_yuva",
]

_CANVAS = sws_matrix(CANVAS_MATRIX)
_KR, _KB = 0.2126, 0.0722  # BT.709
_GREY = re.compile(r"^#?([0-9a-fA-F]{2})\1\1([0-9a-fA-F]{2})?$")


def to_yuva(colour_range: str) -> list[Step]:
    """An RGBA picture (or a YUVA one, passed through) as YUVA in the canvas's matrix and range."""
    return [("scale", f"out_color_matrix={_CANVAS}:out_range={colour_range}"), ("format", "yuva420p")]


def from_canvas(colour_range: str | None = None) -> str:
    """Options of a ``scale`` whose YUV input is the canvas's (BT.709, and ``colour_range`` where
    known), for one that turns it into RGB: the ffmpeg CLI reads its frames' tags otherwise,
    which its scale does not update (it would read the BT.709 pixels as BT.601)."""
    return f":in_color_matrix={_CANVAS}" + (f":in_range={colour_range}" if colour_range else "")


def leave_canvas(colour_range: str) -> Step:
    """The ``scale`` that turns the canvas's YUV into RGB (a ``format`` after it says which)."""
    return ("scale", from_canvas(colour_range)[1:])


def from_source(vs: VideoStreamInfo) -> str:
    """``from_canvas`` for a picture still in its source's own matrix and range (a still image,
    which the ffmpeg CLI decodes to YUV where the render reads it as RGBA)."""
    return f":in_color_matrix={sws_matrix(vs.matrix)}:in_range={vs.range}"


def to_canvas_matrix(vs: VideoStreamInfo, colour_range: str) -> list[Step]:
    """The source's pixels at its own size, in the canvas's matrix and range (RGB passes). A
    full-range source is also taken out of JPEG's ``yuvj`` formats, which are full range by
    definition: the ffmpeg CLI's decoder gives them, and its scale would keep them."""
    steps: list[Step] = [
        (
            "scale",
            f"size={vs.width}x{vs.height}:in_color_matrix={sws_matrix(vs.matrix)}"
            f":out_color_matrix={_CANVAS}:in_range={vs.range}:out_range={colour_range}{gamut_options(vs)}",
        )
    ]
    if vs.range == "pc" and vs.pix_fmt and vs.pix_fmt.startswith("yuv"):
        steps.append(("format", vs.pix_fmt.replace("yuvj", "yuv", 1)))
    elif vs.pix_fmt and _rgb(vs.pix_fmt):
        # RGB video (PNG in MOV, QuickTime Animation, GIF) is made YUV here, where the matrix is said
        steps.append(("format", "yuva444p" if _alpha(vs.pix_fmt) else "yuv444p"))
    return steps


def _rgb(pix_fmt: str) -> bool:
    """An RGB or palette pixel format (whose conversion to YUV needs a matrix said)."""
    try:
        fmt = av.VideoFormat(pix_fmt)
    except ValueError:
        return False
    return fmt.is_rgb or fmt.has_palette


def _alpha(pix_fmt: str) -> bool:
    """A format that may carry alpha (a palette may hold a transparent colour)."""
    fmt = av.VideoFormat(pix_fmt)
    return fmt.has_palette or len(fmt.components) == 4


def in_rgb(steps: list[Step], colour_range: str, pix_fmt: str) -> list[Step]:
    """``steps`` run on the canvas's pictures in planar RGB: FFmpeg's ``fade`` takes 16 for black
    in any ``yuv`` format (limited range), whatever the range the pictures are in."""
    if not steps:
        return steps
    back = ("scale", f"out_color_matrix={_CANVAS}:out_range={colour_range}")
    return [leave_canvas(colour_range), ("format", "gbrp"), *steps, back, ("format", pix_fmt)]


def colour_source(colour: str, size: str, rate: str, colour_range: str) -> list[Step]:
    """A flat colour as the ``color`` source draws it, in the canvas's matrix: a grey is the same
    in every matrix; any other colour is drawn in RGB and converted (the CLI draws it BT.601)."""
    steps: list[Step] = [("color", f"c={colour}:s={size}:r={rate}")]
    if "@" in colour or (
        colour_range == "tv" and (_GREY.match(colour) or colour.lower() in ("black", "white"))
    ):
        return steps  # (the ffmpeg CLI draws YUV limited: a full-range canvas takes even grey via RGB)
    return [*steps, ("format", "rgb24"), ("scale", f"out_color_matrix={_CANVAS}:out_range={colour_range}")]


def chroma_key_colour(colour: str, colour_range: str) -> str | None:
    """``chromakey``'s colour as YUV (its ``yuv=1``) in the canvas's matrix and range: given as
    RGB, FFmpeg converts it to YUV with BT.601, a different colour on a BT.709 picture. None for
    a colour Pillow cannot read (FFmpeg then reads it as RGB)."""
    from PIL import ImageColor  # here: a render without a chroma key never imports Pillow

    name = "#" + colour[2:] if colour.lower().startswith("0x") else colour
    try:
        r, g, b = (c / 255 for c in ImageColor.getrgb(name)[:3])
    except ValueError:
        return None
    y = _KR * r + (1 - _KR - _KB) * g + _KB * b
    u, v = (b - y) / (2 * (1 - _KB)), (r - y) / (2 * (1 - _KR))
    if colour_range == "pc":
        yy, uu, vv = y * 255, 128 + u * 255, 128 + v * 255
    else:
        yy, uu, vv = 16 + y * 219, 128 + u * 224, 128 + v * 224
    return "0x" + "".join(f"{min(255, max(0, round(c))):02x}" for c in (yy, uu, vv))
