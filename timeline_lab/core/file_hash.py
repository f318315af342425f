"""A file's SHA-256, hashed once per version of the file (its size, modification and change time)."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from .disk_memo import file_stamp

__all__ = ["file_sha256"]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes; a same-size rewrite with its mtime put back is read again."""
    p = Path(path).resolve()
    return _sha256(p, *file_stamp(p.stat()))


@functools.lru_cache(maxsize=128)
def _sha256(path: Path, stamp: int, size: int) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
