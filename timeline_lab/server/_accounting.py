"""Per-request metrics at the cost of three method calls: the labelled children are looked up once;
``Batch`` defers even those to once per event-loop turn for the standalone server's lean loop."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from ..telemetry import METRICS

__all__ = ["Batch", "record"]

_children: dict[tuple[str, int], tuple[Any, Any, Any]] = {}


def _for(mode: str, status: int) -> tuple[Any, Any, Any]:
    """The request counter, latency histogram and byte counter of one mode and status."""
    found = _children.get((mode, status))
    if found is None:
        found = (
            METRICS.requests.labels(mode=mode, status=str(status)),
            METRICS.latency.labels(mode=mode),
            METRICS.bytes_sent.labels(mode=mode),
        )
        _children[(mode, status)] = found  # a race only builds the same children twice
    return found


def record(mode: str, status: int, seconds: float, body_bytes: int) -> None:
    """Count one media request, its latency and the media bytes of a GET's 200/206 body (else 0)."""
    requests, latency, sent = _for(mode, status)
    requests.inc()
    latency.observe(seconds)
    if body_bytes:
        sent.inc(body_bytes)


class Batch:
    """Requests recorded on an event loop and added to the metrics at the start of its next turn, in one
    ``inc`` per counter (the latency histogram still observes each request): anything the loop does
    next, a ``/metrics`` answer included, sees them. Used from the loop's thread only."""

    def __init__(self, loop: asyncio.AbstractEventLoop, mode: str) -> None:
        self.loop, self.mode = loop, mode
        self.pending: list[tuple[int, float, int]] = []

    def record(self, status: int, seconds: float, body_bytes: int) -> None:
        """As ``record``, for this loop's mode."""
        if not self.pending:
            self.loop.call_soon(self.flush)
        self.pending.append((status, seconds, body_bytes))

    def flush(self) -> None:
        """Add what was recorded since the last flush to the metrics."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        counts: Counter[int] = Counter()
        body = 0
        latency = _for(self.mode, pending[0][0])[1]
        for status, seconds, n in pending:
            counts[status] += 1
            latency.observe(seconds)
            body += n
        for status, count in counts.items():
            _for(self.mode, status)[0].inc(count)
        if body:
            _for(self.mode, pending[0][0])[2].inc(body)
