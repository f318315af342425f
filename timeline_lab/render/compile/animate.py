"""Keyframed properties as filter parameters that change per frame, exact at every frame time.

Two forms, both built from the model's own values at each frame (``model.keyframes.sample``):

* an expression over a counter (``n``: the frame, or the sample in ``aeval``) for filters whose
  options are evaluated per frame (overlay x/y, rotate, hue) or per sample (aeval): a balanced
  ``if(lt(n,...))`` tree of linear pieces. A run of frames on one linear or held keyframe segment
  is one piece; an eased segment is one piece per frame, linear between the frame values, so the
  expression equals the model's value at every frame (and, for sound, at each frame's first
  sample) and costs O(log pieces) to evaluate;
* ``sendcmd`` commands for filters that only take new values as commands (colorchannelmixer's
  alpha gain, gblur's sigma, lutyuv's luma curve): one command per change, timed half a frame
  before the frame.

Brightness, contrast and gamma stay on ``lutyuv`` (the static grade's filter, so a frame equals a
static render of its values): its expressions have no frame or time variable (the table is built
when the filter configures), but lut accepts its expressions as commands and rebuilds the table
(FFmpeg 5.1's CLI and PyAV's FFmpeg alike), so each frame whose values change gets the luma curve
of those values, the very expression a static grade uses (``effects.luma_expression``). A
per-pixel ``geq`` would take a frame expression but evaluates it for every pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...model.keyframes import sample

if TYPE_CHECKING:
    from ...model.items import Clip, TextClip
    from ...model.keyframes import KeyframeSample
    from .graph import Builder

__all__ = [
    "CROPPED",
    "PICTURE_ANIMATED",
    "Commanded",
    "Piece",
    "check_renderable",
    "curve",
    "expression",
    "pieces",
]

PICTURE_ANIMATED = frozenset(
    {
        "opacity",
        "transform.x",
        "transform.y",
        "transform.rotation",
        "transform.anchor_x",
        "transform.anchor_y",
        "transform.scale_x",
        "transform.scale_y",
    }
)
"""Keyframed properties that place the clip through the animated placement (an overlay)."""

_COLOR = {"color.saturation", "color.hue", "color.brightness", "color.contrast", "color.gamma"}
CROPPED = frozenset({"crop.left", "crop.top", "crop.right", "crop.bottom"})
"""Keyframed crop edges (``motion.animated_crop``)."""
_RENDERED = PICTURE_ANIMATED | CROPPED | _COLOR | {"volume", "speed"}
_TEXT = frozenset({"opacity", "x", "y"})
_EFFECT_PARAMS = {"blur": {"sigma"}}


def check_renderable(clip: Clip | TextClip) -> None:
    """Refuse, naming clip and property, a keyframed property no render path can animate yet."""
    for path in clip.keyframes:
        if path in (_TEXT if clip.type == "text" else _RENDERED):
            continue
        if path.startswith("effects["):
            key, _, param = path[len("effects[") :].partition("].")
            effects = getattr(clip, "effects", [])
            fx = next((e for e in effects if e.id == key), None)
            if fx is None and key.isdigit():
                fx = effects[int(key)]
            if fx is not None and param in _EFFECT_PARAMS.get(fx.kind, ()):
                continue
        rendered = ", ".join(sorted(_RENDERED | {"effects[...].sigma (blur)"}))
        msg = f"clip {clip.label()!r}: keyframed {path!r} cannot be rendered yet (rendered: {rendered})"
        raise RenderError(msg)


@dataclass(frozen=True)
class Piece:
    """``a + b * (n - x0)`` for ``x0 <= n < x1`` (the last piece runs on past ``x1``)."""

    x0: int
    x1: int
    a: float
    b: float


def curve(clip: Clip | TextClip, path: str, rate: Fraction, first: int, count: int) -> list[KeyframeSample]:
    """The property's value at each of ``count`` clip frames from ``first`` (handles negative)."""
    return sample(clip, path, rate, first, count)


