"""Per-request metrics at the cost of three method calls: the labelled children are looked up once."""

from __future__ import annotations

from typing import Any

from ..telemetry import METRICS

__all__ = ["record"]

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
