"""Keyframed placement, opacity, colour and blur of a clip's picture (see ``animate.py``).

A clip whose position, anchor, rotation or opacity is keyframed is placed with an overlay onto a
transparent canvas (x/y evaluated per frame) instead of the static pad, so it may move partly or
wholly off the canvas on some frames. Sizes stay constant: a keyframed rotation turns inside a
square box as wide as the picture's diagonal, so no angle is clipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from .animate import PICTURE_ANIMATED, Commanded, curve, expression, pieces
from .graph import q

if TYPE_CHECKING:
    from ...model.items import Clip, TextClip
    from ...model.properties import ColorCorrection, Effect
    from .graph import Builder, ChainItem, Step

__all__ = ["OnCanvas", "animated_blur", "animated_color", "is_moving", "moving_placement", "moving_text"]


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


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


def moving_placement(
    clip: Clip, sw: int, sh: int, width: int, height: int, rate: Fraction, total: int, before: int, tag: str
) -> list[ChainItem]:
    """Scale to ``sw`` x ``sh``, fade by opacity, rotate, and overlay at the keyframed position.

    Chain frame k shows clip frame ``k - before``; its top-left corner is
    ``floor(W/2 + x + (1/2 - anchor_x) * sw - box_w/2 + 1/2)`` (and the same for y).
    """

    def values(path: str) -> list[float]:
        return [v for v, _ in curve(clip, path, rate, -before, total)]

    def expr(path: str, var: str) -> str:
        return expression(pieces(curve(clip, path, rate, -before, total)), var)

    t = clip.transform
    steps: list[ChainItem] = [("scale", f"w={sw}:h={sh}"), ("format", "rgba")]
    if "opacity" in clip.keyframes:
        steps.append(Commanded("colorchannelmixer", "", ("aa",), tuple(values("opacity")), rate, f"{tag}op"))
    elif clip.opacity < 1:
        steps.append(("colorchannelmixer", f"aa={clip.opacity:.6g}"))
    # filters' frame counters differ between FFmpeg versions (some count from 1): the frame's
    # time gives its index in the chain on every one
    frame = f"floor(t*{q(rate)}+0.5)"
    if "transform.rotation" in clip.keyframes:
        bw = bh = _even(math.ceil(math.hypot(sw, sh)))
        angle = expr("transform.rotation", frame)
        steps.append(("rotate", f"a=({angle})*PI/180:c=black@0:ow={bw}:oh={bh}"))
    elif t.rotation:
        theta = math.radians(t.rotation)
        bw = _even(abs(sw * math.cos(theta)) + abs(sh * math.sin(theta)))
        bh = _even(abs(sw * math.sin(theta)) + abs(sh * math.cos(theta)))
        steps.append(("rotate", f"a={theta:.9f}:c=none:ow={bw}:oh={bh}"))
    else:
        bw, bh = sw, sh
    x0, y0 = width / 2 - bw / 2 + 0.5, height / 2 - bh / 2 + 0.5
    x = f"floor({expr('transform.x', frame)}+(0.5-{expr('transform.anchor_x', frame)})*{sw}+{x0!r})"
    y = f"floor({expr('transform.y', frame)}+(0.5-{expr('transform.anchor_y', frame)})*{sh}+{y0!r})"
    steps += [OnCanvas(width, height, rate, total, x, y), ("setsar", "1"), ("format", "yuva420p")]
    return steps


def animated_color(
    clip: Clip, c: ColorCorrection, rate: Fraction, total: int, before: int
) -> list[Step] | None:
    """Saturation and hue through ``hue``'s per-frame expressions; None when neither is keyframed."""
    if "color.saturation" not in clip.keyframes and "color.hue" not in clip.keyframes:
        return None
    s = expression(pieces(curve(clip, "color.saturation", rate, -before, total)))
    h = expression(pieces(curve(clip, "color.hue", rate, -before, total)))
    return [("hue", f"h={h}:s={s}")]


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
    item: TextClip, width: int, height: int, rate: Fraction, frames: int, tag: str
) -> list[ChainItem]:
    """A title drawn at its own x/y, shifted per frame to its keyframed x/y and faded by opacity.

    The title is rasterized once (a whole canvas, its block centred at ``x * W``, ``y * H``; fully
    opaque when its opacity is keyframed); frame k moves it by ``floor((x(k) - x) * W + 1/2)``
    pixels (and the same for y) and scales its alpha by ``opacity(k)``.
    """
    steps: list[ChainItem] = [("format", "rgba")]
    if "opacity" in item.keyframes:
        values = tuple(v for v, _ in curve(item, "opacity", rate, 0, frames))
        steps.append(Commanded("colorchannelmixer", "", ("aa",), values, rate, f"{tag}op"))
    if "x" in item.keyframes or "y" in item.keyframes:
        frame = f"floor(t*{q(rate)}+0.5)"
        dx = expression(pieces(curve(item, "x", rate, 0, frames)), frame)
        dy = expression(pieces(curve(item, "y", rate, 0, frames)), frame)
        x = f"floor(({dx}-{item.x!r})*{width}+0.5)"
        y = f"floor(({dy}-{item.y!r})*{height}+0.5)"
        steps.append(OnCanvas(width, height, rate, frames, x, y))
    return steps
