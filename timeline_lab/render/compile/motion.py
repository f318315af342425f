"""Keyframed placement, opacity, colour and blur of a clip's picture (see ``animate.py``).

A clip whose position, anchor, scale, rotation or opacity is keyframed is placed with an overlay
onto a transparent canvas (x/y evaluated per frame) instead of the static pad, so it may move
partly or wholly off the canvas on some frames. A keyframed rotation turns inside a square box as
wide as the picture's (largest) diagonal, so no angle is clipped; a keyframed scale resizes per
frame (``scale`` with ``eval=frame``), sizes and corners computed here as a static clip's are.

A keyframed crop shows at each frame what a static crop of that frame's edges (rounded to the
nearest pixel, halves up) shows: crop's size is fixed when it configures, but it takes new
w/h/x/y as commands and sends the new size on; the filter right after it is always the scale that
fits the picture to the canvas (``scale`` adapts to a new input size; the letterbox ``pad`` then
runs with ``eval=frame``, the placed picture goes through ``_scaled`` with per-frame fits), so the
crop moves from the chain's start to just before that scale. Filters between them would keep their
configured size: spatial effects (which see the cropped picture's size) are refused with it.
FFmpeg 5.1's CLI hangs on a crop resized by command: the printed ffmpeg command refuses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from .animate import CROPPED, PICTURE_ANIMATED, Commanded, curve, expression, pieces
from .colour import from_canvas, to_yuva
from .effects import color_steps, luma_expression
from .graph import q

if TYPE_CHECKING:
    from ...model.items import Clip, TextClip
    from ...model.keyframes import KeyframeSample
    from ...model.properties import ColorCorrection, Effect
    from .graph import Builder, ChainItem

__all__ = [
    "CROP_RESIZED",
    "OnCanvas",
    "animated_blur",
    "animated_color",
    "animated_crop",
    "cropped_placement",
    "is_cropping",
    "is_moving",
    "moving_placement",
    "moving_text",
    "text_shifts",
]


CROP_RESIZED = "kfcrop"
"""Instance name suffix of a crop resized by command (the printed ffmpeg command refuses it)."""


def is_cropping(clip: Clip) -> bool:
    """True when a crop edge is keyframed."""
    return any(p in CROPPED for p in clip.keyframes)


def crop_edges(clip: Clip, rate: Fraction, total: int, before: int) -> list[tuple[int, int, int, int]]:
    """Left, top, right, bottom per chain frame: the model's value rounded to a pixel (halves up)."""
    cols = [
        [max(0, math.floor(v + 0.5)) for v, _ in curve(clip, f"crop.{e}", rate, -before, total)]
        for e in ("left", "top", "right", "bottom")
    ]
    return list(zip(*cols, strict=True))


def animated_crop(clip: Clip, rate: Fraction, total: int, before: int, tag: str) -> Commanded | None:
    """The static crop's w/h/x/y, sent per frame on the frames they change (None: not keyframed)."""
    if not is_cropping(clip):
        return None
    per: tuple[tuple[float | str, ...], ...] = tuple(
        (f"iw-{left + right}", f"ih-{top + bottom}", str(left), str(top))
        for left, top, right, bottom in crop_edges(clip, rate, total, before)
    )
    return Commanded("crop", "exact=1", ("w", "h", "x", "y"), per, rate, f"{tag}{CROP_RESIZED}")


def cropped_placement(
    clip: Clip,
    src_w: int,
    src_h: int,
    width: int,
    height: int,
    rate: Fraction,
    total: int,
    before: int,
    tag: str,
    yuv_in: str = "",
    colour_range: str = "tv",
    *,
    unit: tuple[float, float] = (1.0, 1.0),
) -> list[ChainItem]:
    """A keyframed crop, placed: each frame fitted and placed as a static crop of its edges is.

    ``yuv_in``: the ``scale`` options saying what YUV the picture is in (``colour.from_canvas``);
    ``unit``: canvas pixels per project pixel (``Canvas.unit``), what the offsets are scaled by."""
    fits, fixed = [], []
    for left, top, right, bottom in crop_edges(clip, rate, total, before):
        cw, ch = src_w - left - right, src_h - top - bottom
        fit = min(width / cw, height / ch)
        fits.append((cw * fit, ch * fit))
        fixed.append(fitted(cw, ch, width, height))
    if clip.transform.is_identity and not is_moving(clip):
        return _scaled(clip, fits, width, height, rate, total, before, tag, yuv_in, colour_range, fixed)
    return _scaled(clip, fits, width, height, rate, total, before, tag, yuv_in, colour_range, unit=unit)


