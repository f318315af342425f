"""The rate an MP4/MOV timecode (``tmcd``) track counts frames at, which PyAV does not expose.

Why: a camera's timecode need not run at its picture's rate (50p or 59.94p with 25 or 29.97 fps
timecode, high-frame-rate clips with base-rate timecode); counted at the video's rate, a source
timecode named the wrong frame.
"""

from __future__ import annotations

import os
import struct
from fractions import Fraction
from typing import TYPE_CHECKING, BinaryIO

from ._isobmff import _boxes, _find_box

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["timecode_rates"]

_NTSC_SLACK = Fraction(1, 100)
"""How far a tmcd's timescale / frameDuration may be off its whole or NTSC rate (2997/100)."""


def timecode_rates(path: Path) -> dict[int, Fraction]:
    """The timecode rate of each video track (by stream index) whose timecode a ``tmcd`` track
    carries: the track its ``tref`` names, else the file's first ``tmcd`` track."""
    try:
        with path.open("rb") as f:
            moov = _find_box(f, 0, os.fstat(f.fileno()).st_size, b"moov")
            if moov is None:
                return {}
            tracks = [_track(f, start, end) for start, end in _boxes(f, *moov, want=b"trak")]
    except (OSError, struct.error, ValueError, IndexError):  # unreadable boxes: the video's rate
        return {}
    rates = {track_id: rate for track_id, _, rate, _ in tracks if rate is not None}
    if not rates:
        return {}
    first = next(iter(rates.values()))
    return {
        index: rates.get(ref, first) if ref is not None else first
        for index, (_, handler, rate, ref) in enumerate(tracks)
        if handler == b"vide"
    }


def _track(f: BinaryIO, start: int, end: int) -> tuple[int, bytes, Fraction | None, int | None]:
    """(track ID, handler type, tmcd rate or None, the tmcd track its ``tref`` names or None)."""
    track_id = -1
    if (tkhd := _find_box(f, start, end, b"tkhd")) is not None:
        f.seek(tkhd[0])
        version = f.read(1)[0]
        f.seek(tkhd[0] + (20 if version == 1 else 12))
        (track_id,) = struct.unpack(">I", f.read(4))
    ref = None
    tref = _find_box(f, start, end, b"tref")
    if tref is not None and (tmcd := _find_box(f, *tref, b"tmcd")) is not None and tmcd[1] - tmcd[0] >= 4:
        f.seek(tmcd[0])
        (ref,) = struct.unpack(">I", f.read(4))
    handler, rate = b"", None
    if (mdia := _find_box(f, start, end, b"mdia")) is not None:
        if (hdlr := _find_box(f, *mdia, b"hdlr")) is not None:
            f.seek(hdlr[0] + 8)  # version and flags, pre-defined
            handler = f.read(4)
        rate = _tmcd_rate(f, *mdia)
    return track_id, handler, rate, ref


def _tmcd_rate(f: BinaryIO, start: int, end: int) -> Fraction | None:
    """The rate of a ``tmcd`` sample entry under ``mdia/minf/stbl/stsd``, if the track has one."""
    box: tuple[int, int] | None = (start, end)
    for kind in (b"minf", b"stbl", b"stsd"):
        box = _find_box(f, *box, kind) if box is not None else None
    if box is None:
        return None
    entry = _find_box(f, box[0] + 8, box[1], b"tmcd")  # past version, flags and the entry count
    if entry is None or entry[1] - entry[0] < 26:
        return None
    # reserved (6), data reference index (2), reserved (4), flags (4), then these
    f.seek(entry[0] + 16)
    timescale, frame_duration, frames = struct.unpack(">IIB", f.read(9))
    if not timescale or not frame_duration:
        return None
    rate = Fraction(timescale, frame_duration)
    for near in (Fraction(frames), Fraction(frames * 1000, 1001)):  # 2997/100 is 30000/1001
        if frames and abs(rate - near) < _NTSC_SLACK:
            return near
    return rate
