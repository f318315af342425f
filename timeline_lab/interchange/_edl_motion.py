"""EDL speed changes and source times read as written (fixes for otio-cmx3600-adapter 1.0.0).

Its ``M2`` pattern takes non-drop-frame timecode only, so an EDL with a speed change in drop-frame
timecode (``00:00:01;10``) failed with "'NoneType' object has no attribute 'group'": read here with
``;``, ``,`` or ``.`` before the frames, and a line it still cannot read is named. An ``M2`` speed
has one decimal (``014.9`` frames a second is half speed at 29.97): the speed is the simplest one
that rounds or truncates to it (writers do either: 14.985 is 015.0 rounded, 014.9 cut). A negative
speed plays backwards from its source in (the first frame shown): as our clips count a reversed span
from its start, the span is moved to end there. A source time is put back on the start of the media
frame it falls in (an EDL writes it on the project's frames).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from ._otio_common import adapter_module, exact
from ._otio_media import Relink, clip_frame_rates

__all__ = ["M2_PRECISION", "M2_STEP", "exact_motion", "on_media_frames", "read_drop_frame_motion", "simplest"]

M2_PRECISION = Fraction(1, 20)
"""Half the last decimal of an M2 speed (frames a second, one decimal): how far below it a speed
rounded to it may be."""
M2_STEP = Fraction(1, 10)
"""The last decimal of an M2 speed: how far above it a speed cut to it may be (exclusive)."""

_MOTION = re.compile(
    r"(?:(?P<name>.*?)\s+)?(?P<speed>[-+]?[0-9.]*[0-9][0-9.]*)\s+(?P<tc>\d\d:\d\d:\d\d[:;.,]\d\d)$"
)
"""Reel (optional), speed in frames a second, trigger timecode (any separator before the frames)."""


class _MotionPattern:
    """The adapter's ``SPEED_EFFECT_RE``: drop-frame triggers too, an unreadable line named."""

    reads_drop_frame = True

    def __init__(self, error: type[Exception]) -> None:
        self._error = error

    def match(self, body: str) -> re.Match[str]:
        found = _MOTION.match(body.strip())
        if found is None:
            raise self._error(
                f"motion effect line 'M2 {body.strip()}': expected a reel, a speed and a timecode"
            )
        return found


def read_drop_frame_motion() -> None:
    """Patch the EDL reader's M2 pattern (idempotent; nothing to do without the adapter)."""
    cmx: Any = adapter_module("cmx_3600")
    if cmx is None or getattr(cmx.SPEED_EFFECT_RE, "reads_drop_frame", False):
        return
    cmx.SPEED_EFFECT_RE = _MotionPattern(cmx.EDLParseError)


def simplest(lo: Fraction, hi: Fraction, *, hi_included: bool = True) -> Fraction:
    """The fraction with the smallest denominator in [lo, hi] (0 < lo <= hi), or in [lo, hi) where
    ``hi_included`` is False (0 < lo < hi)."""
    q = 1
    while True:
        p = math.ceil(lo * q)
        if p < hi * q or (hi_included and p == hi * q):
            return Fraction(p, q)
        q += 1


def exact_motion(tl: otio.schema.Timeline, rate: Fraction) -> None:
    """Each speed change at the simplest speed its M2 line rounds or truncates (1/2, not 0.5005 from
    015.0 nor 55/111 from 014.9 at 29.97); a reversed one's source span ending at its source in, as
    the import counts a reversed span."""
    for clip in tl.find_clips():
        warp = next((fx for fx in clip.effects if type(fx) is otio.schema.LinearTimeWarp), None)
        if warp is None or warp.time_scalar == 0 or clip.source_range is None:
            continue
        fps = Fraction(round(Fraction(abs(warp.time_scalar)) * rate / M2_STEP)) * M2_STEP  # as written: 014.9
        lo = max(fps - M2_PRECISION, Fraction(1, 1000))
        hi = (fps + M2_STEP) / rate
        speed = simplest(lo / rate, hi, hi_included=False) if fps > M2_PRECISION else fps / rate
        warp.time_scalar = float(-speed if warp.time_scalar < 0 else speed)
        if warp.time_scalar < 0:  # the frames shown are in, in - speed, ...: the span ends at in
            src = clip.source_range
            back = (exact(src.duration).to_seconds() * rate - 1) * speed
            start = otio.opentime.RationalTime(src.start_time.value - float(back), src.start_time.rate)
            clip.source_range = otio.opentime.TimeRange(start, src.duration)


def on_media_frames(tl: otio.schema.Timeline, base: Path, folders: list[Path]) -> None:
    """Each clip's source start on the start of the media frame it falls in (an EDL writes source
    times on the project's frames: the first project frame inside a media frame names it)."""
    for clip, media_rate in clip_frame_rates(tl, base, Relink(folders)):
        seconds = exact(clip.source_range.start_time).to_seconds()
        first = otio.opentime.RationalTime(math.floor(seconds * media_rate), float(media_rate))
        clip.source_range = otio.opentime.TimeRange(first, clip.source_range.duration)