def is_moving(clip: Clip) -> bool:
    """True when a keyframed property needs the animated placement."""
    return any(p in PICTURE_ANIMATED for p in clip.keyframes)


@dataclass(frozen=True)
class OnCanvas:
    """A graph fragment: the picture overlaid at per-frame ``x``/``y`` on a transparent canvas."""

    width: int
    height: int
    rate: Fraction
    frames: int
    x: str
    y: str

    def build(self, b: Builder, src: str, prefix: str) -> str:
        """A transparent canvas as long as the clip's chain, and the overlay onto it."""
        bg = b.chain(
            "",
            f"{prefix}bg",
            [
                ("color", f"c=black@0:s={self.width}x{self.height}:r={q(self.rate)}"),
                ("format", "rgba"),
                ("trim", f"end_frame={self.frames}"),
            ],
        )
        b.join("overlay", f"x={self.x}:y={self.y}:eval=frame:format=rgb", [bg, src], f"{prefix}ov")
        return f"{prefix}ov"


def fitted(cw: int, ch: int, width: int, height: int) -> tuple[int, int, int, int]:
    """(width, height, x, y) of a ``cw`` x ``ch`` picture fitted into a ``width`` x ``height``
    canvas, centred: the one rule for the bottom layer and the layers above, so a clip is drawn
    alike whether or not a track lies under it (a preview's excerpt or a cluster segment may leave
    none). Even sizes halves up (FFmpeg's round), offsets on the chroma grid as pad puts them."""
    fit = min(Fraction(width, cw), Fraction(height, ch))
    sw = min(width, max(2, 2 * math.floor(cw * fit / 2 + Fraction(1, 2))))
    sh = min(height, max(2, 2 * math.floor(ch * fit / 2 + Fraction(1, 2))))
    return sw, sh, (width - sw) // 4 * 2, (height - sh) // 4 * 2


def even(x: float) -> int:
    """A picture side as an even number of pixels (at least 2), as 4:2:0 needs."""
    return max(2, round(x / 2) * 2)


def moving_placement(
    clip: Clip,
    fit: tuple[float, float],
    sw: int,
    sh: int,
    width: int,
    height: int,
    rate: Fraction,
    total: int,
    before: int,
    tag: str,
    yuv_in: str = "",
    colour_range: str = "tv",
    *,
    unit: tuple[float, float] = (1.0, 1.0),
) -> list[ChainItem]:
    """Scale to ``sw`` x ``sh``, fade by opacity, rotate, and overlay at the keyframed position.

    Chain frame k shows clip frame ``k - before``; its top-left corner is
    ``floor(W/2 + x * unit_x + (1/2 - anchor_x) * sw - box_w/2 + 1/2)`` (and the same for y), x
    being the project's pixels and ``unit`` canvas pixels per project pixel (``Canvas.unit``).
    """

    def values(path: str) -> list[float]:
        return [v for v, _ in curve(clip, path, rate, -before, total)]

    def expr(path: str, var: str) -> str:
        return expression(pieces(curve(clip, path, rate, -before, total)), var)

    t = clip.transform
    if "transform.scale_x" in clip.keyframes or "transform.scale_y" in clip.keyframes:
        fits = [fit] * total
        return _scaled(clip, fits, width, height, rate, total, before, tag, yuv_in, colour_range, unit=unit)
    steps: list[ChainItem] = [("scale", f"w={sw}:h={sh}{yuv_in or from_canvas()}"), ("format", "rgba")]
    if "opacity" in clip.keyframes:
        steps.append(Commanded("colorchannelmixer", "", ("aa",), tuple(values("opacity")), rate, f"{tag}op"))
    elif clip.opacity < 1:
        steps.append(("colorchannelmixer", f"aa={clip.opacity:.6g}"))
    # filters' frame counters differ between FFmpeg versions (some count from 1): the frame's
    # time gives its index in the chain on every one
    frame = f"floor(t*{q(rate)}+0.5)"
    if "transform.rotation" in clip.keyframes:
        bw = bh = even(math.ceil(math.hypot(sw, sh)))
        angle = expr("transform.rotation", frame)
        steps.append(("rotate", f"a=({angle})*PI/180:c=black@0:ow={bw}:oh={bh}"))
    elif t.rotation:
        theta = math.radians(t.rotation)
        bw = even(abs(sw * math.cos(theta)) + abs(sh * math.sin(theta)))
        bh = even(abs(sw * math.sin(theta)) + abs(sh * math.cos(theta)))
        steps.append(("rotate", f"a={theta:.9f}:c=none:ow={bw}:oh={bh}"))
    else:
        bw, bh = sw, sh
    x0, y0 = width / 2 - bw / 2 + 0.5, height / 2 - bh / 2 + 0.5
    ox, oy = _in_units(expr("transform.x", frame), unit[0]), _in_units(expr("transform.y", frame), unit[1])
    x = f"floor({ox}+(0.5-{expr('transform.anchor_x', frame)})*{sw}+{x0!r})"
    y = f"floor({oy}+(0.5-{expr('transform.anchor_y', frame)})*{sh}+{y0!r})"
    steps += [OnCanvas(width, height, rate, total, x, y), ("setsar", "1"), *to_yuva(colour_range)]
    return steps


