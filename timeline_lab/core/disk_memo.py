"""Results read from a file, kept on disk under what the file is, so a new process skips the read.

A command-line render or a restarted kernel would otherwise probe and scan every source again.
An entry's name hashes the file's path, size, mtime and ctime and the versions that made it, so
a changed file (even one rewritten at the same size with its mtime put back) or a newer reader
is never served an old result. Only a regular file owned by this user is read back; anything
wrong with the cache (damaged, a link, read-only, full) costs a fresh read, never the caller.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path

from ..atomic import atomic_write_bytes
from ..errors import TimelineLabError
from ._cache_keys import cache_root

__all__ = ["file_stamp", "keep", "kept", "memo_path"]

log = logging.getLogger(__name__)


def file_stamp(st: os.stat_result) -> tuple[int, int]:
    """(mtime and ctime folded into one stamp, size): what a file *is* for its kept results."""
    return st.st_mtime_ns ^ (st.st_ctime_ns << 1), st.st_size


def memo_path(kind: str, suffix: str, *ident: object) -> Path:
    """Where the result of ``kind`` for ``ident`` (path, stamp, versions...) is kept."""
    digest = hashlib.sha256("|".join(map(str, ident)).encode()).hexdigest()[:40]
    return cache_root() / kind / f"{digest}{suffix}"


def kept(path: Path) -> bytes | None:
    """The bytes kept at ``path`` when a regular file of ours is there, else None."""
    try:
        st = path.lstat()
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid():
            return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.debug("ignoring the kept result %s (%s)", path, exc)
    return None


def keep(path: Path, data: bytes) -> None:
    """Keep ``data`` at ``path`` (0600, in a 0700 folder), replacing whatever was there."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # whatever is there (a link, a damaged file) goes
        atomic_write_bytes(path, data, mode=0o600)
    except (OSError, TimelineLabError) as exc:  # a read-only or full cache costs a fresh read
        log.debug("cannot keep %s (%s)", path, exc)
