"""End credits that roll from below the frame to above it at an exact speed in pixels per frame.

A title's y is the centre of its block and its picture is one canvas, so credits taller than the
frame roll as *chunks*: consecutive runs of lines, each a TextClip no taller than the canvas whose
y keyframes move it linearly at the roll's speed, on as many tracks as overlap (two or three). On
roll frame k a line's top is ``height + line * pitch - speed * k``: every chunk follows the same
roll, so the lines stay evenly spaced across chunk boundaries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from ..model.items import TextClip
from ..model.properties import TextStyle
from ..model.time import RationalTime
from ..render.compile.text import measure_text
from ._title import Point, Title, keyframes

if TYPE_CHECKING:
    from ..model.project import Project

__all__ = ["credit_lines", "credits_roll"]

Credit = str | tuple[str, str]
"""A heading (one line) or a (role, name) pair."""


def credit_lines(credits: Sequence[Credit], spacing: int = 1) -> list[str]:
    """The roll's lines, centred: a heading is a line, a pair is role then name; ``spacing`` blank between."""
    lines: list[str] = []
    for n, entry in enumerate(credits):
        if n:
            lines += [""] * spacing
        lines += [entry] if isinstance(entry, str) else [entry[0], entry[1]]
    return lines


def credits_roll(
    project: Project,
    credits: Sequence[Credit],
    *,
    speed: int | Fraction = 2,
    size: int | None = None,
    font: str | None = None,
    color: str = "#ffffff",
    spacing: int = 1,
    line_spacing: float = 1.4,
) -> Title:
    """Credits rolling up from just below the frame until the last line has left the top.

    ``speed``: pixels per frame (an exact rational); the whole roll lasts as long as it takes.
    """
    s = project.settings
    width, height, rate = s.width, s.height, Fraction(s.frame_rate)
    px = Fraction(speed)
    if not 0 < px <= Fraction(height, 4):
        raise ProjectError(f"credits_roll: speed must be within 0..{height / 4:g} px per frame (got {speed})")
    lines = credit_lines(credits, spacing)
    if not any(line.strip() for line in lines):
        raise ProjectError("credits_roll: no credits to roll")
    style = TextStyle(
        font=font, font_size=size or max(8, round(height * 0.04)), color=color, line_spacing=line_spacing
    )
    spans: list[tuple[int, int, TextClip]] = []
    for first, chunk in _chunks(lines, style, height):
        m = measure_text("\n".join(chunk), style)
        if m.width > width:
            raise ProjectError(f"credits_roll: line {chunk!r} is wider than the {width} px canvas")
        if not "".join(chunk).strip():
            continue
        top = height + first * m.pitch  # on roll frame 0
        start = max(0, math.floor((top - height) / px))
        end = math.ceil((top + m.height + m.shadow) / px)  # its last pixel row has left the top

        def centre(k: int, top: int = top, h: int = m.height) -> float:
            return float((top - px * k + Fraction(h, 2)) / height)

        points: list[Point] = [(0, centre(start), "linear")]
        if end - start > 1:
            points.append((end - start - 1, centre(end - 1), "linear"))
        clip = TextClip(
            name=f"credits_roll:{first}",
            text="\n".join(chunk),
            start=RationalTime.from_frames(start, rate),
            duration=RationalTime.from_frames(end - start, rate),
            style=style,
            x=0.5,
            y=0.5,
            keyframes={"y": keyframes(points, rate)},
        )
        spans.append((start, end, clip))
    return Title("credits_roll", _tracks(spans), rate)


def _chunks(lines: list[str], style: TextStyle, height: int) -> list[tuple[int, list[str]]]:
    """Runs of lines (first line index, lines), each as tall as fits the canvas centred on it."""
    out: list[tuple[int, list[str]]] = []
    first = 0
    while first < len(lines):
        n = 1
        while first + n < len(lines) and _fits(lines[first : first + n + 1], style, height):
            n += 1
        if not _fits(lines[first : first + n], style, height):
            raise ProjectError(f"credits_roll: a line at {style.font_size} px is taller than the canvas")
        out.append((first, lines[first : first + n]))
        first += n
    return out


def _fits(chunk: list[str], style: TextStyle, height: int) -> bool:
    m = measure_text("\n".join(chunk), style)
    return m.height + 2 * m.shadow + 2 <= height


def _tracks(spans: list[tuple[int, int, TextClip]]) -> tuple[tuple[TextClip, ...], ...]:
    """Chunks on the fewest tracks where none overlaps another (first free track, in start order)."""
    ends: list[int] = []
    layers: list[list[TextClip]] = []
    for start, end, clip in sorted(spans, key=lambda s: s[0]):
        n = next((i for i, e in enumerate(ends) if e <= start), len(ends))
        if n == len(ends):
            ends.append(end)
            layers.append([])
        ends[n] = end
        layers[n].append(clip)
    return tuple(tuple(layer) for layer in layers)
