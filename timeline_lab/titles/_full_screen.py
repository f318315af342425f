"""Full-screen titles and captions: one text block that fades (and rises) in and fades out."""

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

__all__ = ["caption", "full_screen"]


def full_screen(
    project: Project,
    text: str,
    *,
    duration: int | None = None,
    in_frames: int = 15,
    out_frames: int = 15,
    rise: int = 0,
    size: int | None = None,
    font: str | None = None,
    color: str = "#ffffff",
    card: str | None = None,
    padding: int | None = None,
    y: float = 0.5,
) -> Title:
    """Big centred text that fades in (rising ``rise`` px as it does) and fades out; one layer.

    ``card``: a background colour behind the text (a box ``padding`` px around it), or None.
    """
    s = project.settings
    rate = Fraction(s.frame_rate)
    total = duration if duration is not None else round(4 * rate)
    fs = size or max(8, round(s.height * 0.1))
    pad = padding if padding is not None else round(fs * 0.5)
    style = TextStyle(font=font, font_size=fs, color=color, box_color=card, box_padding=pad, shadow_offset=0)
    clip = _faded("full_screen:text", text, style, project, total, in_frames, out_frames, rise, 0.5, y)
    return Title("full_screen", ((clip,),), rate)


def caption(
    project: Project,
    text: str,
    *,
    duration: int | None = None,
    fade_frames: int = 4,
    size: int | None = None,
    font: str | None = None,
    color: str = "#ffffff",
    box_color: str | None = "#000000b0",
    margin: float = SAFE,
) -> Title:
    """A subtitle-style line: centred, its box resting on the title-safe bottom, short fades."""
    s = project.settings
    rate = Fraction(s.frame_rate)
    total = duration if duration is not None else round(3 * rate)
    fs = size or max(8, round(s.height * 0.045))
    style = TextStyle(font=font, font_size=fs, color=color, box_color=box_color, box_padding=round(fs * 0.3))
    block = measure_text(text, style)
    y = (s.height * (1 - margin) - block.height / 2) / s.height
    clip = _faded("caption:text", text, style, project, total, fade_frames, fade_frames, 0, 0.5, y)
    return Title("caption", ((clip,),), rate)


def _faded(
    name: str,
    text: str,
    style: TextStyle,
    project: Project,
    total: int,
    in_frames: int,
    out_frames: int,
    rise: int,
    x: float,
    y: float,
) -> TextClip:
    """One title whose opacity (and y, when it rises) is keyframed in and out."""
    template = name.partition(":")[0]
    if not text.strip():
        raise ProjectError(f"{template}: the text is empty")
    if in_frames < 0 or out_frames < 0 or total < in_frames + out_frames + 2:
        msg = f"{template}: duration {total} frames does not fit fades of {in_frames} in and {out_frames} out"
        raise ProjectError(msg)
    s = project.settings
    block = measure_text(text, style)
    if block.width + block.shadow > s.width or block.height + block.shadow > s.height:
        raise ProjectError(
            f"{template}: the text ({block.width}x{block.height} px) is larger than the canvas"
        )
    rate, last = Fraction(s.frame_rate), total - 1
    fade: list[Point] = (
        [(0, 0.0, "linear"), (in_frames, 1.0, "linear")] if in_frames else [(0, 1.0, "linear")]
    )
    fade += [(last - out_frames, 1.0, "linear"), (last, 0.0, "linear")] if out_frames else []
    frames = {"opacity": keyframes(fade, rate)}
    if rise and in_frames:
        frames["y"] = keyframes([(0, y + rise / s.height, "ease_out"), (in_frames, y, "linear")], rate)
    return TextClip(
        name=name,
        text=text,
        duration=RationalTime.from_frames(total, rate),
        style=style,
        x=x,
        y=y,
        keyframes=frames,
    )
