"""Blur or pixelate regions of a picture — fixed boxes or moving (tracked) ones — in the filter graph.

Fixed boxes are a split, a crop + blur per box and an overlay back in place. Moving boxes keep
their size and follow their track: one ``sendcmd`` upstream retargets each box's ``crop`` and
``overlay`` every frame, so a thousand-frame track is still a handful of filters. ``follow`` turns a
track's rectangle per chain frame into those boxes; ``recognition.blur`` (the ``blur.region``
effect) is the one caller that maps effect parameters onto them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ...errors import RenderError

if TYPE_CHECKING:
    from .graph import Builder, Step

__all__ = ["Box", "MovingBox", "RegionBlur", "follow"]

Mode = Literal["gaussian", "pixelate"]


@dataclass(frozen=True)
class Box:
    """A rectangle in picture pixels, blurred on chain frames [first, end) (all when end is None)."""

    x: int
    y: int
    w: int
    h: int
    first: int = 0
    end: int | None = None


@dataclass(frozen=True)
class MovingBox:
    """A fixed-size rectangle whose top-left follows ``path`` (chain frame -> (x, y))."""

    w: int
    h: int
    path: dict[int, tuple[int, int]] = field(hash=False)


Rect = tuple[float, float, float, float]
"""Corners ``(x1, y1, x2, y2)`` in picture pixels."""


def follow(rects: Mapping[int, Rect], width: int, height: int) -> tuple[list[Box], list[MovingBox]]:
    """Boxes covering a track's rectangle on each chain frame (``rects``: frame -> corners).

    Corners are clipped to the picture and snapped outward to even pixels (chroma-safe); a
    rectangle under 2 px is dropped. Each run of consecutive frames becomes a fixed ``Box`` when
    the rectangle does not move, else a fixed-size ``MovingBox`` following its centre.
    """
    path: dict[int, tuple[int, int, int, int]] = {}
    for k, (x1, y1, x2, y2) in rects.items():
        x1, y1 = max(0.0, x1), max(0.0, y1)
        x2, y2 = min(float(width), x2), min(float(height), y2)
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        path[k] = (_even_down(x1), _even_down(y1), _even_up(x2), _even_up(y2))
    boxes: list[Box] = []
    moving: list[MovingBox] = []
    for run in _runs(path):
        fitted = _fit(run, path, width, height)
        if isinstance(fitted, Box):
            boxes.append(fitted)
        else:
            moving.append(fitted)
    return boxes, moving


def _even_down(x: float) -> int:
    return math.floor(x / 2) * 2


def _even_up(x: float) -> int:
    return math.ceil(x / 2) * 2


def _runs(path: dict[int, tuple[int, int, int, int]]) -> list[list[int]]:
    """Consecutive chain frames (a track split where it is not on screen)."""
    runs: list[list[int]] = []
    for k in sorted(path):
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


def _fit(
    run: list[int], path: dict[int, tuple[int, int, int, int]], width: int, height: int
) -> Box | MovingBox:
    """A fixed box when the track does not move, else a fixed-size box following its centre."""
    rects = [path[k] for k in run]
    if len(set(rects)) == 1:
        x1, y1, x2, y2 = rects[0]
        return Box(x1, y1, x2 - x1, y2 - y1, first=run[0], end=run[-1] + 1)
    w = min(width // 2 * 2, max(r[2] - r[0] for r in rects))
    h = min(height // 2 * 2, max(r[3] - r[1] for r in rects))
    moves: dict[int, tuple[int, int]] = {}
    for k, (x1, y1, x2, y2) in zip(run, rects, strict=True):
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        x = min(max(0, _even_down(cx - w / 2)), width - w)
        y = min(max(0, _even_down(cy - h / 2)), height - h)
        moves[k] = (x, y)
    return MovingBox(w, h, moves)


def _clamp(x: int, y: int, w: int, h: int, width: int, height: int) -> tuple[int, int, int, int] | None:
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1 - x0, y1 - y0


@dataclass(frozen=True)
class RegionBlur:
    """A graph fragment (see graph.Fragment) blurring ``boxes`` and ``moving`` boxes of a picture."""

    width: int
    height: int
    rate_den: int
    rate_num: int
    tag: str
    mode: Mode = "gaussian"
    strength: float = 12.0
    boxes: tuple[Box, ...] = ()
    moving: tuple[MovingBox, ...] = ()

    def _soften(self, w: int, h: int) -> list[Step]:
        if self.mode == "gaussian":
            return [("gblur", f"sigma={self.strength:.6g}")]
        if self.mode == "pixelate":
            block = max(2, int(self.strength))
            return [("scale", f"w={max(1, w // block)}:h={max(1, h // block)}"),
                    ("scale", f"w={w}:h={h}:flags=neighbor")]  # fmt: skip
        raise RenderError(f"blur mode must be 'gaussian' or 'pixelate', got {self.mode!r}")

    def _commands(self, fixed: list[tuple[int, MovingBox]]) -> str:
        """sendcmd intervals: for every frame of every moving box, where its crop and overlay go."""
        per_frame: dict[int, list[str]] = {}
        for n, box in fixed:
            name = f"{self.tag}m{n}"
            for frame, (x, y) in box.path.items():
                cx = min(max(0, x), self.width - box.w)
                cy = min(max(0, y), self.height - box.h)
                per_frame.setdefault(frame, []).extend([
                    f"[enter] crop@{name} x {cx}", f"[enter] crop@{name} y {cy}",
                    f"[enter] overlay@{name} x {cx}", f"[enter] overlay@{name} y {cy}",
                ])  # fmt: skip
        tick = self.rate_den / self.rate_num
        intervals = [
            f"{frame * tick:.6f}-{(frame + 0.999) * tick:.6f} {', '.join(cmds)}"
            for frame, cmds in sorted(per_frame.items())
        ]
        return ";".join(intervals)

    def build(self, b: Builder, src: str, prefix: str) -> str:
        """Add the nodes to ``b``; returns the pad with the blurred picture."""
        static = [(box, c) for box in self.boxes if (c := _clamp(box.x, box.y, box.w, box.h,
                                                                  self.width, self.height))]  # fmt: skip
        moving = [(n, m) for n, m in enumerate(self.moving)
                  if m.path and m.w <= self.width and m.h <= self.height]  # fmt: skip
        count = len(static) + len(moving)
        if count == 0:
            return src
        pad = src
        if moving:
            pad = b.chain(src, f"{prefix}cmd", [("sendcmd", f"c='{self._commands(moving)}'")])
        outs = b.split(pad, count + 1, f"{prefix}s")
        base = outs[0]
        for i, (box, (x, y, w, h)) in enumerate(static):
            soft = b.chain(outs[i + 1], f"{prefix}r{i}_", [("crop", f"w={w}:h={h}:x={x}:y={y}"),
                                                             *self._soften(w, h)])  # fmt: skip
            when = f"between(n,{box.first},{box.end - 1})" if box.end is not None else "gte(n,0)"
            if box.first and box.end is None:
                when = f"gte(n,{box.first})"
            base = b.join("overlay", f"x={x}:y={y}:enable='{when}'", [base, soft], f"{prefix}o{i}")
        for j, (n, track) in enumerate(moving):
            k = len(static) + j
            name = f"{self.tag}m{n}"
            first = min(track.path)
            x, y = track.path[first]
            cx, cy = min(max(0, x), self.width - track.w), min(max(0, y), self.height - track.h)
            b.add("crop", f"w={track.w}:h={track.h}:x={cx}:y={cy}", (outs[k + 1],), (f"{prefix}mc{j}",), name)
            soft = b.chain(f"{prefix}mc{j}", f"{prefix}m{j}_", self._soften(track.w, track.h))
            when = f"between(n,{first},{max(track.path)})"
            b.add("overlay", f"x={cx}:y={cy}:enable='{when}'", (base, soft), (f"{prefix}mo{j}",), name)
            base = f"{prefix}mo{j}"
        return base
