"""Whether a PNG's image data holds every row its header promises, each with a known filter.

Why: FFmpeg's PNG decoder shows a row with an unknown filter type, or rows missing at the end of
the data, as whatever bytes it has, with no error; Pillow refuses the first and pads the second.
A still is one picture shown for many frames, so a broken one is refused here with the row and
the file named, whichever decoder reads it next.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ...errors import RenderError

__all__ = ["check_png_rows"]

_PNG = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel of each PNG colour type (grey, RGB, palette, grey + alpha, RGBA)."""
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
"""Interlace passes: first column, first row, column step, row step."""
_PIECE = 1 << 20
"""Inflate this many bytes at a time: a huge image is checked in bounded memory."""
_SLICE = 1 << 16
"""Read compressed data this many bytes at a time."""
PILLOW_PIXELS = 1024 * 1024 * 1024 // 4 // 3
"""Pillow's default ``Image.MAX_IMAGE_PIXELS``: it warns above, and refuses a picture over twice
this as a decompression bomb; so is such a picture here, before any of its data is inflated."""
MAX_PIXELS = 2 * PILLOW_PIXELS


class _CutShort(Exception):
    """The file ends inside an image data chunk (args: the bytes missing)."""


def _passes(width: int, height: int, bits: int, interlaced: bool) -> list[tuple[int, int]]:
    """(bytes per row with its filter byte, rows) of each non-empty pass, in the data's order."""
    boxes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    out = []
    for x0, y0, dx, dy in boxes:
        w, h = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if w > 0 and h > 0:
            out.append((1 + -(-w * bits // 8), h))
    return out


def _idat(f: BinaryIO) -> Iterator[bytes]:
    """The image data chunks' contents in slices of at most ``_SLICE`` bytes, in order (the file
    positioned after the IHDR chunk): a chunk's length field is not trusted with memory."""
    seen = False
    while len(head := f.read(8)) == 8:
        size, kind = int.from_bytes(head[:4], "big"), head[4:]
        if kind == b"IDAT":
            seen = True
            while size > 0:
                if not (piece := f.read(min(size, _SLICE))):
                    raise _CutShort(size)
                size -= len(piece)
                yield piece
            f.seek(4, 1)
        elif seen or kind == b"IEND":
            return
        else:
            f.seek(size + 4, 1)


def check_png_rows(path: Path) -> None:
    """Raise RenderError naming ``path`` and the first broken row; return for any other file."""
    with Path(path).open("rb") as f:
        head = f.read(33)  # signature, IHDR: length, type, width, height, depth, colour, ..., CRC
        if len(head) < 33 or head[:8] != _PNG or head[12:16] != b"IHDR":
            return  # not a PNG: its decoder says what is wrong
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        depth, colour, interlace = head[24], head[25], head[28]
        if colour not in _CHANNELS or depth not in (1, 2, 4, 8, 16) or interlace > 1:
            return  # a header no decoder takes: they say so
        if width * height > MAX_PIXELS:
            msg = f"still image {path}: cannot be read: {width}x{height} pixels is more than {MAX_PIXELS}"
            raise RenderError(msg)
        rows = _passes(width, height, _CHANNELS[colour] * depth, interlace == 1)
        try:
            problem = _first_problem(_idat(f), rows)
        except _CutShort as short:
            problem = f"is cut short: the file ends {short.args[0]} bytes before its last chunk does"
    if problem:
        raise RenderError(f"still image {path}: cannot be read: its image data {problem}")


def _first_problem(chunks: Iterator[bytes], rows: list[tuple[int, int]]) -> str | None:
    """What is wrong with the inflated data of ``chunks`` against the rows expected (None: nothing).

    A stream that holds every row but lacks its end (its checksum cut off, never closed) is read
    in full by Pillow and FFmpeg alike, so it passes here too."""
    starts = [0]
    for size, count in rows:
        starts.append(starts[-1] + size * count)
    total, pos = starts[-1], 0

    def check(out: bytes) -> str | None:
        if pos + len(out) > total:
            return f"holds more than the {total} bytes of rows its header promises"
        bad = _bad_filter(out, pos, starts, rows)
        return None if bad is None else f"gives row {bad[0]} the unknown filter type {bad[1]}"

    inflate = zlib.decompressobj()
    try:
        for data in chunks:
            while data and not inflate.eof:
                out = inflate.decompress(data, _PIECE)
                data = inflate.unconsumed_tail
                if problem := check(out):
                    return problem
                pos += len(out)
        out = inflate.flush()
        if problem := check(out):
            return problem
        pos += len(out)
    except zlib.error as exc:
        return f"is not a valid zlib stream ({exc})"
    if pos < total:
        kept = sum(min(n, max(0, (pos - at) // size)) for (size, n), at in zip(rows, starts, strict=False))
        return f"ends after {kept} of {sum(c for _, c in rows)} rows"
    return None


def _bad_filter(
    out: bytes, pos: int, starts: list[int], rows: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """The first row (counted over every pass) whose filter byte lies in ``out`` (inflated bytes
    from offset ``pos``) and is not 0-4, and that byte."""
    view = np.frombuffer(out, np.uint8)
    before = 0
    for (size, count), start in zip(rows, starts, strict=False):
        first = max(0, -(-(pos - start) // size))
        last = min(count, -(-(pos + len(out) - start) // size))
        if first < last:
            offsets = start + np.arange(first, last) * size - pos
            over = np.flatnonzero(view[offsets] > 4)
            if over.size:
                return before + first + int(over[0]), int(view[offsets[over[0]]])
        before += count
    return None