def animated_color(
    clip: Clip, c: ColorCorrection, rate: Fraction, total: int, before: int, tag: str = "c"
) -> list[ChainItem] | None:
    """The whole grade when a colour property is keyframed (None when none is).

    Brightness/contrast/gamma: lutyuv's luma curve of each frame's values, sent by command on the
    frames it changes (``animate``); saturation and hue: ``hue``'s per-frame expressions. What is
    not keyframed is graded as the static grade does (``effects.color_steps``).
    """
    luma = ("color.brightness", "color.contrast", "color.gamma")
    chroma = ("color.saturation", "color.hue")
    if not any(p in clip.keyframes for p in (*luma, *chroma)):
        return None
    steps: list[ChainItem] = []
    if any(p in clip.keyframes for p in luma):
        bs, cs, gs = ([v for v, _ in curve(clip, p, rate, -before, total)] for p in luma)
        exprs = tuple(luma_expression(*v) for v in zip(bs, cs, gs, strict=True))
        steps.append(Commanded("lutyuv", "", ("y",), exprs, rate, f"{tag}lu"))
    else:
        steps += color_steps(c.model_copy(update={"saturation": 1.0, "hue": 0.0}))
    if any(p in clip.keyframes for p in chroma):
        s = expression(pieces(curve(clip, "color.saturation", rate, -before, total)))
        h = expression(pieces(curve(clip, "color.hue", rate, -before, total)))
        steps.append(("hue", f"h={h}:s={s}"))
    else:
        steps += color_steps(c.model_copy(update={"brightness": 0.0, "contrast": 1.0, "gamma": 1.0}))
    return steps


def animated_blur(
    clip: Clip, fx: Effect, index: int, rate: Fraction, total: int, before: int, tag: str
) -> ChainItem | None:
    """A blur whose sigma is keyframed (by effect id or index), changed by command per frame."""
    path = next(
        (p for p in (f"effects[{fx.id}].sigma", f"effects[{index}].sigma") if p in clip.keyframes), None
    )
    if path is None:
        return None
    sigmas = tuple(max(v, 0.0) for v, _ in curve(clip, path, rate, -before, total))
    # sigmaV follows sigma only when the filter starts: each command sets both
    return Commanded("gblur", "", ("sigma", "sigmaV"), sigmas, rate, f"{tag}bl{index}")


def moving_text(
    item: TextClip,
    width: int,
    height: int,
    rate: Fraction,
    frames: int,
    tag: str,
    origin: tuple[int, int] = (0, 0),
) -> list[ChainItem]:
    """A title drawn at its own x/y, shifted per frame to its keyframed x/y and faded by opacity.

    The title is rasterized once, its block centred at ``x * W``, ``y * H`` (fully opaque when its
    opacity is keyframed): a whole canvas, or, when x or y is keyframed, the block alone
    (``text.render_block``), whose top-left lies at ``origin`` on the canvas at its own x/y and is
    never kept on the canvas. Frame k moves it by ``floor((x(k) - x) * W + 1/2)`` pixels (and the
    same for y; halves up, see ``_pixel``) and scales its alpha by ``opacity(k)``.
    """
    steps: list[ChainItem] = [("format", "rgba")]
    if "opacity" in item.keyframes:
        values = tuple(v for v, _ in curve(item, "opacity", rate, 0, frames))
        steps.append(Commanded("colorchannelmixer", "", ("aa",), values, rate, f"{tag}op"))
    if "x" in item.keyframes or "y" in item.keyframes:
        frame = f"floor(t*{q(rate)}+0.5)"
        # whole pixels per frame, worked out here: a roll's half-pixel positions sat on the
        # rounding edge, where the filters' double arithmetic went either way (the text jittered a
        # pixel, and a preview's excerpt rounded otherwise than the render)
        dx = [origin[0] + d for d in text_shifts(item, "x", width, rate, frames)]
        dy = [origin[1] + d for d in text_shifts(item, "y", height, rate, frames)]
        x, y = expression(pieces(_steps_of(dx)), frame), expression(pieces(_steps_of(dy)), frame)
        steps.append(OnCanvas(width, height, rate, frames, x, y))
    return steps


