"""Caches with byte budgets: an in-memory LRU and a disk cache, keyed by what a file *is*, not its name.

Previews (thumbnails, filmstrips, waveforms) are cheap to keep and slow to make, so they are kept
twice: decoded objects in a :class:`MemoryCache` for this kernel, encoded bytes in a
:class:`DiskCache` that outlives it. Keys come from :func:`content_key`, which changes whenever
the file changes, so an edited file can never be served a stale preview.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Generic, TypeVar

import cachetools
import platformdirs

from ..errors import MediaError

__all__ = [
    "DEFAULT_CACHES",
    "CacheSet",
    "CacheStats",
    "DiskCache",
    "MemoryCache",
    "cache_root",
    "content_key",
    "shared_disk_cache",
    "sizeof",
]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ENV_VAR = "TIMELINE_LAB_CACHE"
_KEY_VERSION = 1  # bump when the meaning of cached values changes


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


def content_key(path: str | os.PathLike[str], **params: object) -> str:
    """Key for results derived from ``path``: resolved path, size and mtime (ns), plus ``params``.

    Rewriting the file changes its size or mtime, so the key changes and old entries are never hit.
    """
    p = Path(path)
    try:
        st = p.stat()
        resolved = p.resolve()
    except FileNotFoundError:
        raise MediaError(f"{p}: no such file") from None
    except OSError as exc:
        raise MediaError(f"{p}: cannot read ({exc.strerror or exc})") from None
    ident = {"v": _KEY_VERSION, "path": str(resolved), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    text = json.dumps([ident, params], sort_keys=True, default=_jsonable, separators=(",", ":"))
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


@dataclass(frozen=True)
class CacheStats:
    """Counters since the cache object was made: what a dashboard or a benchmark wants to see."""

    hits: int
    misses: int
    evictions: int
    entries: int
    bytes: int
    budget: int

    @property
    def hit_rate(self) -> float:
        """Share of lookups served from the cache, 0..1 (0 before any lookup)."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class _CountingLRU(cachetools.LRUCache[Hashable, Any]):
    """cachetools' LRU (a hit moves the key to the back), counting what the budget pushes out."""

    evictions = 0

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self.evictions += 1
        return item


class _Pending:
    """Per-key "being computed" markers, so concurrent askers compute a value once."""

    def __init__(self) -> None:
        self._events: dict[Hashable, threading.Event] = {}

    def claim(self, key: Hashable) -> threading.Event | None:
        """None when this caller now owns ``key``; otherwise the event to wait on (lock held)."""
        event = self._events.get(key)
        if event is None:
            self._events[key] = threading.Event()
        return event

    def release(self, key: Hashable) -> None:
        """Wake the waiters (lock held)."""
        event = self._events.pop(key, None)
        if event is not None:
            event.set()


class MemoryCache(Generic[K, V]):
    """Thread-safe LRU bounded by bytes (``getsizeof`` per value); a hit refreshes recency."""

    def __init__(self, max_bytes: int, *, getsizeof: Callable[[V], int] | None = None) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes: must be a positive int, got {max_bytes!r}")
        self._lock = threading.Lock()
        self._data = _CountingLRU(maxsize=max_bytes, getsizeof=getsizeof or sizeof)
        self._pending = _Pending()
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


class DiskCache:
    """Size-budgeted persistent cache (``diskcache``, least recently used evicted first).

    Lives in ``cache_root() / name`` unless ``directory`` is given. Store bytes, str, numbers
    or small tuples of them; values survive kernel restarts and are shared between processes.
    """

    def __init__(
        self,
        name: str = "previews",
        *,
        directory: str | os.PathLike[str] | None = None,
        size_limit: int = 2**30,
    ) -> None:
        import diskcache

        if isinstance(size_limit, bool) or not isinstance(size_limit, int) or size_limit < 1:
            raise ValueError(f"size_limit: must be a positive int, got {size_limit!r}")
        self.directory = Path(directory) if directory is not None else cache_root() / name
        self.size_limit = size_limit
        # cull_limit=0: diskcache would evict ten entries at a time on set(); _fit() evicts one by one
        self._cache: Any = diskcache.Cache(
            str(self.directory), size_limit=size_limit, eviction_policy="least-recently-used", cull_limit=0
        )
        self._lock = threading.Lock()
        self._hits = self._misses = self._evictions = 0
        self._pending = _Pending()

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value (its access time refreshed), or ``default``."""
        value = self._cache.get(key, default=_MISSING)
        with self._lock:
            if value is _MISSING:
                self._misses += 1
                return default
            self._hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store ``value``; least recently used entries go once the size limit is passed."""
        self._cache.set(key, value)
        evicted = self._fit()
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


_MISSING: Any = object()


class CacheSet:
    """The caches of one owner (a Studio's ``Services.caches``): named memory LRUs and disk caches.

    Each is made on first use with the budget its first caller names; disk caches live under
    ``cache_root() / name`` (the root is read on every call, so a changed ``$TIMELINE_LAB_CACHE``
    opens a new one). Two sets never share a memory cache; their disk caches may share folders,
    which diskcache allows.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memory: dict[str, MemoryCache[Any, Any]] = {}
        self._disk: dict[Path, DiskCache] = {}

    def memory(self, name: str, max_bytes: int) -> MemoryCache[Any, Any]:
        """The memory cache ``name`` (``max_bytes`` is its budget when this call makes it)."""
        with self._lock:
            cache = self._memory.get(name)
            if cache is None:
                cache = self._memory[name] = MemoryCache(max_bytes)
            return cache

    def disk(self, name: str, *, size_limit: int = 2**30) -> DiskCache:
        """The disk cache in ``cache_root() / name`` (``size_limit`` applies when this call opens it)."""
        directory = cache_root() / name
        with self._lock:
            cache = self._disk.get(directory)
            if cache is None:
                cache = self._disk[directory] = DiskCache(directory=directory, size_limit=size_limit)
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
