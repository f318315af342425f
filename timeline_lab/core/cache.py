"""Caches with byte budgets: an in-memory LRU and a disk cache, keyed by what a file *is*, not its name.

Previews (thumbnails, filmstrips, waveforms) are cheap to keep and slow to make, so they are kept
twice: decoded objects in a :class:`MemoryCache` for this kernel, encoded bytes in a
:class:`DiskCache` that outlives it. Keys come from :func:`content_key`, which changes whenever
the file changes, so an edited file can never be served a stale preview. This module is the public
surface: the caches themselves live in ``_memory_cache``, ``_disk_cache`` and ``_cache_keys``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ._cache_keys import ENV_VAR as ENV_VAR  # the old import path
from ._cache_keys import cache_root, content_key, file_stamp, key_for, sizeof
from ._cache_stats import CacheStats
from ._disk_cache import DiskCache
from ._memory_cache import MemoryCache

__all__ = [
    "DEFAULT_CACHES",
    "CacheSet",
    "CacheStats",
    "DiskCache",
    "MemoryCache",
    "cache_root",
    "content_key",
    "file_stamp",
    "key_for",
    "shared_disk_cache",
    "sizeof",
]


log = logging.getLogger(__name__)


class CacheSet:
    """The caches of one owner (a Studio's ``Services.caches``): named memory LRUs and disk caches.

    Each is made on first use with the budget its first caller names; disk caches live under
    ``cache_root() / name`` (the root is read on every call, so a changed ``$TIMELINE_LAB_CACHE``
    opens a new one). Two sets never share a memory cache; their disk caches may share folders,
    which diskcache allows. A folder that cannot hold a cache (read-only, below a file, damaged)
    gives a cache that keeps nothing: previews are made afresh rather than refused.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memory: dict[str, MemoryCache[Any, Any]] = {}
        self._disk: dict[Path, DiskCache] = {}
        self._warned: set[Path] = set()

    def memory(self, name: str, max_bytes: int) -> MemoryCache[Any, Any]:
        """The memory cache ``name`` (``max_bytes`` is its budget when this call makes it)."""
        with self._lock:
            cache = self._memory.get(name)
            if cache is None:
                cache = self._memory[name] = MemoryCache(max_bytes)
            return cache

    def disk(self, name: str, *, size_limit: int = 2**30) -> DiskCache:
        """The disk cache in ``cache_root() / name`` (``size_limit`` applies when this call opens it);
        one that keeps nothing when that folder cannot hold a cache (tried again on the next call)."""
        directory = cache_root() / name
        with self._lock:
            cache = self._disk.get(directory)
            if cache is None:
                try:
                    cache = self._disk[directory] = DiskCache(directory=directory, size_limit=size_limit)
                except (OSError, sqlite3.Error) as exc:
                    if directory not in self._warned:
                        self._warned.add(directory)
                        log.warning(
                            "%s: cannot keep a cache there (%s); results are not kept", directory, exc
                        )
                    return DiskCache(directory=directory, size_limit=size_limit, store=False)
            return cache

    def stats(self) -> dict[str, CacheStats]:
        """Statistics of each memory cache, by name."""
        with self._lock:
            caches = dict(self._memory)
        return {name: cache.stats() for name, cache in sorted(caches.items())}

    def clear(self) -> None:
        """Drop the entries of every memory cache (the disk caches keep theirs)."""
        with self._lock:
            memory = list(self._memory.values())
        for m in memory:
            m.clear()

    def close(self) -> None:
        """Empty the memory caches and close the disk caches (their files stay; use reopens them)."""
        self.clear()
        with self._lock:
            disk = list(self._disk.values())
            self._disk.clear()
        for d in disk:
            d.close()


DEFAULT_CACHES = CacheSet()
"""The process default: what preview and waveform functions called without ``caches=`` use, and
the caches of the default Studio (``Studio.default()``). Every other Studio has a set of its own."""


def shared_disk_cache(name: str, *, size_limit: int = 2**30) -> DiskCache:
    """The process-default DiskCache for ``cache_root() / name`` (see :data:`DEFAULT_CACHES`)."""
    return DEFAULT_CACHES.disk(name, size_limit=size_limit)
