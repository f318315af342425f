"""SMPTE timecode for exact frame counts: drop-frame at 29.97 and 59.94, as editors write it."""

from __future__ import annotations

import math
import re
from fractions import Fraction

__all__ = ["DROP_FRAME_RATES", "format_timecode", "timecode_frames"]

DROP_FRAME_RATES = {Fraction(30000, 1001): 2, Fraction(60000, 1001): 4}
"""Frame numbers dropped at the start of each minute (but every tenth), by rate."""
_TIMECODE = re.compile(r"^(-)?(\d+):(\d{2}):(\d{2})([:;.])(\d{2,3})$")


def timecode_frames(timecode: str, r: Fraction) -> int:
    """Frames from zero of ``HH:MM:SS:FF`` at rate ``r`` (``;`` before the frames: drop-frame)."""
    if not isinstance(timecode, str):
        raise TypeError(f"timecode: expected a string, got {type(timecode).__name__}")
    m = _TIMECODE.match(timecode.strip())
    if not m:
        raise ValueError(f"timecode {timecode!r}: expected HH:MM:SS:FF or HH:MM:SS;FF")
    sign, hh, mm, ss, sep, ff = m.groups()
    hours, minutes, secs, frames = int(hh), int(mm), int(ss), int(ff)
    nominal = math.ceil(r)
    if minutes > 59 or secs > 59 or frames >= nominal:
        raise ValueError(f"timecode {timecode!r}: field out of range at {r} fps")
    drop = DROP_FRAME_RATES.get(r, 0) if sep == ";" else 0
    if sep == ";" and not drop:
        raise ValueError(f"timecode {timecode!r}: drop-frame only exists at 29.97 and 59.94")
    total_minutes = 60 * hours + minutes
    if drop and secs == 0 and minutes % 10 != 0 and frames < drop:
        raise ValueError(f"timecode {timecode!r}: frame {frames} is dropped in this minute")
    count = (total_minutes * 60 + secs) * nominal + frames
    count -= drop * (total_minutes - total_minutes // 10)
    return -count if sign else count


def format_timecode(frames: int, r: Fraction, drop_frame: bool | None = None) -> str:
    """``HH:MM:SS:FF`` of frame ``frames`` at rate ``r``; drop-frame by default at 29.97/59.94."""
    drop = DROP_FRAME_RATES.get(r, 0)
    if drop_frame is None:
        drop_frame = bool(drop)
    if drop_frame and not drop:
        raise ValueError(f"drop-frame timecode only exists at 29.97 and 59.94, not {r}")
    sign = "-" if frames < 0 else ""
    frames = abs(frames)
    nominal = math.ceil(r)
    if drop_frame:
        per_10min = nominal * 600 - drop * 9
        per_min = nominal * 60 - drop
        tens, rem = divmod(frames, per_10min)
        extra = drop * 9 * tens
        if rem > drop:
            extra += drop * ((rem - drop) // per_min)
        frames += extra
    ff = frames % nominal
    total_secs = frames // nominal
    sep = ";" if drop_frame else ":"
    width = 3 if nominal > 100 else 2
    hh, mm, ss = total_secs // 3600, total_secs // 60 % 60, total_secs % 60
    return f"{sign}{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:0{width}d}"
