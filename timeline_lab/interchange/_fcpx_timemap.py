"""An FCPX ``<timeMap>`` (Final Cut's retiming) as OTIO's speed, which the importer reads.

A time map pairs the clip's own times (``time``, the clock ``start`` and ``duration`` are on) with
source times (``value``). Two points are a constant speed (reverse when the source runs back): a
``LinearTimeWarp``. More points are a speed ramp: where the source only runs forward, each segment's
speed held from its first source time (the model's ramp, carried as ours in the warp's metadata,
with the mean speed as the warp's scalar); a map that holds or runs back is left at normal speed
and noted (an effect named after it, which the import reports as not rendered).
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..model.keyframes import Keyframe
from ..model.speed_ramp import MAX_SPEED, MIN_SPEED, SPEED
from ..model.time import RationalTime
from ._fcpx_rates import seconds
from ._otio_common import KEY, exact

__all__ = ["retime"]


def retime(self: Any, clip: otio.schema.Clip, timing: Any, format_id: str) -> None:
    """Give ``clip`` (timed as ``timing`` says) the speed of ``timing``'s ``<timeMap>``, if any."""
    tm = timing.find("timeMap")
    points = (
        []
        if tm is None
        else [(seconds(p.get("time")), seconds(p.get("value"))) for p in tm.findall("timept")]
    )
    points.sort()
    if len(points) < 2 or len({t for t, _ in points}) < len(points):
        return
    rate = Fraction(self._format_frame_rate(format_id)).limit_denominator(1001)
    start = seconds(timing.get("start"))
    end = start + seconds(timing.get("duration"))
    first, last = _value(points, start), _value(points, end)
    slopes = [(v1 - v0) / (t1 - t0) for (t0, v0), (t1, v1) in itertools.pairwise(points)]
    source = otio.opentime.RationalTime(float(min(first, last) * rate), float(rate))
    if len(points) == 2 and slopes[0] != 0:
        clip.source_range = otio.opentime.TimeRange(source, clip.source_range.duration)
        clip.effects.append(otio.schema.LinearTimeWarp(name="timeMap", time_scalar=float(slopes[0])))
        return
    if len(points) == 2:  # a still: the frame at its source time
        clip.source_range = otio.opentime.TimeRange(source, clip.source_range.duration)
        clip.effects.append(otio.schema.FreezeFrame(name="timeMap"))
        return
    if end <= start or not all(MIN_SPEED <= s <= MAX_SPEED for s in slopes):
        clip.effects.append(otio.schema.Effect(effect_name=f"FCPX timeMap of {len(points)} points"))
        return
    origin = _origin(clip)
    curve = [
        Keyframe(
            time=RationalTime.from_seconds(_value(points, max(t0, start)) - origin, rate),
            value=float(s),
            interp="hold",
        )
        for (t0, _), (t1, _), s in zip(points, points[1:], slopes, strict=False)
        if t1 > start and t0 < end
    ]
    warp = otio.schema.LinearTimeWarp(name="timeMap", time_scalar=float((last - first) / (end - start)))
    warp.metadata[KEY] = {SPEED: json.dumps([k.model_dump(mode="json") for k in curve])}
    clip.source_range = otio.opentime.TimeRange(source, clip.source_range.duration)
    clip.effects.append(warp)


def _value(points: list[tuple[Fraction, Fraction]], t: Fraction) -> Fraction:
    """The source time at clip time ``t``: along the segment around it, the end ones extended."""
    k = next((i for i in range(1, len(points) - 1) if t < points[i][0]), len(points) - 1)
    (t0, v0), (t1, v1) = points[k - 1], points[k]
    return v0 + (t - t0) * (v1 - v0) / (t1 - t0)


def _origin(clip: otio.schema.Clip) -> Fraction:
    """Where the media's own clock starts (the import counts the model's source times from it)."""
    available = getattr(clip.media_reference, "available_range", None)
    return exact(available.start_time).to_seconds() if available is not None else Fraction(0)
