"""Text rasterized with Pillow into RGBA images (this FFmpeg build has no drawtext/libass).

Only the part of a block that can be seen is drawn (the canvas, or the canvas swept by a title's
keyframed moves), so a long crawl or a huge font costs what its visible pixels cost.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from ...errors import RenderError
from ...model.properties import rgba
from .text_cache import text_cache_dir, text_image
from .text_fonts import FontChain, Run, font_chain

if TYPE_CHECKING:
    from ...model.properties import TextStyle

__all__ = [
    "TextMeasure",
    "measure_text",
    "render_block",
    "render_text",
    "shrink",
    "text_cache_dir",
    "text_image",
]

RGBA = tuple[int, int, int, int]
Window = tuple[int, int, int, int]  # left, top, right, bottom (exclusive), in block pixels

TAB = 4  # spaces per tab stop
SAFE = 0.9  # subtitles wrap to the title-safe width: this share of the canvas width
_LINE_PIXELS = 1 << 25  # one line's glyph bitmap (Pillow draws a line whole): 32 Mpx at most


def _color(style: TextStyle, field: str) -> RGBA:
    try:
        return rgba(getattr(style, field))
    except ValueError as exc:  # a style built unchecked (model_construct)
        raise ValueError(f"text style {field}: {exc}") from None


def text_lines(text: str) -> list[str]:
    """Lines as drawn: every Unicode line break splits (CR LF, CR, U+2028, ...), tabs become spaces
    to the next stop, and other control characters are dropped (raqm refuses some of them)."""
    lines = text.splitlines() or [""]
    if text.endswith(("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")):
        lines.append("")
    return ["".join(c for c in line.expandtabs(TAB) if unicodedata.category(c) != "Cc") for line in lines]


@dataclass(frozen=True)
class _Layout:
    """Lines, their font runs and widths, in the fonts (title font and fallbacks) that draw them."""

    lines: list[str]
    runs: list[list[Run]]
    widths: list[int]
    ascent: int
    descent: int

    @classmethod
    def of(cls, lines: list[str], chain: FontChain) -> _Layout:
        runs = [chain.runs(line) for line in lines]
        widths = [_width(r) for r in runs]
        metrics = [f.getmetrics() for f in chain.fonts]
        return cls(lines, runs, widths, max(m[0] for m in metrics), max(m[1] for m in metrics))


def _width(runs: list[Run]) -> int:
    try:
        return round(sum(font.getlength(part) for part, font in runs))
    except (OSError, RuntimeError, ValueError) as exc:
        raise RenderError(f"text {''.join(p for p, _ in runs)[:24]!r} cannot be laid out: {exc}") from None


def _layout(text: str, style: TextStyle) -> _Layout:
    lines = text_lines(text)
    return _Layout.of(lines, font_chain(style.font, style.font_size, "".join(lines)))


def _wrapped(text: str, style: TextStyle, width: int) -> tuple[_Layout, TextStyle]:
    """Lines broken at spaces (by character in CJK) to fit ``width``; shrunk when a word still won't."""
    for _ in range(4):
        chain = font_chain(style.font, style.font_size, text)
        room = width - 2 * style.outline_width - 2 * (style.box_padding if style.box_color else 0)
        lines = [part for line in text_lines(text) for part in _wrap_line(line, chain, max(1, room))]
        layout = _Layout.of(lines, chain)
        widest = max(layout.widths)
        if widest <= room or style.font_size == 1:
            return layout, style
        size = max(1, min(style.font_size - 1, style.font_size * max(1, room) // widest))
        style = style.model_copy(update={"font_size": size})
    return layout, style


def _wrap_line(line: str, chain: FontChain, room: int) -> list[str]:
    """Greedy wrap of one line at spaces; a run of wide (CJK) characters breaks between them."""
    out: list[str] = []
    current = ""
    for token in _tokens(line):
        trial = current + token
        if current and _width(chain.runs(trial.rstrip())) > room:
            out.append(current.rstrip())
            current = token.lstrip()
        else:
            current = trial
    out.append(current.rstrip())
    return out


def _tokens(line: str) -> list[str]:
    """Words with their trailing spaces; each wide character (and its marks) a word of its own."""
    tokens: list[str] = []
    for ch in line:
        wide = unicodedata.east_asian_width(ch) in "WF"
        joins = unicodedata.category(ch)[0] == "M" or ch in "\u200d\ufe0f"
        if tokens and (joins or ch == " " or not (wide or tokens[-1].endswith(" ") or _wide(tokens[-1]))):
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


def _wide(token: str) -> bool:
    return unicodedata.east_asian_width(token[0]) in "WF"


@dataclass(frozen=True)
class _Block:
    """The text block's measures: line pitch, outline, box padding, shadow offset, sizes."""

    layout: _Layout
    pitch: int
    outline: int
    pad: int
    width: int
    height: int
    shadow: int

    @classmethod
    def measure(cls, layout: _Layout, style: TextStyle, *, boxed: bool) -> _Block:
        """The block of ``layout``: the box when there is one, else the outlined text."""
        sw = style.outline_width
        pitch = round(style.font_size * style.line_spacing)
        text_w = max(layout.widths) + 2 * sw
        text_h = (len(layout.lines) - 1) * pitch + layout.ascent + layout.descent + 2 * sw
        pad = style.box_padding if boxed else 0
        return cls(layout, pitch, sw, pad, text_w + 2 * pad, text_h + 2 * pad, style.shadow_offset)

    @property
    def size(self) -> tuple[int, int]:
        """The image drawn into: the block plus room for the shadow on the right and bottom."""
        return self.width + self.shadow, self.height + self.shadow


@dataclass(frozen=True)
class TextMeasure:
    """A text block's size as ``render_text`` draws it, so templates place boxes and rolls to the pixel.

    ``width``/``height``: the box when there is one, else the outlined text (what x/y centre);
    ``pitch``: line to line; ``shadow``: how far the shadow reaches right and down past the block.
    """

    width: int
    height: int
    pitch: int
    shadow: int


def measure_text(text: str, style: TextStyle) -> TextMeasure:
    """The block ``text`` makes in ``style``: what ``render_text`` centres on a title's x/y."""
    block = _Block.measure(_layout(text, style), style, boxed=style.box_color is not None)
    return TextMeasure(block.width, block.height, block.pitch, block.shadow)


def _check(canvas: tuple[int, int], opacity: float) -> None:
    if canvas[0] <= 0 or canvas[1] <= 0:
        raise ValueError(f"canvas: must be positive, got {canvas}")
    if not 0 <= opacity <= 1:
        raise ValueError(f"opacity: must be between 0 and 1, got {opacity}")


def _block(text: str, style: TextStyle, canvas: tuple[int, int], wrap: bool) -> tuple[_Block, TextStyle]:
    if wrap:
        layout, style = _wrapped(text, style, int(canvas[0] * SAFE))
    else:
        layout = _layout(text, style)
    return _Block.measure(layout, style, boxed=style.box_color is not None), style


def render_text(
    text: str,
    style: TextStyle,
    canvas: tuple[int, int],
    x: float = 0.5,
    y: float = 0.9,
    opacity: float = 1.0,
    *,
    box_radius: int = 0,
    wrap: bool = False,
) -> Image.Image:
    """A canvas-sized RGBA image with ``text`` centred at (x*W, y*H), so the renderer overlays at 0:0.

    The block (box when there is one, else the text with its outline) is centred on the point and
    then moved to stay inside the canvas; a block larger than the canvas is pinned to the top-left.
    Line pitch is ``font_size * line_spacing``; the shadow is the outlined text, offset down-right.
    ``wrap``: lines longer than the title-safe width break at spaces (a subtitle's lines).
    """
    _check(canvas, opacity)
    width, height = canvas
    out = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if not text.strip() or opacity == 0:
        return out
    block, style = _block(text, style, canvas, wrap)
    left = max(0, min(round(x * width - block.width / 2), width - block.size[0]))
    top = max(0, min(round(y * height - block.height / 2), height - block.size[1]))
    window = (0, 0, min(block.size[0], width - left), min(block.size[1], height - top))
    out.paste(_draw(block, style, opacity, box_radius, window), (left, top))
    return out


def render_block(
    text: str,
    style: TextStyle,
    canvas: tuple[int, int],
    x: float,
    y: float,
    opacity: float,
    sweep: Window,
    *,
    box_radius: int = 0,
    wrap: bool = False,
) -> tuple[Image.Image, int, int]:
    """A moving title's block, centred at (x*W, y*H) without being kept on the canvas, cut to what
    the canvas shows while the block moves by ``sweep`` (least and most x shift, then y, in pixels).

    Returns the image and where its top-left lies on the canvas at (x, y): a keyframed title is
    placed per frame from there, so a crawl's end comes into view and nothing is pinned.
    """
    _check(canvas, opacity)
    width, height = canvas
    if not text.strip() or opacity == 0:
        return Image.new("RGBA", (1, 1), (0, 0, 0, 0)), 0, 0
    block, style = _block(text, style, canvas, wrap)
    left = round(x * width - block.width / 2)
    top = round(y * height - block.height / 2)
    dx0, dx1, dy0, dy1 = sweep
    x0, x1 = max(0, -left - dx1), min(block.size[0], width - left - dx0)
    y0, y1 = max(0, -top - dy1), min(block.size[1], height - top - dy0)
    if x1 <= x0 or y1 <= y0:  # never on the canvas
        return Image.new("RGBA", (1, 1), (0, 0, 0, 0)), 0, 0
    return _draw(block, style, opacity, box_radius, (x0, y0, x1, y1)), left + x0, top + y0


def _mask(size: tuple[int, int]) -> Image.Image:
    return Image.new("L", size, 0)


def _layer(mask: Image.Image, color: RGBA) -> Image.Image:
    """A flat colour whose alpha is ``mask`` scaled by the colour's own alpha (straight alpha)."""
    layer = Image.new("RGBA", mask.size, color)
    alpha = mask if color[3] == 255 else mask.point(lambda v: (v * color[3] + 127) // 255)
    layer.putalpha(alpha)
    return layer


def _draw(block: _Block, style: TextStyle, opacity: float, box_radius: int, window: Window) -> Image.Image:
    """The part ``window`` of the block: box, shadow, outline and letters, in straight alpha."""
    fill, outline = _color(style, "color"), _color(style, "outline_color")
    shadow = _color(style, "shadow_color")
    box = _color(style, "box_color") if style.box_color is not None else None
    size = (window[2] - window[0], window[3] - window[1])
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if box is not None:
        box_mask = _mask(size)
        shape = (-window[0], -window[1], block.width - 1 - window[0], block.height - 1 - window[1])
        ImageDraw.Draw(box_mask).rounded_rectangle(shape, radius=max(0, box_radius), fill=255)
        image.alpha_composite(_layer(box_mask, box))
    if block.shadow and shadow[3]:
        at = (window[0] - block.shadow, window[1] - block.shadow, *window[2:])
        image.alpha_composite(_layer(_letters(block, style.align, at, size, block.outline), shadow))
    if block.outline:
        image.alpha_composite(_layer(_letters(block, style.align, window, size, block.outline), outline))
    image.alpha_composite(_layer(_letters(block, style.align, window, size, 0), fill))
    if opacity < 1:
        image.putalpha(image.getchannel("A").point(lambda a: round(a * opacity)))
    return image


def _letters(block: _Block, align: str, window: Window, size: tuple[int, int], stroke: int) -> Image.Image:
    """Coverage of the letters (with a ``stroke`` wide outline) in ``window``; lines outside it are
    skipped, and a line whose glyph bitmap alone would be huge is refused."""
    mask = _mask(size)
    draw = ImageDraw.Draw(mask)
    lay, sw = block.layout, block.outline
    widest = max(lay.widths)
    line_h = lay.ascent + lay.descent + 2 * sw
    for n, (runs, w) in enumerate(zip(lay.runs, lay.widths, strict=True)):
        top = block.pad + sw + n * block.pitch - window[1]
        if top + line_h + sw < 0 or top - sw > size[1] or not runs:
            continue
        if (w + 2 * sw) * line_h > _LINE_PIXELS:
            raise RenderError(
                f"text line {lay.lines[n][:24]!r}: {w + 2 * sw} x {line_h} pixels is too large to draw "
                f"(at most {_LINE_PIXELS >> 20} Mpx a line); break it into lines or use a smaller font"
            )
        slack = widest - w
        x = block.pad + sw + {"left": 0, "center": slack // 2, "right": slack}[align] - window[0]
        for part, font in _visual(runs):
            try:
                draw.text((x, top + lay.ascent), part, fill=255, font=font, anchor="ls", stroke_width=stroke)
                x += round(font.getlength(part))
            except (OSError, RuntimeError, ValueError) as exc:
                raise RenderError(f"text {part[:24]!r} cannot be drawn: {exc}") from None
    return mask


def _visual(runs: list[Run]) -> list[Run]:
    """Font runs left to right: reversed in a right-to-left line (its first strong letter R or AL)."""
    if len(runs) < 2:
        return runs
    for ch in "".join(p for p, _ in runs):
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return runs[::-1]
        if kind == "L":
            break
    return runs


def shrink(
    image: Image.Image, left: int, top: int, full: tuple[int, int], canvas: tuple[int, int]
) -> tuple[Image.Image, int, int]:
    """``image``, lying at (left, top) on the ``full``-sized canvas, shrunk onto ``canvas`` (a
    preview's): the same pixels the render shows, resampled, and where they now lie."""
    sx, sy = canvas[0] / full[0], canvas[1] / full[1]
    if (left, top, *image.size) == (0, 0, *full):  # a whole canvas: shrink only what is drawn on it
        out = Image.new("RGBA", canvas, (0, 0, 0, 0))
        bbox = image.getbbox()
        if bbox is not None:
            part, x, y = shrink(image.crop(bbox), bbox[0], bbox[1], full, canvas)
            out.paste(part, (x, y))
        return out, 0, 0
    m = 2 + math.ceil(max(1 / sx, 1 / sy))
    padded = Image.new("RGBA", (image.width + 2 * m, image.height + 2 * m), (0, 0, 0, 0))
    padded.paste(image, (m, m))
    x0, x1 = math.floor(left * sx), math.ceil((left + image.width) * sx)
    y0, y1 = math.floor(top * sy), math.ceil((top + image.height) * sy)
    box = (x0 / sx - left + m, y0 / sy - top + m, x1 / sx - left + m, y1 / sy - top + m)
    return padded.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS, box=box), x0, y0
