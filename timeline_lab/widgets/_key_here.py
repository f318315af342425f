"""Keying a property "here" (Alt-click, Shift-K) without changing its curve: the segment is split.

The new keyframe takes the value the curve has at that frame; to leave every other frame as it
was, it inherits the interpolation of the segment it lands in (hold and linear are unchanged by a
cut), and an eased or bezier segment is cut in two by de Casteljau's construction: each half of a
CSS cubic-bezier is again a cubic, renormalised to its own unit square, so both halves keep the
exact shape (to float rounding). A half whose handles leave the 0..1 time range CSS allows (or
that a flat half cannot express) is not a CSS curve: that segment is baked into linear keyframes at
each of its frames inside the clip, exact at every frame shown.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from ..model.items import Clip, TextClip
from ..model.keyframes import EASES, Keyframe, bezier_parameter, keyframe_time, plays_backwards, value_at
from ._keyframes import clip_frame, ramp_of

__all__ = ["curve_with_key", "split_handles"]

Handles = tuple[float, float, float, float]
_EPS = 1e-12


def _lerp(p: tuple[float, float], q: tuple[float, float], t: float) -> tuple[float, float]:
    return p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t


def _unit(v: float) -> float | None:
    """``v`` as a handle's time coordinate (0..1, float noise clamped), None when outside."""
    if -_EPS <= v <= 1 + _EPS:
        return min(max(v, 0.0), 1.0)
    return None


Half = Handles | Literal["hold"] | None
"""A half's CSS handles; "hold" when it stays on one value; None when CSS handles cannot express it."""


def split_handles(h: Handles, u: float) -> tuple[Half, Half]:
    """The two halves of cubic-bezier ``h`` cut at time ``u`` (0 < u < 1), each in its own unit
    square (a half whose value does not change is a hold when it is flat, else inexpressible)."""
    x1, y1, x2, y2 = h
    t = bezier_parameter(h, u)
    p0, p1, p2, p3 = (0.0, 0.0), (x1, y1), (x2, y2), (1.0, 1.0)
    a, b, c = _lerp(p0, p1, t), _lerp(p1, p2, t), _lerp(p2, p3, t)
    d, e = _lerp(a, b, t), _lerp(b, c, t)
    fx, fy = _lerp(d, e, t)
    return (
        _half((a, d), (0.0, 0.0), (fx, fy)),
        _half((e, c), (fx, fy), (1.0, 1.0)),
    )


def _half(
    inner: tuple[tuple[float, float], tuple[float, float]],
    start: tuple[float, float],
    end: tuple[float, float],
) -> Half:
    """One half (control points ``inner`` from ``start`` to ``end``) renormalised to the unit square."""
    (qx1, qy1), (qx2, qy2) = inner
    dx, dy = end[0] - start[0], end[1] - start[1]
    if abs(dy) <= _EPS:
        flat = all(abs(y - start[1]) <= _EPS for y in (qy1, qy2))
        return "hold" if flat else None
    hx1, hx2 = _unit((qx1 - start[0]) / dx), _unit((qx2 - start[0]) / dx)
    if hx1 is None or hx2 is None:
        return None
    return hx1, (qy1 - start[1]) / dy, hx2, (qy2 - start[1]) / dy


def curve_with_key(
    clip: Clip | TextClip, prop: str, frame: int, rate: Fraction
) -> tuple[list[Keyframe], bool]:
    """``prop``'s keyframes with one added at clip ``frame`` that leaves the curve as it was; and
    whether only that keyframe was added (False: neighbours changed too, so set the whole curve)."""
    frames = list(clip.keyframes.get(prop, []))
    time = keyframe_time(clip, frame, rate)
    value = value_at(clip, prop, frame, rate)
    same = next((k for k in frames if k.time == time), None)
    if same is not None:  # already keyed: the same keyframe again
        return frames, True
    new = Keyframe(time=time, value=value)
    i = sum(1 for k in frames if k.time < time) - 1
    if i < 0 or i >= len(frames) - 1:  # before the first or after the last: the curve holds there
        return sorted([*frames, new], key=lambda k: k.time), True
    # the segment's lead is the keyframe the clip plays first (the later one when it plays backwards)
    lead, other = (i + 1, i) if plays_backwards(clip) else (i, i + 1)
    a, b = frames[lead], frames[other]
    if a.interp in ("hold", "linear") or a.value == b.value:
        new = new.model_copy(update={"interp": a.interp, "handles": a.handles})
        return sorted([*frames, new], key=lambda k: k.time), True
    h = a.handles if a.interp == "bezier" and a.handles is not None else EASES[a.interp]
    sa, sb = a.time.to_seconds(), b.time.to_seconds()
    u = float((time.to_seconds() - sa) / (sb - sa))
    halves = split_handles(h, u)
    if halves[0] is None or halves[1] is None:
        return _baked(clip, prop, frames, i, lead, rate), False
    left, right = (
        {"interp": "hold", "handles": None} if half == "hold" else {"interp": "bezier", "handles": half}
        for half in halves
    )
    frames[lead] = a.model_copy(update=left)
    new = new.model_copy(update=right)
    return sorted([*frames, new], key=lambda k: k.time), False


def _baked(
    clip: Clip | TextClip, prop: str, frames: list[Keyframe], i: int, lead: int, rate: Fraction
) -> list[Keyframe]:
    """Segment ``i`` of ``frames`` (shaped by keyframe ``lead``) as linear keyframes at each clip
    frame it spans: exact there."""
    ramp = ramp_of(clip, rate)
    n = clip.frames(rate)
    ends = [clip_frame(clip, frames[j].time.to_seconds(), rate, ramp) for j in (i, i + 1)]
    lo, hi = min(ends), max(ends)
    inside = range(max(math.floor(lo) + 1, 0), min(math.ceil(hi), n))
    baked = [
        Keyframe(time=keyframe_time(clip, f, rate), value=value_at(clip, prop, f, rate), interp="linear")
        for f in inside
    ]
    baked = [k for k in baked if frames[i].time < k.time < frames[i + 1].time]
    frames[lead] = frames[lead].model_copy(update={"interp": "linear", "handles": None})
    return sorted([*frames, *baked], key=lambda k: k.time)
