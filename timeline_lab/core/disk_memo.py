"""Results read from a file, kept on disk under what the file is, so a new process skips the read.

A command-line render or a restarted kernel would otherwise probe and scan every source again.
An entry is named by a hash of the file's path, size, mtime and ctime and the versions that made
it, and starts with that identity in full: a changed file (even one rewritten at the same size
with its mtime put back), a newer reader, or an entry renamed onto another's name (a shared
cache folder) is never served. Only a regular file owned by this user is read back, never
through a link; anything wrong with the cache (damaged, foreign, read-only, full) costs a fresh
read, never the caller. Each kind keeps at most ``_MOST`` entries, the oldest dropped first.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path

from ..atomic import atomic_write_bytes
from ._cache_keys import cache_root, file_stamp

__all__ = ["Memo", "file_stamp"]

log = logging.getLogger(__name__)

_MOST = 4096
"""Entries one kind keeps; past it, the older half goes (sources come and go, entries linger)."""


def _ours(st: os.stat_result) -> bool:
    """A regular file owned by this user (where the OS has owners)."""
    getuid = getattr(os, "getuid", None)
    return stat.S_ISREG(st.st_mode) and (getuid is None or st.st_uid == getuid())


class Memo:
    """Where the result of ``kind`` for one identity (path, stamp, versions...) is kept."""

    def __init__(self, kind: str, suffix: str, *ident: object) -> None:
        self.ident = "|".join(map(str, ident)).encode("utf-8", "surrogateescape")  # a non-UTF-8 file name
        digest = hashlib.sha256(self.ident).hexdigest()[:40]
        self.path = cache_root() / kind / f"{digest}{suffix}"

    def get(self) -> bytes | None:
        """The kept bytes, when an entry of ours for exactly this identity is there."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except OSError:  # absent, a link, unreadable
            return None
        try:
            with os.fdopen(fd, "rb") as f:
                if not _ours(os.fstat(f.fileno())):
                    return None
                head = f.readline()
                if head != self.ident + b"\n":  # another file's entry under this name
                    return None
                return f.read()
        except Exception as exc:  # (the promise: a cache problem never reaches the caller)
            log.debug("ignoring the kept result %s (%s)", self.path, exc)
            return None

    def put(self, data: bytes) -> None:
        """Keep ``data`` (0600, in a 0700 folder), replacing whatever was there."""
        try:
            folder = self.path.parent
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.unlink(missing_ok=True)  # whatever is there (a link, a damaged file) goes
            atomic_write_bytes(self.path, self.ident + b"\n" + data, mode=0o600)
            _prune(folder)
        except Exception as exc:  # a read-only or full cache costs a fresh read
            log.debug("cannot keep %s (%s)", self.path, exc)


def _prune(folder: Path) -> None:
    """Drop the older half of the entries once a kind holds more than ``_MOST``."""
    with os.scandir(folder) as it:
        entries = [e for e in it if e.is_file(follow_symlinks=False)]
    if len(entries) <= _MOST:
        return
    entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
    for e in entries[: len(entries) // 2]:
        Path(e.path).unlink(missing_ok=True)
