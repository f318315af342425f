"""The lower third: a bar slides in from the left, name and role fade in on it, all leave the same way."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from ..model.items import TextClip
from ..model.properties import TextStyle
from ..model.time import RationalTime
from ..render.compile.text import measure_text
from ._title import SAFE, Point, Title, keyframes

if TYPE_CHECKING:
    from ..model.project import Project

__all__ = ["lower_third"]


def lower_third(
    project: Project,
    name: str,
    role: str = "",
    *,
    duration: int | None = None,
    in_frames: int = 12,
    out_frames: int = 12,
    text_delay: int | None = None,
    text_fade: int = 8,
    name_size: int | None = None,
    role_size: int | None = None,
    font: str | None = None,
    color: str = "#ffffff",
    bar_color: str = "#1e3a8ae6",
    padding: int | None = None,
    margin: float = SAFE,
) -> Title:
    """Name and role on a bar at the title-safe bottom left; three layers: bar, name, role.

    Parameters
    ----------
    duration, in_frames, out_frames
        Frames on screen (default 5 s), of the bar's slide in from the left and out again.
    text_delay, text_fade
        When the text starts fading in (default: as the bar arrives) and for how many frames;
        it fades out the same way before the bar leaves.
    margin
        Distance of the bar from the left and bottom edges, a fraction of the canvas.
    """
    s = project.settings
    width, height, rate = s.width, s.height, Fraction(s.frame_rate)
    total = duration if duration is not None else round(5 * rate)
    ns = name_size or max(8, round(height * 0.05))
    rs = role_size or max(8, round(ns * 0.7))
    pad = padding if padding is not None else round(ns * 0.4)
    delay = in_frames if text_delay is None else text_delay
    _check_timing(total, in_frames, out_frames, delay, text_fade)
    if not name.strip():
        raise ProjectError("lower_third: the name is empty")
    base = TextStyle(font=font, color=color, align="left", shadow_offset=0)
    bar_style = base.model_copy(
        update={"font_size": max(ns, rs), "color": "#00000000", "box_color": bar_color, "box_padding": pad}
    )
    # the bar is the name and role drawn invisibly in a box: it fits them whatever the font
    bar = measure_text(f"{name}\n{role}" if role else name, bar_style)
    left, bottom = round(margin * width), height - round(margin * height)
    top = bottom - bar.height
    if left + bar.width > width - left or top < 0:
        dims = f"{bar.width}x{bar.height} px"
        msg = f"lower_third: the bar ({dims}) does not fit the safe area of the {width}x{height} canvas"
        raise ProjectError(msg)
    x_in, x_out = (left + bar.width / 2) / width, -(bar.width / 2 + 1) / width
    last = total - 1
    slide: list[Point] = [(0, x_out, "ease_out"), (in_frames, x_in, "linear")]
    slide += [(last - out_frames, x_in, "ease_in"), (last, x_out, "linear")] if out_frames else []
    fade: list[Point] = [(delay, 0.0, "linear"), (delay + text_fade, 1.0, "linear")]
    fade += [(last - out_frames - text_fade, 1.0, "linear"), (last - out_frames, 0.0, "linear")]
    length = RationalTime.from_frames(total, rate)
    layers = [
        TextClip(
            name="lower_third:bar",
            text=f"{name}\n{role}" if role else name,
            duration=length,
            style=bar_style,
            x=x_in,
            y=(top + bar.height / 2) / height,
            keyframes={"x": keyframes(_distinct(slide), rate)},
        )
    ]
    parts = [("name", name, ns, top + pad)] + ([("role", role, rs, top + pad + bar.pitch)] if role else [])
    for part, text, size, text_top in parts:
        style = base.model_copy(update={"font_size": size})
        m = measure_text(text, style)
        layers.append(
            TextClip(
                name=f"lower_third:{part}",
                text=text,
                duration=length,
                style=style,
                x=(left + pad + m.width / 2) / width,
                y=(text_top + m.height / 2) / height,
                keyframes={"opacity": keyframes(_distinct(fade), rate)},
            )
        )
    return Title("lower_third", tuple((c,) for c in layers), rate)


def _check_timing(total: int, in_frames: int, out_frames: int, delay: int, fade: int) -> None:
    """Refuse timings that do not fit the title's frames, saying how many they need."""
    if min(in_frames, out_frames, delay) < 0 or fade < 1:
        raise ProjectError("lower_third: in_frames, out_frames, text_delay must be >= 0, text_fade >= 1")
    need = max(in_frames, delay + fade) + fade + out_frames + 2
    if total < need:
        msg = f"lower_third: duration {total} frames is too short for its animation (needs at least {need})"
        raise ProjectError(msg)


def _distinct(points: list[Point]) -> list[Point]:
    """Points at increasing frames: of two at one frame (a zero-length slide in) the later wins."""
    out: list[Point] = []
    for p in points:
        if out and out[-1][0] == p[0]:
            out[-1] = p
        else:
            out.append(p)
    return out
