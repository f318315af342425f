"""Cache keys from what a file *is* (resolved path, size, mtime, ctime, inode), the cache root, value sizes.

Keys change whenever the file changes, so an edited file can never be served a stale entry: even
one replaced by another of the same size with its mtime put back (``cp -p``, ``rsync -t``), which
changes its ctime (and, when renamed over it, its inode).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from fractions import Fraction
from pathlib import Path

import platformdirs

from ..errors import MediaError

__all__ = ["ENV_VAR", "cache_root", "content_key", "file_stamp", "key_for", "sizeof"]

ENV_VAR = "TIMELINE_LAB_CACHE"
_KEY_VERSION = 2  # bump when the meaning of cached values changes (2: ctime, inode and device)


def cache_root() -> Path:
    """Root of every on-disk cache: ``$TIMELINE_LAB_CACHE``, else the platform's user cache folder."""
    return Path(os.environ.get(ENV_VAR) or platformdirs.user_cache_dir("timeline_lab"))


def _jsonable(x: object) -> object:
    if isinstance(x, Fraction):
        return f"{x.numerator}/{x.denominator}"
    to_json = getattr(x, "to_json", None)
    if callable(to_json):
        return to_json()
    if isinstance(x, os.PathLike):
        return os.fspath(x)
    if isinstance(x, set | frozenset):
        return sorted(x, key=repr)
    raise TypeError(f"content_key: cannot use a {type(x).__name__} as a cache parameter")


def file_stamp(st: os.stat_result) -> tuple[int, int]:
    """(mtime and ctime folded into one stamp, size): what a file *is* for its kept results."""
    return st.st_mtime_ns ^ (st.st_ctime_ns << 1), st.st_size


def content_key(path: str | os.PathLike[str], **params: object) -> str:
    """Key for results derived from ``path``: resolved path, size, mtime, ctime, inode, device, ``params``.

    Rewriting or replacing the file changes one of them, so the key changes: old entries are never hit.
    """
    p = Path(path)
    try:
        st = p.stat()
        resolved = p.resolve()
    except FileNotFoundError:
        raise MediaError(f"{p}: no such file") from None
    except OSError as exc:
        raise MediaError(f"{p}: cannot read ({exc.strerror or exc})") from None
    stamp, size = file_stamp(st)
    return key_for(
        {"path": str(resolved), "size": size, "stamp": stamp, "ino": st.st_ino, "dev": st.st_dev}, **params
    )


def key_for(ident: object, **params: object) -> str:
    """Key for results derived from what ``ident`` says a source is (JSON-able), plus ``params``."""
    text = json.dumps(
        [{"v": _KEY_VERSION, "ident": ident}, params],
        sort_keys=True,
        default=_jsonable,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def sizeof(value: object) -> int:
    """Bytes a cached value holds: ``nbytes`` for arrays, length for bytes, pixels for images."""
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return max(1, nbytes)
    if isinstance(value, bytes | bytearray | memoryview | str):
        return max(1, len(value))
    size = getattr(value, "size", None)
    bands = getattr(value, "getbands", None)
    if isinstance(size, tuple) and callable(bands):  # a PIL image
        return max(1, int(size[0]) * int(size[1]) * len(bands()))
    return sys.getsizeof(value)
