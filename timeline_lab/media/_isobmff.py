"""Just enough ISO BMFF (MP4/MOV) box reading for a track's turn and mirror, which PyAV does not expose."""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING, BinaryIO

from .orientation import from_matrix

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["mp4_rotations"]


def mp4_rotations(path: Path) -> dict[int, tuple[int, bool]]:
    """``(rotation, flip)`` per track from its ``tkhd`` matrix times the movie's ``mvhd`` one, as
    FFmpeg combines them (PyAV exposes no stream side data)."""
    try:
        with path.open("rb") as f:
            moov = _find_box(f, 0, os.fstat(f.fileno()).st_size, b"moov")
            if moov is None:
                return {}
            mvhd = _find_box(f, *moov, b"mvhd")
            movie = _matrix(f, mvhd[0], 48, 36) if mvhd is not None else (1.0, 0.0, 0.0, 1.0)
            result = {}
            for index, (start, end) in enumerate(_boxes(f, *moov, want=b"trak")):
                tkhd = _find_box(f, start, end, b"tkhd")
                if tkhd is not None:
                    a, b, c, d = _matrix(f, tkhd[0], 52, 40)
                    ma, mb, mc, md = movie
                    result[index] = from_matrix(
                        a * ma + b * mc, a * mb + b * md, c * ma + d * mc, c * mb + d * md
                    )
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


def _matrix(f: BinaryIO, payload: int, long: int, short: int) -> tuple[float, float, float, float]:
    """The upper 2x2 part ``a b / c d`` of a header's matrix, ``long`` or ``short`` bytes into the
    payload for a version 1 or 0 header (16.16 fixed point; ``u v w`` and ``x y`` unused)."""
    f.seek(payload)
    version = f.read(1)[0]
    f.seek(payload + (long if version == 1 else short))
    a, b, _u, c, d = struct.unpack(">5i", f.read(20))
    return a / 65536, b / 65536, c / 65536, d / 65536
