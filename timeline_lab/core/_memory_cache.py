"""An in-memory LRU bounded by bytes, thread-safe, computing a missing value once per key."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import cachetools

from ._cache_keys import sizeof
from ._cache_stats import CacheStats, Pending

__all__ = ["MemoryCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _CountingLRU(cachetools.LRUCache[Hashable, Any]):
    """cachetools' LRU (a hit moves the key to the back), counting what the budget pushes out."""

    evictions = 0

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self.evictions += 1
        return item


class MemoryCache(Generic[K, V]):
    """Thread-safe LRU bounded by bytes (``getsizeof`` per value); a hit refreshes recency."""

    def __init__(self, max_bytes: int, *, getsizeof: Callable[[V], int] | None = None) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes: must be a positive int, got {max_bytes!r}")
        self._lock = threading.Lock()
        self._data = _CountingLRU(maxsize=max_bytes, getsizeof=getsizeof or sizeof)
        self._pending = Pending()
        self._hits = self._misses = 0

    def get(self, key: K, default: V | None = None) -> V | None:
        """The cached value (now most recently used), or ``default``."""
        with self._lock:
            try:
                value: V = self._data[key]
            except KeyError:
                self._misses += 1
                return default
            self._hits += 1
            return value

    def put(self, key: K, value: V) -> bool:
        """Store ``value``, evicting least recently used entries; False when it alone is over budget."""
        with self._lock:
            return self._put(key, value)

    def _put(self, key: K, value: V) -> bool:
        try:
            self._data[key] = value
        except ValueError:  # larger than the whole budget: keeping it would evict everything
            self._data.pop(key, None)
            return False
        return True

    def get_or_compute(self, key: K, fn: Callable[[], V]) -> V:
        """The cached value, or ``fn()`` stored; concurrent callers for one key run ``fn`` once."""
        while True:
            with self._lock:
                if key in self._data:
                    self._hits += 1
                    value: V = self._data[key]
                    return value
                waiting = self._pending.claim(key)
                if waiting is None:
                    self._misses += 1
                    break
            waiting.wait()
        try:
            value = fn()
            with self._lock:
                self._put(key, value)
            return value
        finally:
            with self._lock:
                self._pending.release(key)

    def pop(self, key: K) -> V | None:
        """Remove ``key``; returns its value, or None when it was not cached."""
        with self._lock:
            value: V | None = self._data.pop(key, None)
            return value

    def clear(self) -> None:
        """Drop every entry (statistics are kept)."""
        with self._lock:
            self._data.clear()

    def __contains__(self, key: object) -> bool:
        """Membership without touching recency or statistics."""
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def stats(self) -> CacheStats:
        """Hits, misses, evictions and the bytes in use against the budget."""
        with self._lock:
            d = self._data
            return CacheStats(self._hits, self._misses, d.evictions, len(d), int(d.currsize), int(d.maxsize))
