"""Warm decoders: a small pool of frame-exact readers, keyed by what the file is, and ``frame_at``.

Scrubbing a file reuses its reader, which decodes forward from where it is instead of seeking (see
``_frame_reader``). This module is the decoding layer's public surface for the rest of the package.
"""

from __future__ import annotations

import os
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MediaError
from . import sequence
from ._frame_reader import FAR_GOPS, FrameReader
from ._frames import Frame, Size, TimeLike, output_size
from .keys import media_key

__all__ = [
    "DEFAULT_READERS",
    "FAR_GOPS",
    "Frame",
    "FrameReader",
    "ReaderPool",
    "Size",
    "TimeLike",
    "close_readers",
    "frame_at",
    "output_size",
]


class ReaderPool:
    """A few warm :class:`FrameReader` s, most recently used kept, so scrubbing a file stays cheap.

    A Studio owns one (``Services.readers``); :data:`DEFAULT_READERS` serves calls made without one.
    """

    def __init__(self, size: int = 4) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size: must be a positive int, got {size!r}")
        self.size = size
        self._readers: dict[str, FrameReader] = {}  # insertion order = recency (oldest first)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._readers)

    def readers(self) -> list[FrameReader]:
        """The pooled readers, least recently used first."""
        with self._lock:
            return list(self._readers.values())

    def reader(self, path: Path, rate: Fraction | None = None) -> FrameReader:
        """A warm reader of ``path`` (``rate``: an image sequence's), opened if none is pooled."""
        key = media_key(path, kind="reader", rate=rate if sequence.is_sequence(path) else None)
        pool = self._readers
        with self._lock:
            reader = pool.pop(key, None)
            if reader is not None and not reader.closed:
                pool[key] = reader
                return reader
        fresh = FrameReader(path, rate=rate)  # probing and opening happen outside the lock
        with self._lock:
            stale = [k for k, r in pool.items() if r.path == fresh.path or r.closed]
            reader = pool.pop(key, None)
            if reader is not None and not reader.closed:
                old, reader = fresh, reader  # another thread won the race
            else:
                old, reader = None, fresh
            pool[key] = reader
            evicted = [pool.pop(k) for k in stale if k in pool and k != key]
            while len(pool) > self.size:
                evicted.append(pool.pop(next(iter(pool))))
        for r in [*evicted, *([old] if old else [])]:
            r.close()
        return reader

    def frame_at(
        self,
        path: str | os.PathLike[str],
        t: TimeLike,
        size: Size | None = None,
        *,
        rate: Fraction | None = None,
    ) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """RGB pixels of the frame on screen at ``t``, read with a pooled reader (see :func:`frame_at`)."""
        for _ in range(3):
            reader = self.reader(Path(path), rate)
            try:
                return reader.frame(t, size=size)
            except MediaError:
                if reader.closed:  # evicted by another thread between lookup and read: try again
                    continue
                raise
        with FrameReader(path, rate=rate) as reader:
            return reader.frame(t, size=size)

    def close(self) -> None:
        """Close every pooled reader (files are released; the next read reopens)."""
        with self._lock:
            readers = list(self._readers.values())
            self._readers.clear()
        for r in readers:
            r.close()


DEFAULT_READERS = ReaderPool()
"""The process default: what :func:`frame_at` and previews use when given no pool, and the default
Studio's pool (``Studio.default()``). Every other Studio has a pool of its own."""


def frame_at(
    path: str | os.PathLike[str],
    t: TimeLike,
    size: Size | None = None,
    *,
    rate: Fraction | None = None,
    readers: ReaderPool | None = None,
) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """RGB pixels of the frame on screen at ``t``, from a pool of warm readers (scrubbing is cheap).

    ``rate``: the rate an image sequence is read at (its clip's media rate). ``readers``: the pool
    (a Studio's; default :data:`DEFAULT_READERS`).
    """
    return (readers if readers is not None else DEFAULT_READERS).frame_at(path, t, size, rate=rate)


def close_readers(readers: ReaderPool | None = None) -> None:
    """Close every reader of ``readers`` (default :data:`DEFAULT_READERS`); the next frame_at reopens."""
    (readers if readers is not None else DEFAULT_READERS).close()
