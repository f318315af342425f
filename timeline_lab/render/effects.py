"""Clip effects and colour correction as libavfilter steps (no eq/boxblur in this FFmpeg build)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import RenderError

if TYPE_CHECKING:
    from ..model.properties import ColorCorrection, Effect
    from .graph import Step

__all__ = [
    "ALPHA_EFFECTS",
    "TIMING_EFFECTS",
    "color_steps",
    "effect_steps",
    "fade_steps",
    "timing_steps",
]

ALPHA_EFFECTS = frozenset({"chroma_key"})
"""Effects whose output has transparency, so the clip must be composited."""

TIMING_EFFECTS = frozenset({"reverse", "freeze"})
"""Effects applied after conforming to the project frame grid (they act on timeline frames)."""


def _num(x: float) -> str:
    return f"{x:.6g}"


def color_steps(c: ColorCorrection) -> list[Step]:
    """Brightness/contrast/gamma on luma with lutyuv; saturation and hue with the hue filter."""
    steps: list[Step] = []
    if c.brightness or c.contrast != 1 or c.gamma != 1:
        expr = (
            f"clip(pow(clip((val/255-0.5)*{_num(c.contrast)}+0.5+{_num(c.brightness)},0,1),"
            f"1/{_num(c.gamma)})*255,0,255)"
        )
        steps.append(("lutyuv", f"y={expr}"))
    if c.saturation != 1 or c.hue:
        steps.append(("hue", f"h={_num(c.hue)}:s={_num(c.saturation)}"))
    return steps


def effect_steps(fx: Effect) -> list[Step]:
    """Steps for one spatial effect on the clip's own pixels (before it is scaled and placed)."""
    p = fx.params
    kind = fx.kind
    if kind == "blur":
        return [("gblur", f"sigma={_num(p['sigma'])}")]
    if kind == "sharpen":
        return [("unsharp", f"lx=5:ly=5:la={_num(p['amount'])}:cx=5:cy=5:ca=0")]
    if kind == "vignette":
        return [("vignette", f"angle={_num(p['angle'])}")]
    if kind == "grain":
        return [("noise", f"alls={int(p['strength'])}:allf=t+u")]
    if kind == "chroma_key":
        color = str(p["color"]).replace("#", "0x")
        return [
            ("format", "yuva420p"),
            ("chromakey", f"color={color}:similarity={_num(p['similarity'])}:blend={_num(p['blend'])}"),
        ]
    if kind == "lut":
        return [("lut3d", f"file={_escape_path(str(p['path']))}")]
    if kind in TIMING_EFFECTS or kind in ("fade_in", "fade_out"):
        return []
    raise RenderError(f"effect {kind!r} has no renderer (plugins provide their own)")


def timing_steps(fx: Effect, frames: int) -> list[Step]:
    """Reverse / freeze on the clip's conformed frames (``frames`` long, pts = frame index)."""
    if fx.kind == "reverse":
        return [("reverse", ""), ("setpts", "N")]
    if fx.kind == "freeze":
        f = min(int(fx.params["frame"]), frames - 1)
        return [
            ("trim", f"start_frame={f}:end_frame={f + 1}"),
            ("loop", f"loop={frames - 1}:size=1:start=0"),
            ("setpts", "N"),
        ]
    return []


def fade_steps(effects: list[Effect], frames: int, *, alpha: bool, offset: int = 0) -> list[Step]:
    """Picture fade in/out over the clip's own ``frames`` (after ``offset`` frames of handle)."""
    steps: list[Step] = []
    for fx in effects:
        if not fx.enabled or fx.kind not in ("fade_in", "fade_out"):
            continue
        n = min(int(fx.params["frames"]), frames)
        start = offset if fx.kind == "fade_in" else offset + frames - n
        t = "in" if fx.kind == "fade_in" else "out"
        extra = ":alpha=1" if alpha else f":color={fx.params['color']}"
        steps.append(("fade", f"t={t}:s={start}:n={n}{extra}"))
    return steps


def _escape_path(path: str) -> str:
    """Option-level escaping so a path with ':' or '\\' survives the options parser."""
    return path.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
