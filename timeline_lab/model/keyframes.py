"""Keyframed clip properties: values that change over a clip, evaluated exactly at frame times.

A keyframe's ``time`` is a point of the clip's *source* (media time, like ``source_range``), so a
keyframe stays on the content it was set on: trimming the in point, slipping or splitting a clip
moves no keyframe (Premiere's behaviour), and keyframes a trim hides are kept, not dropped. The
operations (``add_keyframe``...) take clip-relative frames on the project grid and store the
source time shown at that frame: clip frame ``f`` of ``n`` shows ``source_range.start + f * speed /
rate``, or, reversed (an odd number of enabled ``reverse`` effects), ``n - 1 - f`` frames from the
start, as the render plays it. A freeze holds the picture, not the curve: its frames keep their times.

Between two keyframes the curve follows the ``interp`` of the one the clip plays first (on a clip
that plays backwards, the later one in source time, its ease run backwards), so a keyframe's
interpolation shapes the frames after it on the timeline either way; before the first and after
the last it holds their values. The interpolation parameter is an exact Fraction (the source time
of a frame between the two keyframe times); linear values are exact rationals rounded once to a
float, eased ones (CSS cubic-bezier curves) are floats computed the same way on every call.
"""

from __future__ import annotations

import bisect
import math
import re
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator, model_validator

from ..errors import first_error
from ._base import Model
from .properties import EFFECT_PARAMS, ColorCorrection, Crop, Transform
from .speed_ramp import MAX_SPEED, MIN_SPEED, SPEED, is_ramped, ramp_seconds
from .time import RationalTime

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

    from .items import Clip, TextClip

__all__ = [
    "EASES",
    "Interp",
    "Keyframe",
    "KeyframeSample",
    "bezier_parameter",
    "check_keyframes",
    "keyframe_time",
    "played_frame",
    "plays_backwards",
    "property_value",
    "sample",
    "sample_curve",
    "shift_keyframes",
    "value_at",
]

Interp = Literal["hold", "linear", "ease_in", "ease_out", "ease_in_out", "bezier"]

EASES: dict[str, tuple[float, float, float, float]] = {
    "ease_in": (0.42, 0.0, 1.0, 1.0),
    "ease_out": (0.0, 0.0, 0.58, 1.0),
    "ease_in_out": (0.42, 0.0, 0.58, 1.0),
}
"""The named eases as CSS cubic-bezier handles (x1, y1, x2, y2)."""


class Keyframe(Model):
    """A property's value at one source time, and how the curve leaves it for the next keyframe."""

    time: RationalTime = Field(description="source (media) time of the clip, like source_range")
    value: float
    interp: Interp = "linear"
    handles: tuple[float, float, float, float] | None = Field(
        None, description="cubic-bezier x1, y1, x2, y2 (CSS) when interp is 'bezier'"
    )

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number (got {v})")
        return v

    @model_validator(mode="after")
    def _handles(self) -> Keyframe:
        if self.interp == "bezier":
            if self.handles is None:
                raise ValueError("interp 'bezier' needs handles (x1, y1, x2, y2)")
            x1, y1, x2, y2 = self.handles
            if not (0 <= x1 <= 1 and 0 <= x2 <= 1) or not all(map(math.isfinite, (y1, y2))):
                raise ValueError(f"bezier handles: x1 and x2 must be within 0..1 (got {self.handles})")
        elif self.handles is not None:
            raise ValueError(f"handles are for interp 'bezier' (interp is {self.interp!r})")
        return self


_GROUPS: dict[str, type[BaseModel]] = {"transform": Transform, "crop": Crop, "color": ColorCorrection}
_TOP = {"clip": ("opacity", "volume", SPEED), "text": ("opacity", "x", "y")}
_EFFECT = re.compile(r"effects\[([^\]]+)\]\.(\w+)")


@lru_cache(maxsize=256)
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """The field's type and bounds (``Field(ge=..., le=...)``), to check keyframe values with."""
    info: FieldInfo = model.model_fields[name]
    annotation: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return TypeAdapter(annotation)


