"""The timeline's keyframes as the widget draws them, and the kernel half of its keyframe gestures.

The widget draws diamonds at clip-relative frames and sends the registered keyframe operations;
what needs the model's evaluation (the value a new keyframe takes, the curve of one property, the
bounds of its value axis) is computed here, with ``model.keyframes``, so the browser never
re-implements interpolation.
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction
from typing import Any

import annotated_types

from ..errors import ProjectError
from ..model.items import Clip, Item, TextClip
from ..model.keyframes import (
    _resolve,
    keyframe_time,
    plays_backwards,
    sample,
)  # _resolve: the bounds the model checks values by
from ..model.project import Project
from ..model.speed_ramp import MAX_SPEED, MIN_SPEED, SPEED, is_ramped, ramp_seconds
from ..model.track import Track

__all__ = ["CURVE_LIMIT", "add_keyframe_op", "curve_message", "keyframe_views", "value_bounds"]

CURVE_LIMIT = 20_000
"""Frames one curve request may ask for (the widget asks for the visible part of a clip)."""


def clip_frame(
    clip: Clip | TextClip, seconds: Fraction, rate: Fraction, ramp: list[Fraction] | None = None
) -> Fraction:
    """Exact clip-relative frame position showing source time ``seconds`` (between frames: a
    fraction; before the clip or past it: extrapolated at the edge's speed).

    ``ramp``: a speed-ramped clip's source seconds at each of its frames and one past its end (the
    model's walk).
    """
    if isinstance(clip, TextClip):
        return seconds * rate
    if not ramp or len(ramp) < 2:
        span = (seconds - clip.source_range.start.to_seconds()) * rate / clip.speed
        return clip.frames(rate) - 1 - span if plays_backwards(clip) else span  # (as the model counts)
    i = min(max(bisect.bisect_right(ramp, seconds) - 1, 0), len(ramp) - 2)
    return i + (seconds - ramp[i]) / (ramp[i + 1] - ramp[i])


def clip_seconds(
    clip: Clip | TextClip, frame: Fraction, rate: Fraction, ramp: list[Fraction] | None = None
) -> Fraction:
    """The source time (a title: its own clock) at clip-relative ``frame``: ``clip_frame``'s inverse."""
    if isinstance(clip, TextClip):
        return frame / rate
    if not ramp or len(ramp) < 2:
        span = clip.frames(rate) - 1 - frame if plays_backwards(clip) else frame
        return clip.source_range.start.to_seconds() + span * clip.speed / rate
    i = min(max(math.floor(frame), 0), len(ramp) - 2)
    return ramp[i] + (frame - i) * (ramp[i + 1] - ramp[i])


def ramp_of(item: Clip | TextClip, rate: Fraction) -> list[Fraction] | None:
    """A speed-ramped clip's source seconds at frames ``0 .. n`` (None: no ramp)."""
    if isinstance(item, Clip) and is_ramped(item):
        return ramp_seconds(item, rate, 0, item.frames(rate) + 1)
    return None


def _frame(
    clip: Clip | TextClip, seconds: Fraction, rate: Fraction, ramp: list[Fraction] | None
) -> int | float:
    """Clip-relative frame showing source time ``seconds``: an int when a frame shows it exactly.

    ``ramp``: a speed-ramped clip's source seconds at each of its frames (the model's walk).
    """
    if ramp and not ramp[0] <= seconds <= ramp[-1]:
        return -1.0 if seconds < ramp[0] else float(len(ramp))  # hidden by a trim: not drawn
    f = clip_frame(clip, seconds, rate, ramp)
    return f.numerator if f.denominator == 1 else float(f)


def keyframe_views(item: Item, rate: Fraction) -> dict[str, list[list[Any]]]:
    """``{property: [[frame, value, interp(, handles)], ...]}`` of a clip (frames may fall outside a
    trimmed clip; a frame that shows no keyframe exactly is a float, drawn but not draggable)."""
    if not isinstance(item, (Clip, TextClip)) or not item.keyframes:
        return {}
    ramp = None
    if isinstance(item, Clip) and is_ramped(item):
        ramp = ramp_seconds(item, rate, 0, item.frames(rate))
    out: dict[str, list[list[Any]]] = {}
    for prop, frames in item.keyframes.items():
        out[prop] = [
            [
                _frame(item, kf.time.to_seconds(), rate, ramp),
                kf.value,
                kf.interp,
                *([list(kf.handles)] if kf.handles else []),
            ]
            for kf in (reversed(frames) if plays_backwards(item) else frames)  # in clip frame order
        ]
    return out


def _find(project: Project, item_id: str) -> tuple[Track, Clip | TextClip]:
    for track in project.tracks:
        for item in track.items:
            if item.id == item_id:
                if not isinstance(item, (Clip, TextClip)):
                    raise ProjectError(f"{item.type} {item_id!r}: only media and text clips have keyframes")
                return track, item
    raise ProjectError(f"keyframe: no clip {item_id!r} on the timeline")


def value_bounds(clip: Clip | TextClip, prop: str) -> tuple[float | None, float | None]:
    """The property's declared bounds (``Field(ge=..., le=...)``): the curve view's value axis."""
    try:
        model, name, _ = _resolve(clip, prop)
    except ValueError as exc:
        raise ProjectError(f"clip {clip.label()!r}: {exc}") from None
    if model is None:  # speed: the model checks a ramp's values itself (``_check_speed``)
        return (float(MIN_SPEED), float(MAX_SPEED)) if prop == SPEED else (None, None)
    lo: float | None = None
    hi: float | None = None
    for m in model.model_fields[name].metadata:
        if isinstance(m, (annotated_types.Ge, annotated_types.Gt)):
            lo = float(m.ge if isinstance(m, annotated_types.Ge) else m.gt)  # type: ignore[arg-type]
        elif isinstance(m, (annotated_types.Le, annotated_types.Lt)):
            hi = float(m.le if isinstance(m, annotated_types.Le) else m.lt)  # type: ignore[arg-type]
    return lo, hi


def add_keyframe_op(project: Project, item_id: str, prop: str, frame: int) -> dict[str, Any]:
    """The op that keys ``prop`` at clip ``frame`` with the value it has there now, leaving the curve
    as it was: ``add_keyframe`` with the segment's interpolation, or ``set_keyframes`` when an
    eased or bezier segment is split in two (``_key_here``)."""
    from ._key_here import curve_with_key  # it builds on this module's frame mapping

    track, clip = _find(project, item_id)
    value_bounds(clip, prop)  # an unknown property: refused with the model's message
    rate = project.settings.frame_rate
    n = clip.frames(rate)
    if not 0 <= frame < n:
        raise ProjectError(f"clip {clip.label()!r}: keyframe frame {frame} is outside the clip (0..{n - 1})")
    curve, only_added = curve_with_key(clip, prop, frame, Fraction(rate))
    where = {"track": track.id, "item_id": item_id, "property": prop}
    if only_added:
        time = keyframe_time(clip, frame, Fraction(rate))
        kf = next(k for k in curve if k.time == time)
        return {"op": "add_keyframe", **where, "frame": frame, "value": kf.value, "interp": kf.interp,
                "handles": list(kf.handles) if kf.handles else None}  # fmt: skip
    return {"op": "set_keyframes", **where, "keyframes": [k.model_dump(mode="json") for k in curve]}


def curve_message(project: Project, item_id: str, prop: str, first: int, count: int) -> dict[str, Any]:
    """The evaluated values of ``prop`` at clip frames ``first ..`` (clamped to the clip), with bounds."""
    track, clip = _find(project, item_id)
    lo, hi = value_bounds(clip, prop)
    rate = project.settings.frame_rate
    n = clip.frames(rate)
    first = max(0, min(first, n))
    count = max(0, min(count, n - first, CURVE_LIMIT))
    values = [v for v, _ in sample(clip, prop, rate, first, count)]
    keyed = [kf.value for kf in clip.keyframes.get(prop, [])]
    seen = [v for v in values + keyed if math.isfinite(v)]
    axis = (lo, hi)
    if prop == SPEED:  # 0.01..100 drawn linearly would flatten every useful ramp: 0..4 (or more)
        axis = (0.0, float(max(4, math.ceil(max(seen, default=1.0) * 1.25))))
    return {
        "kind": "curve",
        "item": item_id,
        "track": track.id,
        "property": prop,
        "first": first,
        "values": values,
        "lo": axis[0] if axis[0] is not None else min(seen, default=0.0),
        "hi": axis[1] if axis[1] is not None else max(seen, default=1.0),
        "min": lo,  # the bounds a dragged value is kept in (None: unbounded)
        "max": hi,
    }
