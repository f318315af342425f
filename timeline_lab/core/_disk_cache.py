"""A size-budgeted persistent cache on ``diskcache``, least recently used evicted one by one."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._cache_keys import cache_root
from ._cache_stats import CacheStats, Pending

__all__ = ["DiskCache"]

log = logging.getLogger(__name__)

_MISSING: Any = object()
_TROUBLE = (OSError, sqlite3.Error)
"""What a cache that cannot be read or written raises (read-only, full, below a file, damaged)."""


class _NoStore:
    """``diskcache.Cache``'s surface over nothing, for a folder that cannot hold a cache: every
    lookup misses and nothing is kept, so callers compute as if the cache were empty."""

    def get(self, key: str, default: Any = None) -> Any:
        return default

    def set(self, key: str, value: Any) -> bool:
        return False

    def pop(self, key: str, default: Any = None) -> Any:
        return default

    def clear(self) -> int:
        return 0

    def __contains__(self, key: object) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def volume(self) -> int:
        return 0

    def close(self) -> None:
        pass


class DiskCache:
    """Size-budgeted persistent cache (``diskcache``, least recently used evicted first).

    Lives in ``cache_root() / name`` unless ``directory`` is given. Store bytes, str, numbers
    or small tuples of them; values survive kernel restarts and are shared between processes.
    ``store=False`` keeps nothing (every lookup misses): what :meth:`CacheSet.disk` falls back to
    when the folder cannot hold a cache. A read or write that fails later costs a miss, never the
    caller.
    """

    def __init__(
        self,
        name: str = "previews",
        *,
        directory: str | os.PathLike[str] | None = None,
        size_limit: int = 2**30,
        store: bool = True,
    ) -> None:
        if isinstance(size_limit, bool) or not isinstance(size_limit, int) or size_limit < 1:
            raise ValueError(f"size_limit: must be a positive int, got {size_limit!r}")
        self.directory = Path(directory) if directory is not None else cache_root() / name
        self.size_limit = size_limit
        self._cache: Any = _NoStore()
        if store:
            import diskcache

            # cull_limit=0: diskcache would evict ten entries at a time on set(); _fit() evicts one by one
            self._cache = diskcache.Cache(
                str(self.directory),
                size_limit=size_limit,
                eviction_policy="least-recently-used",
                cull_limit=0,
            )
        self._lock = threading.Lock()
        self._hits = self._misses = self._evictions = 0
        self._pending = Pending()

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value (its access time refreshed), or ``default``."""
        try:
            value = self._cache.get(key, default=_MISSING)
        except _TROUBLE as exc:
            log.debug("%s: cannot read the cache (%s)", self.directory, exc)
            value = _MISSING
        with self._lock:
            if value is _MISSING:
                self._misses += 1
                return default
            self._hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store ``value``; least recently used entries go once the size limit is passed."""
        try:
            self._cache.set(key, value)
            evicted = self._fit()
        except _TROUBLE as exc:  # read-only or full: the value is simply not kept
            log.debug("%s: cannot write the cache (%s)", self.directory, exc)
            return
        if evicted:
            with self._lock:
                self._evictions += evicted

    def _fit(self) -> int:
        """Evict least recently used entries, one at a time, until the volume is within the limit."""
        c = self._cache
        evicted = 0
        while c.volume() > self.size_limit:
            with c._transact(retry=True) as (sql, cleanup):  # the statements diskcache's own cull runs
                row = sql("SELECT rowid, filename FROM Cache ORDER BY access_time LIMIT 1").fetchone()
                if row is None:
                    break
                sql("DELETE FROM Cache WHERE rowid = ?", (row[0],))
                if row[1] is not None:
                    cleanup(row[1])
            evicted += 1
        return evicted

    def get_or_compute(self, key: str, fn: Callable[[], Any]) -> Any:
        """The stored value, or ``fn()`` stored; concurrent callers in this process run ``fn`` once."""
        while True:
            value = self.get(key, _MISSING)
            if value is not _MISSING:
                return value
            with self._lock:
                waiting = self._pending.claim(key)
            if waiting is None:
                break
            waiting.wait()
            with self._lock:
                self._misses -= 1  # the waiter's first look was not a miss of its own
        try:
            value = fn()
            self.put(key, value)
            return value
        finally:
            with self._lock:
                self._pending.release(key)

    def pop(self, key: str) -> Any:
        """Remove ``key``; returns its value, or None when it was not stored."""
        return self._cache.pop(key, default=None)

    def clear(self) -> None:
        """Remove every entry (statistics are kept)."""
        self._cache.clear()

    def __contains__(self, key: object) -> bool:
        """Membership without touching recency or statistics."""
        return bool(key in self._cache)

    def __len__(self) -> int:
        return len(self._cache)

    def volume(self) -> int:
        """Bytes on disk, database included (what ``size_limit`` is checked against)."""
        return int(self._cache.volume())

    def stats(self) -> CacheStats:
        """Hits, misses and evictions seen by this object; entries and bytes of the whole cache."""
        with self._lock:
            hits, misses, evictions = self._hits, self._misses, self._evictions
        return CacheStats(hits, misses, evictions, len(self._cache), self.volume(), self.size_limit)

    def close(self) -> None:
        """Close the database connections (the files stay)."""
        self._cache.close()

    def __enter__(self) -> DiskCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