def _numeric(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields.get(name)
    return info is not None and info.annotation in (float, int, "float", "int")


def _resolve(clip: Clip | TextClip, path: str) -> tuple[type[BaseModel] | None, str, Any]:
    """(model whose field bounds apply, field name, the clip's static value) of a property path."""
    if path == SPEED and clip.type == "clip":
        return None, path, getattr(clip, path)  # bounds: _check_speed
    if path in _TOP.get(clip.type, ()):
        return type(clip), path, getattr(clip, path)
    if clip.type == "text":
        raise ValueError(f"unknown keyframable property {path!r} of a text clip (opacity, x, y)")
    group, _, name = path.partition(".")
    if group in _GROUPS and _numeric(_GROUPS[group], name):
        return _GROUPS[group], name, getattr(getattr(clip, group), name)
    m = _EFFECT.fullmatch(path)
    if m is not None:
        key, param = m.groups()
        fx = next((e for e in clip.effects if e.id == key), None)
        if fx is None and key.isdigit() and int(key) < len(clip.effects):
            fx = clip.effects[int(key)]
        if fx is None:
            raise ValueError(f"{path!r}: the clip has no effect {key!r} (an index or an effect id)")
        schema = EFFECT_PARAMS.get(fx.kind)
        static = fx.params.get(param)
        if schema is not None and _numeric(schema, param):
            return schema, param, static
        if schema is None and isinstance(static, (int, float)) and not isinstance(static, bool):
            return None, param, static  # a plugin's parameter: any finite number
        raise ValueError(f"{path!r}: {fx.kind} has no numeric parameter {param!r}")
    groups = ", ".join(f"{g}.<field>" for g in _GROUPS)
    raise ValueError(
        f"unknown keyframable property {path!r} (opacity, volume, speed, {groups}, effects[i].<param>)"
    )


def property_value(clip: Clip | TextClip, path: str) -> float:
    """The clip's own (static) value of a property: what it shows where nothing is keyframed."""
    return float(_resolve(clip, path)[2])


def check_keyframes(clip: Clip | TextClip) -> None:
    """Raise ValueError naming clip, property and keyframe for the first invalid keyframe list."""
    for path, frames in clip.keyframes.items():
        where = f"clip {clip.label()!r}: keyframes {path!r}"
        try:
            model, name, _ = _resolve(clip, path)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if not frames:
            raise ValueError(f"{where}: empty (remove the property to stop keyframing it)")
        for n, kf in enumerate(frames):
            at = f"{where} [{n}] at {kf.time}"
            if kf.time.value < 0 and clip.type != "text":  # a title's may be before a cut
                raise ValueError(f"{at}: a source time must be >= 0")
            if n and kf.time <= frames[n - 1].time:
                raise ValueError(f"{at}: times must increase (the one before is at {frames[n - 1].time})")
            if path == SPEED:
                _check_speed(clip, kf, at)
            elif model is not None:
                try:
                    _adapter(model, name).validate_python(kf.value)
                except ValidationError as exc:
                    raise ValueError(f"{at}: value {kf.value}: {first_error(exc)[1]}") from None


def _check_speed(clip: Clip | TextClip, kf: Keyframe, at: str) -> None:
    """A ramp's speeds lie in MIN_SPEED..MAX_SPEED, and a ramp never plays backwards or frozen."""
    if not MIN_SPEED <= Fraction(kf.value) <= MAX_SPEED:
        raise ValueError(f"{at}: speed {kf.value} is outside {float(MIN_SPEED)}..{float(MAX_SPEED)}")
    timing = [
        fx.kind for fx in getattr(clip, "effects", ()) if fx.enabled and fx.kind in ("reverse", "freeze")
    ]
    if timing:
        raise ValueError(f"{at}: a speed ramp cannot be combined with the {timing[0]!r} effect")


def plays_backwards(clip: Clip | TextClip) -> bool:
    """Whether the clip plays its span backwards (reverse effects cancel in pairs), so its frames and
    their keyframe times count from the span's end."""
    if clip.type != "clip":
        return False
    return sum(fx.enabled and fx.kind == "reverse" for fx in clip.effects) % 2 == 1


def played_frame(clip: Clip, k: int, n: int) -> int:
    """The span frame (from the clip's in point, at its speed) that clip frame ``k`` of ``n`` plays.

    The render applies the enabled reverse and freeze effects in their listed order to the span's
    frames, so the last listed picks first; one rule for every path that must name the frame shown.
    A ``k`` outside ``[0, n)`` (a transition's handle) is mirrored by a reverse too, as the render
    reads a reversed clip's handles (the playback runs on past the span's ends), and held by a freeze.
    """
    for fx in reversed([f for f in clip.effects if f.enabled]):
        if fx.kind == "reverse":
            k = n - 1 - k
        elif fx.kind == "freeze":
            k = min(int(fx.params["frame"]), n - 1)
    return k


def _span_frame(clip: Clip | TextClip, frame: int, rate: Fraction) -> int:
    """The frame of the clip's span (counted from its in point) whose source time clip ``frame`` shows."""
    return clip.frames(rate) - 1 - frame if plays_backwards(clip) else frame


def keyframe_time(clip: Clip | TextClip, frame: int, rate: Fraction) -> RationalTime:
    """Source time shown at clip-relative ``frame`` (project ``rate``): where a keyframe set there goes.

    A text clip has no source: its keyframes are clip-relative times.
    """
    if clip.type == "text":
        return RationalTime.from_frames(frame, rate)
    return clip.source_range.start + clip.source_offset(_span_frame(clip, frame, rate), rate)


def shift_keyframes(
    keyframes: dict[str, list[Keyframe]], by: RationalTime, *, backwards: bool = False
) -> dict[str, list[Keyframe]]:
    """Keyframes moved ``by`` with the span they animate (a freeze pulling a piece's span), so every
    frame keeps its value; times that would fall before the source's start collapse onto 0, holding
    the curve's value there (no frame of the span lies before it), read as the clip plays it
    (``backwards``: a reversed clip's segments follow the keyframe it plays first)."""
    out: dict[str, list[Keyframe]] = {}
    for path, frames in keyframes.items():
        moved = [kf.model_copy(update={"time": kf.time + by}) for kf in frames]
        before = [kf for kf in moved if kf.time.value < 0]
        if before:
            kept = moved[len(before) :]
            secs = [kf.time.to_seconds() for kf in moved]
            at0 = (_back if backwards else _at)(moved, secs, Fraction(0))[0]
            interp = before[-1].interp if before[-1].interp in ("hold", "linear") else "linear"
            zero = Keyframe(time=RationalTime(0, by.rate), value=at0, interp=interp)
            moved = kept if kept and kept[0].time.value == 0 else [zero, *kept]
        out[path] = moved
    return out


def bezier_parameter(h: tuple[float, float, float, float], u: float) -> float:
    """The CSS cubic-bezier's curve parameter where its x is ``u`` (bisection, so every call gives
    the same float: keyframe splits follow the values exactly)."""
    x1, _, x2, _ = h

    def bx(s: float) -> float:
        return 3 * (1 - s) ** 2 * s * x1 + 3 * (1 - s) * s * s * x2 + s**3

    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if bx(mid) < u:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _bezier(h: tuple[float, float, float, float], u: float) -> float:
    """CSS cubic-bezier: y at x = ``u``."""
    _, y1, _, y2 = h
    s = bezier_parameter(h, u)
    return 3 * (1 - s) ** 2 * s * y1 + 3 * (1 - s) * s * s * y2 + s**3


KeyframeSample = tuple[float, int | None]
"""A frame's value and its curve piece: frames of one piece lie on one line (None: eased)."""


def sample_curve(frames: list[Keyframe], secs: list[Fraction], s: Fraction) -> float:
    """The curve of ``frames`` (their times in seconds: ``secs``) at source second ``s``."""
    return _at(frames, secs, s)[0]


def _at(frames: list[Keyframe], secs: list[Fraction], s: Fraction, back: bool = False) -> KeyframeSample:
    if back:
        return _back(frames, secs, s)
    i = bisect.bisect_right(secs, s) - 1
    if i < 0:
        return frames[0].value, -1
    if i >= len(frames) - 1:
        return frames[-1].value, len(frames)
    a, b = frames[i], frames[i + 1]
    if a.interp == "hold" or s == secs[i]:
        return a.value, i if a.interp in ("hold", "linear") else None
    u = (s - secs[i]) / (secs[i + 1] - secs[i])
    if a.interp == "linear":
        return float(Fraction(a.value) + (Fraction(b.value) - Fraction(a.value)) * u), i
    handles = a.handles if a.interp == "bezier" and a.handles is not None else EASES[a.interp]
    return a.value + (b.value - a.value) * _bezier(handles, float(u)), None


def _back(frames: list[Keyframe], secs: list[Fraction], s: Fraction) -> KeyframeSample:
    """``_at`` on a clip that plays backwards: segment ``i`` runs from keyframe ``i + 1`` (played
    first, whose interp shapes it) down to keyframe ``i``."""
    i = bisect.bisect_left(secs, s) - 1
    if i < 0:
        return frames[0].value, -1
    if i >= len(frames) - 1:
        return frames[-1].value, len(frames)
    a, b = frames[i + 1], frames[i]
    if a.interp == "hold" or s == secs[i + 1]:
        return a.value, i if a.interp in ("hold", "linear") else None
    u = (secs[i + 1] - s) / (secs[i + 1] - secs[i])
    if a.interp == "linear":
        return float(Fraction(a.value) + (Fraction(b.value) - Fraction(a.value)) * u), i
    handles = a.handles if a.interp == "bezier" and a.handles is not None else EASES[a.interp]
    return a.value + (b.value - a.value) * _bezier(handles, float(u)), None


def sample(clip: Clip | TextClip, path: str, rate: Fraction, first: int, count: int) -> list[KeyframeSample]:
    """Values at clip-relative frames ``first .. first + count - 1`` (negative: handles before it)."""
    frames = clip.keyframes.get(path)
    if not frames:
        return [(property_value(clip, path), -1)] * count
    secs = [kf.time.to_seconds() for kf in frames]
    if clip.type == "clip" and is_ramped(clip):  # type: ignore[arg-type]
        # source time is not linear in frames on a ramp: a linear segment is no straight line
        # across frames, so no run of frames may be joined into one (only holds and ends are flat)
        return [_unjoined(frames, _at(frames, secs, s))
                for s in ramp_seconds(clip, Fraction(rate), first, count)]  # type: ignore[arg-type]  # fmt: skip
    if clip.type == "text":
        s0, step = Fraction(0), 1 / Fraction(rate)
    else:
        s0, step = clip.source_range.start.to_seconds(), clip.speed / rate
    span = range(first, first + count)
    back = plays_backwards(clip)
    if back:
        span = range(_span_frame(clip, first, rate), _span_frame(clip, first + count, rate), -1)
    return [_at(frames, secs, s0 + f * step, back) for f in span]


def _unjoined(frames: list[Keyframe], at: KeyframeSample) -> KeyframeSample:
    """``at`` with no segment key where its segment changes the value (each frame its own piece)."""
    value, key = at
    if key is not None and 0 <= key < len(frames) - 1 and frames[key].interp != "hold":
        return value, None
    return at


def value_at(clip: Clip | TextClip, path: str, frame: int, rate: Fraction) -> float:
    """The property's value at clip-relative ``frame`` on the project grid at ``rate``."""
    return sample(clip, path, Fraction(rate), frame, 1)[0][0]
