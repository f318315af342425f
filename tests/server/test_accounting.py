"""Batched request metrics: added at the loop's next turn, exactly what was recorded."""

from __future__ import annotations

import asyncio

from timeline_lab.server._accounting import Batch, record
from timeline_lab.telemetry import METRICS


def _counts(mode: str) -> tuple[float, float, float, float]:
    def value(metric: object, suffix: str, **labels: str) -> float:
        for family in metric.collect():  # type: ignore[attr-defined]
            for sample in family.samples:
                ours = all(sample.labels.get(k) == v for k, v in labels.items())
                if sample.name == family.name + suffix and ours:
                    return float(sample.value)
        return 0.0

    return (
        value(METRICS.requests, "_total", mode=mode, status="206"),
        value(METRICS.requests, "_total", mode=mode, status="200"),
        value(METRICS.latency, "_count", mode=mode),
        value(METRICS.bytes_sent, "_total", mode=mode),
    )


def test_batch_adds_at_the_next_turn() -> None:
    async def main() -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
        batch = Batch(asyncio.get_running_loop(), "batch-test")
        before = _counts("batch-test")
        batch.record(206, 0.001, 100)
        batch.record(206, 0.002, 50)
        batch.record(200, 0.003, 7)
        same_turn = _counts("batch-test")
        await asyncio.sleep(0)
        return before, same_turn, _counts("batch-test")

    before, same_turn, after = asyncio.run(main())
    assert same_turn == before
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 3, 157]


def test_flush_now_and_plain_record_agree() -> None:
    loop = asyncio.new_event_loop()
    try:
        batch = Batch(loop, "batch-now")
        before = _counts("batch-now")
        batch.record(206, 0.5, 10)
        batch.flush()  # as the server does when it stops
        batch.flush()  # nothing left: no change
        record("batch-now", 206, 0.5, 10)
        after = _counts("batch-now")
    finally:
        loop.close()
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 0, 2, 20]
