"""Speed ramps: a keyframed ``speed`` turned into the exact source time of every timeline frame.

A ramp is the clip's ``"speed"`` keyframes (at source times, like every keyframe). Frame ``k``
shows source second ``p(k)``; ``p(0)`` is the clip's in point and ``p(k + 1) = p(k) + v(k) / rate``
where ``v(k)`` is the curve's value at ``p(k)`` rounded to a multiple of 1/1000. So the position
is an exact rational with a bounded denominator whatever the interpolation (hold, linear and the
eases are all sampled once per frame, deterministically), and the clip's length is where ``p``
reaches the out point: ``k + (end - p(k)) * rate / v(k)`` frames, rounded to the nearest frame as
a constant speed's length is. Before frame 0 the first frame's speed holds.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .items import Clip

__all__ = ["MAX_SPEED", "MIN_SPEED", "SPEED", "is_ramped", "ramp_frames", "ramp_seconds", "speed_values"]

SPEED = "speed"
"""The keyframable property that makes a ramp."""
MIN_SPEED, MAX_SPEED = Fraction(1, 100), Fraction(100)
_GRID = 1000  # speeds are sampled on a 1/1000 grid, so positions stay small exact rationals
_MAX_FRAMES = 10_000_000  # guards a runaway walk (a day at 100 fps is 8.64M)

_Key = tuple[Fraction, Fraction, tuple[tuple[Fraction, str], ...], Fraction]
"""(in point, out point, each keyframe's (seconds, JSON), rate): what a ramp depends on."""


def is_ramped(clip: Clip) -> bool:
    """True when the clip's speed is keyframed (a ramp) rather than the constant ``speed``."""
    return bool(clip.keyframes.get(SPEED))


def _key(clip: Clip, rate: Fraction) -> _Key:
    kfs = tuple((kf.time.to_seconds(), kf.model_dump_json()) for kf in clip.keyframes[SPEED])
    return clip.source_range.start.to_seconds(), clip.source_range.end_exclusive().to_seconds(), kfs, rate


class _Walk:
    """Positions and speeds of one ramp at one rate, extended lazily as frames are asked for."""

    def __init__(self, key: _Key) -> None:
        from .keyframes import Keyframe, sample_curve  # keyframes imports this module

        self._sample = sample_curve
        self.s0, self.end, kfs, self.rate = key
        self._frames = [Keyframe.model_validate_json(text) for _, text in kfs]
        self._secs = [t for t, _ in kfs]
        self.pos: list[Fraction] = [self.s0]
        self.speeds: list[Fraction] = []
        self.length = self._measure()

    def speed_at(self, s: Fraction) -> Fraction:
        v = Fraction(round(self._sample(self._frames, self._secs, s) * _GRID), _GRID)
        return min(max(v, MIN_SPEED), MAX_SPEED)

    def extend(self, count: int) -> None:
        while len(self.pos) <= count:
            if len(self.pos) > _MAX_FRAMES:
                raise ValueError(f"speed ramp: more than {_MAX_FRAMES} frames")
            v = self.speed_at(self.pos[-1])
            self.speeds.append(v)
            self.pos.append(self.pos[-1] + v / self.rate)

    def _measure(self) -> int:
        k = 0
        while True:
            self.extend(k + 1)
            if self.pos[k + 1] > self.end:
                break
            k += 1
        frames = k + (self.end - self.pos[k]) * self.rate / self.speeds[k]
        return max(1, int(frames + Fraction(1, 2)))  # half up, as conform_frames rounds


@lru_cache(maxsize=64)
def _walk(key: _Key) -> _Walk:
    return _Walk(key)


def ramp_frames(clip: Clip, rate: Fraction) -> int:
    """Timeline length in frames of a ramped clip at the project ``rate``."""
    return _walk(_key(clip, Fraction(rate))).length


def ramp_seconds(clip: Clip, rate: Fraction, first: int, count: int) -> list[Fraction]:
    """Source seconds shown at clip frames ``first .. first + count - 1`` (negative: before it)."""
    w = _walk(_key(clip, Fraction(rate)))
    w.extend(max(first + count, 1))
    out = [w.pos[k] for k in range(max(first, 0), first + count)]
    if first < 0:
        v0 = w.speeds[0]
        out = [w.s0 + k * v0 / w.rate for k in range(first, min(0, first + count))] + out
    return out


def speed_values(clip: Clip, rate: Fraction, first: int, count: int) -> list[Fraction]:
    """The speed sampled at clip frames ``first .. first + count - 1`` (what each frame advances by)."""
    w = _walk(_key(clip, Fraction(rate)))
    w.extend(max(first + count, 1))
    return [w.speeds[max(k, 0)] for k in range(first, first + count)]
