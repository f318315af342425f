"""Text rasterized with Pillow into full-canvas RGBA images (this FFmpeg build has no drawtext/libass)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageColor, ImageDraw, ImageFont

from ...errors import RenderError
from .text_cache import font_stamp, text_cache_dir, text_image

if TYPE_CHECKING:
    from ...model.properties import TextStyle

__all__ = ["TextMeasure", "measure_text", "render_text", "text_cache_dir", "text_image"]

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGBA = tuple[int, int, int, int]


def _color(style: TextStyle, field: str) -> RGBA:
    value = getattr(style, field)
    try:
        rgba = ImageColor.getcolor(value, "RGBA")
    except (ValueError, TypeError, AttributeError):
        rgba = ()
    if not isinstance(rgba, tuple) or len(rgba) != 4:
        hint = "use '#rgb', '#rrggbb', '#rrggbbaa' or a colour name"
        raise ValueError(f"text style {field}: bad colour {value!r} ({hint})")
    return rgba[0], rgba[1], rgba[2], rgba[3]


def _load_font(path: str | None, size: int) -> Font:
    """The font at ``path``, loaded again when the file changes (the title cache's key follows the
    file's stamp: a font held from before would be drawn under the new key)."""
    if path is None:
        return _font(None, size, None)
    stamp = font_stamp(path)
    if stamp is None:
        raise RenderError(f"font file not found: {Path(path).expanduser()}")
    return _font(stamp[0], size, stamp)


@functools.lru_cache(maxsize=32)
def _font(path: str | None, size: int, stamp: tuple[str, int, int] | None) -> Font:
    if path is None:
        return ImageFont.load_default(size=size)
    try:
        return ImageFont.truetype(path, size)
    except OSError as exc:
        raise RenderError(f"font file {path} cannot be read as TrueType/OpenType: {exc}") from None


def _mask(size: tuple[int, int]) -> Image.Image:
    return Image.new("L", size, 0)


def _layer(mask: Image.Image, color: RGBA) -> Image.Image:
    """A flat colour whose alpha is ``mask`` scaled by the colour's own alpha (straight alpha)."""
    layer = Image.new("RGBA", mask.size, color)
    alpha = mask if color[3] == 255 else mask.point(lambda v: (v * color[3] + 127) // 255)
    layer.putalpha(alpha)
    return layer


def render_text(
    text: str,
    style: TextStyle,
    canvas: tuple[int, int],
    x: float = 0.5,
    y: float = 0.9,
    opacity: float = 1.0,
    *,
    box_radius: int = 0,
) -> Image.Image:
    """A canvas-sized RGBA image with ``text`` centred at (x*W, y*H), so the renderer overlays at 0:0.

    The block (box when there is one, else the text with its outline) is centred on the point and
    then moved to stay inside the canvas; a block larger than the canvas is pinned to the top-left.
    Line pitch is ``font_size * line_spacing``; the shadow is the outlined text, offset down-right.
    """
    width, height = canvas
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas: must be positive, got {canvas}")
    if not 0 <= opacity <= 1:
        raise ValueError(f"opacity: must be between 0 and 1, got {opacity}")
    fill = _color(style, "color")
    outline = _color(style, "outline_color")
    shadow = _color(style, "shadow_color")
    box = _color(style, "box_color") if style.box_color is not None else None
    font = _load_font(style.font, style.font_size)
    out = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    lines = text.split("\n")
    if not text.strip() or opacity == 0:
        return out

    block = _Block.measure(lines, style, font, boxed=box is not None)
    fill_mask, stroke_mask = _text_masks(lines, block, font, style.align)
    image = Image.new("RGBA", block.size, (0, 0, 0, 0))
    if box is not None:
        image.alpha_composite(_layer(_box_mask(block, box_radius), box))
    if block.shadow and shadow[3]:
        silhouette = stroke_mask if block.outline else fill_mask
        image.alpha_composite(_layer(_shifted(silhouette, block.shadow), shadow))
    if block.outline:
        image.alpha_composite(_layer(stroke_mask, outline))
    image.alpha_composite(_layer(fill_mask, fill))
    if opacity < 1:
        image.putalpha(image.getchannel("A").point(lambda a: round(a * opacity)))

    left = round(x * width - block.width / 2)
    top = round(y * height - block.height / 2)
    left = max(0, min(left, width - block.size[0]))
    top = max(0, min(top, height - block.size[1]))
    out.paste(image, (left, top))
    return out


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
    font = _load_font(style.font, style.font_size)
    block = _Block.measure(text.split("\n"), style, font, boxed=style.box_color is not None)
    return TextMeasure(block.width, block.height, block.pitch, block.shadow)


@dataclass(frozen=True)
class _Block:
    """The text block's measures: each line's width, line pitch, outline, box padding, shadow offset."""

    widths: list[int]
    pitch: int
    outline: int
    pad: int
    width: int
    height: int
    shadow: int

    @classmethod
    def measure(cls, lines: list[str], style: TextStyle, font: Font, *, boxed: bool) -> _Block:
        """The block of ``lines`` in ``font``: the box when there is one, else the outlined text."""
        sw = style.outline_width
        pitch = round(style.font_size * style.line_spacing)
        ascent, descent = (
            font.getmetrics() if isinstance(font, ImageFont.FreeTypeFont) else (style.font_size, 0)
        )
        widths = [round(font.getlength(line)) for line in lines]
        text_w = max(widths) + 2 * sw
        text_h = (len(lines) - 1) * pitch + ascent + descent + 2 * sw
        pad = style.box_padding if boxed else 0
        return cls(widths, pitch, sw, pad, text_w + 2 * pad, text_h + 2 * pad, style.shadow_offset)

    @property
    def size(self) -> tuple[int, int]:
        """The image drawn into: the block plus room for the shadow on the right and bottom."""
        return self.width + self.shadow, self.height + self.shadow


def _text_masks(lines: list[str], block: _Block, font: Font, align: str) -> tuple[Image.Image, Image.Image]:
    """Coverage of the letters, and of the letters with their outline (blank without one)."""
    fill_mask, stroke_mask = _mask(block.size), _mask(block.size)
    draw_fill, draw_stroke = ImageDraw.Draw(fill_mask), ImageDraw.Draw(stroke_mask)
    sw = block.outline
    for n, (line, w) in enumerate(zip(lines, block.widths, strict=True)):
        slack = max(block.widths) - w
        dx = {"left": 0, "center": slack // 2, "right": slack}[align]
        pos = (block.pad + sw + dx, block.pad + sw + n * block.pitch)
        draw_fill.text(pos, line, fill=255, font=font, anchor="la")
        if sw:
            draw_stroke.text(pos, line, fill=255, font=font, anchor="la", stroke_width=sw, stroke_fill=255)
    return fill_mask, stroke_mask


def _box_mask(block: _Block, radius: int) -> Image.Image:
    """The background box over the whole block, corners rounded by ``radius``."""
    box_mask = _mask(block.size)
    shape = (0, 0, block.width - 1, block.height - 1)
    ImageDraw.Draw(box_mask).rounded_rectangle(shape, radius=max(0, radius), fill=255)
    return box_mask


def _shifted(silhouette: Image.Image, offset: int) -> Image.Image:
    """``silhouette`` moved ``offset`` pixels down and right, within the same size: the shadow."""
    size = silhouette.size
    shifted = _mask(size)
    shifted.paste(silhouette.crop((0, 0, size[0] - offset, size[1] - offset)), (offset, offset))
    return shifted