def text_shifts(item: TextClip, axis: str, size: int, rate: Fraction, frames: int) -> list[int]:
    """A title's shift from its own x (or y) per frame, in whole pixels of a ``size`` wide canvas."""
    own = item.x if axis == "x" else item.y
    return [_pixel((v - own) * size) for v, _ in curve(item, axis, rate, 0, frames)]


def _in_units(offset: str, unit: float) -> str:
    """An expression of project pixels as canvas pixels (itself on the project's own canvas)."""
    return offset if unit == 1 else f"({offset})*{unit!r}"


def _pixel(offset: float) -> int:
    """A shift in pixels, halves up: float noise of a millionth of a pixel decides nothing."""
    return math.floor(offset + 0.5 + 1e-6)


def _steps_of(values: list[int]) -> list[KeyframeSample]:
    """Integers per frame as pieces that stay constant within each run of one value."""
    out: list[KeyframeSample] = []
    run = 0
    for k, v in enumerate(values):
        if k and v != values[k - 1]:
            run += 1
        out.append((float(v), run))
    return out


def _scaled(
    clip: Clip,
    fits: list[tuple[float, float]],
    width: int,
    height: int,
    rate: Fraction,
    total: int,
    before: int,
    tag: str,
    yuv_in: str = "",
    colour_range: str = "tv",
    fixed: list[tuple[int, int, int, int]] | None = None,
    *,
    unit: tuple[float, float] = (1.0, 1.0),
) -> list[ChainItem]:
    """A keyframed scale or crop: the picture's size changes per frame (``scale``, ``eval=frame``).

    ``fits[k]``: frame k's picture fitted to the canvas, before its scale (a keyframed crop's
    changes per frame).

    Every size and corner is computed here per frame, exactly as a static clip's: size
    ``even(fit * scale)``, corner ``floor(W/2 + x * unit + (1/2 - anchor) * size - box/2 + 1/2)``;
    a rotation turns inside a constant square box as wide as the largest diagonal.
    """

    def values(path: str) -> list[float]:
        return [v for v, _ in curve(clip, path, rate, -before, total)]

    frame = f"floor(t*{q(rate)}+0.5)"
    sws = [even(f[0] * s) for f, s in zip(fits, values("transform.scale_x"), strict=True)]
    shs = [even(f[1] * s) for f, s in zip(fits, values("transform.scale_y"), strict=True)]
    xs = [v * unit[0] for v in values("transform.x")]
    ys = [v * unit[1] for v in values("transform.y")]
    axs, ays = values("transform.anchor_x"), values("transform.anchor_y")
    turned = "transform.rotation" in clip.keyframes or clip.transform.rotation != 0
    side = even(math.ceil(max(math.hypot(w, h) for w, h in zip(sws, shs, strict=True))))
    bws = [side] * total if turned else sws
    bhs = [side] * total if turned else shs
    bx = [math.floor(width / 2 + xs[k] + (0.5 - axs[k]) * sws[k] - bws[k] / 2 + 0.5) for k in range(total)]
    by = [math.floor(height / 2 + ys[k] + (0.5 - ays[k]) * shs[k] - bhs[k] / 2 + 0.5) for k in range(total)]
    if fixed is not None:  # fitted and centred: as the bottom layer draws it (``fitted``)
        sws, shs, bx, by = (list(col) for col in zip(*fixed, strict=True))
        bws, bhs = sws, shs
    w, h = expression(pieces(_steps_of(sws)), frame), expression(pieces(_steps_of(shs)), frame)
    scale = ("scale", f"w={w}:h={h}:eval=frame{yuv_in or from_canvas()}")
    steps: list[ChainItem] = [scale, ("format", "rgba")]
    if "opacity" in clip.keyframes:
        steps.append(Commanded("colorchannelmixer", "", ("aa",), tuple(values("opacity")), rate, f"{tag}op"))
    elif clip.opacity < 1:
        steps.append(("colorchannelmixer", f"aa={clip.opacity:.6g}"))
    if turned:  # rotate reads its input's size once: it turns a constant box, the picture centred in it
        angle = expression(pieces(curve(clip, "transform.rotation", rate, -before, total)), frame)
        steps += [
            ("pad", f"w={side}:h={side}:x=(ow-iw)/2:y=(oh-ih)/2:color=black@0:eval=frame"),
            ("rotate", f"a=({angle})*PI/180:c=black@0:ow={side}:oh={side}"),
        ]
    x = expression(pieces(_steps_of(bx)), frame)
    y = expression(pieces(_steps_of(by)), frame)
    steps += [OnCanvas(width, height, rate, total, x, y), ("setsar", "1"), *to_yuva(colour_range)]
    return steps
