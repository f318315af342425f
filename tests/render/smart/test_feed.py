"""The smart render's feed: a generator run ahead on its own thread, within a byte budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator

import pytest

from timeline_lab.render.smart.feed import Feed


def drain(feed: Feed[int]) -> list[int]:
    out = []
    while True:
        ready, item = feed.get(timeout=5)
        assert ready
        if item is None:
            return out
        out.append(item)


def test_items_arrive_in_order_and_the_walk_runs_ahead_only_within_the_budget() -> None:
    made: list[int] = []

    def source() -> Generator[int, None, None]:
        for n in range(1, 11):
            made.append(n)
            yield n

    feed = Feed(source(), size=lambda n: 100, budget=300)
    deadline = time.monotonic() + 5
    while len(made) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(made) == 4, "3 items held (the budget) and one made, waiting for room"
    assert drain(feed) == list(range(1, 11))
    feed.join()


def test_an_item_over_the_budget_still_passes() -> None:
    feed = Feed((n for n in (1, 2)), size=lambda n: 10**9, budget=10)
    assert drain(feed) == [1, 2]


def test_an_error_comes_after_the_items_before_it() -> None:
    def source() -> Generator[int, None, None]:
        yield 1
        raise ValueError("GOP at 7 is open")

    feed = Feed(source(), size=lambda n: 1)
    assert feed.get(timeout=5) == (True, 1)
    with pytest.raises(ValueError, match="GOP at 7"):
        feed.get(timeout=5)


def test_stop_closes_the_generator_on_its_own_thread() -> None:
    closed = threading.Event()

    def source() -> Generator[int, None, None]:
        try:
            n = 0
            while True:
                n += 1
                yield n
        finally:
            closed.set()

    feed = Feed(source(), size=lambda n: 1, budget=2)
    assert feed.get(timeout=5) == (True, 1)
    feed.stop()
    assert closed.wait(5)
    feed.join()


def test_get_times_out_while_the_walk_is_busy() -> None:
    go = threading.Event()

    def source() -> Generator[int, None, None]:
        go.wait(5)
        yield 1

    feed = Feed(source(), size=lambda n: 1)
    assert feed.get(timeout=0.05) == (False, None)
    go.set()
    assert drain(feed) == [1]
