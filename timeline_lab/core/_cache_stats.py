"""What the memory and disk caches share: their statistics, and per-key compute-once markers."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass

__all__ = ["CacheStats", "Pending"]


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


class Pending:
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