def pieces(values: list[KeyframeSample], at: list[int] | None = None) -> list[Piece]:
    """Linear pieces through the values; ``at[k]`` is where frame k starts on the counter (n = k)."""
    xs = at if at is not None else list(range(len(values) + 1))
    out: list[Piece] = []
    k = 0
    while k < len(values):
        v, key = values[k]
        end = k + 1
        if key is None:  # eased: linear to the next frame's value
            nxt = values[k + 1][0] if k + 1 < len(values) else v
            span = xs[k + 1] - xs[k]
            out.append(Piece(xs[k], xs[k + 1], v, (nxt - v) / span if span else 0.0))
            k = end
            continue
        while end < len(values) and values[end][1] == key:
            end += 1
        last_v = values[end - 1][0]
        span = xs[end - 1] - xs[k]
        slope = (last_v - v) / span if span and last_v != v else 0.0
        out.append(Piece(xs[k], xs[end], v, slope))
        k = end
    return out


def _num(x: float) -> str:
    """A float as the shortest text that reads back as the same double (FFmpeg parses with strtod)."""
    return repr(float(x)) if x != int(x) or abs(x) > 2**53 else str(int(x))


def _leaf(p: Piece, var: str) -> str:
    if p.b == 0:
        return _num(p.a)
    return f"({_num(p.a)}+{_num(p.b)}*({var}-{p.x0}))"


def _tree(ps: list[Piece], var: str) -> str:
    if len(ps) == 1:
        return _leaf(ps[0], var)
    mid = len(ps) // 2
    return f"if(lt({var},{ps[mid].x0}),{_tree(ps[:mid], var)},{_tree(ps[mid:], var)})"


def expression(ps: list[Piece], var: str = "n") -> str:
    """The pieces as one FFmpeg expression in ``var``: O(log pieces) comparisons per evaluation."""
    merged: list[Piece] = []
    for p in ps:  # consecutive constant pieces of one value are one piece
        if merged and p.b == 0 and merged[-1].b == 0 and merged[-1].a == p.a:
            merged[-1] = Piece(merged[-1].x0, p.x1, p.a, 0.0)
        else:
            merged.append(p)
    return _tree(merged, var)


def _arg(v: float | str) -> str:
    """A command's argument as sendcmd reads it: an expression's commas and spaces escaped."""
    if isinstance(v, str):
        return "".join(f"\\{c}" if c in "\\ ,;\t\n\r\f" else c for c in v)
    return repr(v)


@dataclass(frozen=True)
class Commanded:
    """A graph fragment: filter ``flt`` whose ``options`` take a new value on the frames it changes."""

    flt: str
    args: str
    options: tuple[str, ...]
    values: tuple[float | str | tuple[float | str, ...], ...]
    """Per chain frame: a number, or an option text (an expression) without ``:`` or quotes, sent
    to every option; or a tuple of them, one per option."""
    rate: Fraction
    instance: str

    def _each(self, v: float | str | tuple[float | str, ...]) -> tuple[float | str, ...]:
        return v if isinstance(v, tuple) else (v,) * len(self.options)

    def _commands(self) -> str:
        tick = 1 / self.rate
        cmds: list[str] = []
        prev: float | str | tuple[float | str, ...] | None = None
        for k, v in enumerate(self.values):
            if v == prev:
                continue
            # sent when a frame at k/rate enters [k - 1/2, k + 1/2) frames: never a frame early or late
            start = max(Fraction(0), (k - Fraction(1, 2)) * tick)
            end = (k + Fraction(1, 2)) * tick
            sends = ", ".join(
                f"[enter] {self.flt}@{self.instance} {o} {_arg(x)}"
                for o, x in zip(self.options, self._each(v), strict=True)
            )
            cmds.append(f"{float(start):.9f}-{float(end):.9f} {sends}")
            prev = v
        return ";".join(cmds)

    def build(self, b: Builder, src: str, prefix: str) -> str:
        """A sendcmd (when the value ever changes) and the instance-named filter it drives."""
        pad = src
        first = self.values[0] if self.values else math.nan
        if any(v != first for v in self.values):
            b.add("sendcmd", f"c='{self._commands()}'", (pad,), (f"{prefix}cmd",))
            pad = f"{prefix}cmd"
        own = ":".join(
            f"{o}={x if isinstance(x, str) else repr(x)}"
            for o, x in zip(self.options, self._each(first), strict=True)
        )
        args = f"{self.args}:{own}" if self.args else own
        b.add(self.flt, args, (pad,), (f"{prefix}out",), self.instance)
        return f"{prefix}out"
