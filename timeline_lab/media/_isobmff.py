"""Just enough ISO BMFF (MP4/MOV) box reading to get track rotation, which PyAV does not expose."""

from __future__ import annotations

import math
import os
import struct
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["mp4_rotations"]


def mp4_rotations(path: Path) -> dict[int, int]:
    """Rotation per track from each ``tkhd`` matrix (PyAV exposes no stream side data)."""
    try:
        with path.open("rb") as f:
            moov = _find_box(f, 0, os.fstat(f.fileno()).st_size, b"moov")
            if moov is None:
                return {}
            result = {}
            for index, (start, end) in enumerate(_boxes(f, *moov, want=b"trak")):
                tkhd = _find_box(f, start, end, b"tkhd")
                if tkhd is not None:
                    result[index] = _tkhd_rotation(f, tkhd[0])
            return result
    except (OSError, struct.error, ValueError, IndexError):  # unreadable boxes: no rotation
        return {}


def _boxes(f: BinaryIO, start: int, end: int, want: bytes) -> Iterator[tuple[int, int]]:
    """(payload start, end) of each ``want`` box between start and end (ISO BMFF headers)."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        size, kind = struct.unpack(">I4s", f.read(8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", f.read(8))
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        if kind == want:
            yield pos + header, min(end, pos + size)
        pos += size


def _find_box(f: BinaryIO, start: int, end: int, want: bytes) -> tuple[int, int] | None:
    return next(_boxes(f, start, end, want), None)


def _tkhd_rotation(f: BinaryIO, payload: int) -> int:
    """Counter-clockwise degrees 0..359: PyAV's ``VideoFrame.rotation`` for it, mod 360."""
    f.seek(payload)
    version = f.read(1)[0]
    f.seek(payload + 4 + (32 if version == 1 else 20) + 16)
    a, _b, _u, c = struct.unpack(">4i", f.read(16))  # matrix a b u c (d v x y w unused)
    if a == c == 0:
        return 0
    return round(math.degrees(math.atan2(c, a))) % 360
