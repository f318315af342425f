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
from typing import TYPE_CHECKING, Literal

from ..errors import ProjectError
from ..model.items import TextClip
from ..model.properties import TextStyle
from ..model.time import RationalTime
from ..render.compile.text import measure_text
from ._title import Point, Title, keyframes

if TYPE_CHECKING:
    from ..model.project import Project
    from ..model.settings import ProjectSettings

__all__ = ["credit_lines", "credits_roll"]

Credit = str | tuple[str, str]
"""A heading (one line) or a (role, name) pair."""

Layout = Literal["centred", "columns"]


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
    layout: Layout = "centred",
    gutter: int | None = None,
    size: int | None = None,
    font: str | None = None,
    color: str = "#ffffff",
    spacing: int = 1,
    line_spacing: float = 1.4,
) -> Title:
    """Credits rolling up from just below the frame until the last line has left the top.

    Parameters
    ----------
    speed
        Pixels per frame (an exact rational); the whole roll lasts as long as it takes.
    layout
        ``"centred"``: a pair is its role above its name; ``"columns"``: roles right-aligned left of
        the centre line and names left-aligned right of it, ``gutter`` px apart; headings centred.
    """
    s = project.settings
    width, height, rate = s.width, s.height, Fraction(s.frame_rate)
    px = Fraction(speed)
    if not 0 < px <= Fraction(height, 4):
        raise ProjectError(f"credits_roll: speed must be within 0..{height / 4:g} px per frame (got {speed})")
    columns = _columns(credits, spacing, layout)
    if not any(line.strip() for lines in columns.values() for line in lines):
        raise ProjectError("credits_roll: no credits to roll")
    fs = size or max(8, round(height * 0.04))
    style = TextStyle(font=font, font_size=fs, color=color, line_spacing=line_spacing)
    half = (gutter if gutter is not None else fs) / 2
    spans: list[tuple[int, int, TextClip]] = []
    for first, n in _chunks(len(next(iter(columns.values()))), style, height):
        for column, lines in columns.items():
            chunk = lines[first : first + n]
            if not "".join(chunk).strip():
                continue
            text = "\n".join(chunk)
            look = style.model_copy(update={"align": _ALIGN[column]})
            m = measure_text(text, look)
            left = {"centre": (width - m.width) / 2, "roles": width / 2 - half - m.width}.get(column)
            left = width / 2 + half if left is None else left
            if left < 0 or left + m.width + m.shadow > width:
                raise ProjectError(f"credits_roll: {column} {chunk!r} do not fit the {width} px canvas")
            x = 0.5 if column == "centre" else (left + m.width / 2) / width
            name = f"credits_roll:{column}:{first}"
            spans.append(_rolling(name, text, look, x, first * m.pitch, m.height + m.shadow, px, s))
    return Title("credits_roll", _tracks(spans), rate)


_ALIGN: dict[str, Literal["left", "center", "right"]] = {
    "centre": "center",
    "roles": "right",
    "names": "left",
}


def _columns(credits: Sequence[Credit], spacing: int, layout: Layout) -> dict[str, list[str]]:
    """The roll's columns, line for line: one centred column, or roles | names with headings centred."""
    if layout == "centred":
        return {"centre": credit_lines(credits, spacing)}
    if layout != "columns":
        raise ProjectError(f"credits_roll: layout must be 'centred' or 'columns' (got {layout!r})")
    cols: dict[str, list[str]] = {"roles": [], "names": [], "centre": []}
    for n, entry in enumerate(credits):
        rows = [("", "", "")] * spacing if n else []
        rows.append(("", "", entry) if isinstance(entry, str) else (entry[0], entry[1], ""))
        for row in rows:
            for lines, text in zip(cols.values(), row, strict=True):
                lines.append(text)
    return cols


def _rolling(
    name: str, text: str, style: TextStyle, x: float, below: int, tall: int, px: Fraction, s: ProjectSettings
) -> tuple[int, int, TextClip]:
    """(first frame, end frame, the chunk) of lines whose top is ``below`` the roll's first line.

    ``tall``: the drawn height (shadow included); the chunk is on from the frame its top row
    enters the bottom edge until its last row has left the top one.
    """
    height, rate = s.height, Fraction(s.frame_rate)
    h = measure_text(text, style).height
    top = height + below  # on roll frame 0
    start = max(0, math.floor(below / px))
    end = math.ceil((top + tall) / px)

    def centre(k: int) -> float:
        return float((top - px * k + Fraction(h, 2)) / height)

    points: list[Point] = [(0, centre(start), "linear")]
    if end - start > 1:
        points.append((end - start - 1, centre(end - 1), "linear"))
    clip = TextClip(
        name=name,
        text=text,
        start=RationalTime.from_frames(start, rate),
        duration=RationalTime.from_frames(end - start, rate),
        style=style,
        x=x,
        y=0.5,
        keyframes={"y": keyframes(points, rate)},
    )
    return start, end, clip


def _chunks(count: int, style: TextStyle, height: int) -> list[tuple[int, int]]:
    """Runs of lines (first line, how many), each as tall as fits the canvas centred on it.

    A block's height depends on its number of lines only (the font's ascent and descent).
    """
    out: list[tuple[int, int]] = []
    first = 0
    while first < count:
        n = 1
        while first + n < count and _fits(n + 1, style, height):
            n += 1
        if not _fits(n, style, height):
            raise ProjectError(f"credits_roll: a line at {style.font_size} px is taller than the canvas")
        out.append((first, n))
        first += n
    return out


def _fits(lines: int, style: TextStyle, height: int) -> bool:
    m = measure_text("\n".join("x" * lines), style)
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
