"""Blur tracked objects in renders: an effect kind whose renderer follows each track frame by frame.

``blur_effect(results, ...)`` turns detections into a ``recognition.blur_regions`` Effect (plain
JSON: per track its boxes at exact source times), so it saves with the project. At render time
the registered renderer maps those source times onto the clip's chain frames (trim, speed and
handles included, through ``EffectContext``) and returns a ``render.regions.RegionBlur``
fragment: a fixed-size box per track that ``sendcmd`` moves every frame.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from ..model.properties import Effect
from .errors import RecognitionError

if TYPE_CHECKING:
    import polars as pl

    from ..render.compile.effects import EffectContext
    from ..render.compile.graph import ChainItem
    from ..render.compile.regions import Box, MovingBox

__all__ = ["KIND", "blur_effect", "register_blur", "render_blur_regions"]

KIND = "recognition.blur_regions"
Mode = Literal["gaussian", "pixelate"]


def blur_effect(
    results: pl.DataFrame,
    *,
    source: str | None = None,
    classes: Sequence[str] | None = None,
    track_ids: Sequence[int] | None = None,
    margin: float = 0.15,
    strength: float = 12.0,
    mode: Mode = "gaussian",
    hold: Fraction | None = None,
) -> Effect:
    """An effect that blurs the detected objects of one source wherever a clip shows them.

    Parameters
    ----------
    margin:
        Grow each box by this fraction of its size on every side (tracked boxes lag a little).
    hold:
        How long (seconds) a box stays after its last sighting and the longest hole bridged
        between two sightings; default 1.5 sampling steps, so strided results still cover.
    """
    import polars as pl

    from .tables import fraction_str, frame_durations

    if source is None:
        sources = results["source"].unique().to_list()
        if len(sources) != 1:
            raise RecognitionError(f"source: results hold {len(sources)} sources, say which one to blur")
        source = str(sources[0])
    rows = results.filter(pl.col("source") == source)
    if classes is not None:
        rows = rows.filter(pl.col("class_name").is_in(list(classes)))
    if track_ids is not None:
        rows = rows.filter(pl.col("track_id").is_in(list(track_ids)))
    fd = frame_durations(rows).get(source, Fraction(0)) if rows.height else Fraction(0)
    if hold is None:
        times = sorted({Fraction(t) for t in rows["pts"].unique().to_list()})
        steps = [b - a for a, b in itertools.pairwise(times)]
        hold = max(fd, min(steps, default=fd) * Fraction(3, 2))
    tracks: list[dict[str, Any]] = []
    cols = ("pts", "x1", "y1", "x2", "y2")
    ordered = rows.sort("pts_s")
    for (track_id,), group in ordered.filter(pl.col("track_id").is_not_null()).group_by(
        "track_id", maintain_order=True
    ):
        samples = [
            [p, float(a), float(b), float(c), float(d)] for p, a, b, c, d in group.select(cols).iter_rows()
        ]
        tracks.append({"track_id": track_id, "class_name": group["class_name"][0], "samples": samples})
    for r in ordered.filter(pl.col("track_id").is_null()).iter_rows(named=True):  # each sighting alone
        sample = [r["pts"], float(r["x1"]), float(r["y1"]), float(r["x2"]), float(r["y2"])]
        tracks.append({"track_id": None, "class_name": r["class_name"], "samples": [sample]})
    params = {
        "source": source,
        "frame_duration": fraction_str(fd),
        "hold": fraction_str(Fraction(hold)),
        "margin": margin,
        "strength": strength,
        "mode": mode,
        "tracks": tracks,
    }
    return Effect(kind=KIND, params=params)


@dataclass(frozen=True)
class _Sample:
    t: Fraction
    box: tuple[float, float, float, float]


def _box_at(
    samples: Sequence[_Sample], times: Sequence[Fraction], t: Fraction, fd: Fraction, hold: Fraction
) -> tuple[float, float, float, float] | None:
    """Box shown at source time ``t``: the sample on screen, else interpolated across a short hole."""
    j = bisect.bisect_right(times, t) - 1
    if j < 0:
        return None
    s = samples[j]
    if t < s.t + max(fd, Fraction(0)) or j + 1 == len(samples):
        return s.box if t < s.t + max(fd, hold) else None
    nxt = samples[j + 1]
    if nxt.t - s.t > hold:
        return s.box if t < s.t + max(fd, hold) else None
    w = float((t - s.t) / (nxt.t - s.t))
    return tuple(a + (b - a) * w for a, b in zip(s.box, nxt.box, strict=True))  # type: ignore[return-value]


def _even_down(x: float) -> int:
    return math.floor(x / 2) * 2


def _even_up(x: float) -> int:
    return math.ceil(x / 2) * 2


def render_blur_regions(fx: Effect, ctx: EffectContext) -> list[ChainItem]:
    """Renderer for ``recognition.blur_regions``: one RegionBlur fragment for the clip's chain."""
    from ..render.compile.regions import Box, RegionBlur

    p = fx.params
    fd, hold = Fraction(p["frame_duration"]), Fraction(p["hold"])
    margin = float(p.get("margin", 0.15))
    boxes: list[Box] = []
    moving: list[MovingBox] = []
    for track in p["tracks"]:
        samples = [_Sample(Fraction(s[0]), (s[1], s[2], s[3], s[4])) for s in track["samples"]]
        times = [s.t for s in samples]
        path: dict[int, tuple[int, int, int, int]] = {}
        for k in range(ctx.frames):
            shown = ctx.source_start + Fraction(k) * ctx.speed / ctx.rate
            box = _box_at(samples, times, shown, fd, hold)
            if box is None:
                continue
            x1, y1, x2, y2 = box
            mx, my = (x2 - x1) * margin, (y2 - y1) * margin
            x1, x2 = x1 - mx - ctx.crop_left, x2 + mx - ctx.crop_left
            y1, y2 = y1 - my - ctx.crop_top, y2 + my - ctx.crop_top
            x1, y1 = max(0.0, x1), max(0.0, y1)
            x2, y2 = min(float(ctx.width), x2), min(float(ctx.height), y2)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            path[k] = (_even_down(x1), _even_down(y1), _even_up(x2), _even_up(y2))
        for run in _runs(path):
            boxes_or_moving = _fit(run, path, ctx.width, ctx.height)
            if isinstance(boxes_or_moving, Box):
                boxes.append(boxes_or_moving)
            else:
                moving.append(boxes_or_moving)
    if not boxes and not moving:
        return []
    return [
        RegionBlur(
            width=ctx.width,
            height=ctx.height,
            rate_den=ctx.rate.denominator,
            rate_num=ctx.rate.numerator,
            tag=f"{ctx.tag}{fx.id[-4:]}rb",
            mode=p.get("mode", "gaussian"),
            strength=float(p.get("strength", 12.0)),
            boxes=tuple(boxes),
            moving=tuple(moving),
        )
    ]


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
    from ..render.compile.regions import Box, MovingBox

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


def register_blur() -> None:
    """Make the render engine understand ``recognition.blur_regions`` (idempotent)."""
    from ..render.compile.effects import effect_renderer, register_effect

    if effect_renderer(KIND) is None:
        register_effect(KIND, render_blur_regions)
