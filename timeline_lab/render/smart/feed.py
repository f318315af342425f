"""A generator run ahead on its own thread, its items held up to a byte budget.

Why: the smart render's walk reads the sources and hands the cut edges to the encoders; run on the
muxer's thread it would stop whenever the muxer waits (for an edge, for the sound), and the edges
further on would start late. On its own thread it runs ahead, as far as the budget allows.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator
from typing import Generic, TypeVar

T = TypeVar("T")

BUDGET = 64 << 20
"""Bytes of items the walk may hold ahead of the muxer (one item is always let through)."""


class Feed(Generic[T]):
    """Items of ``source`` in order; ``size`` says what each holds. ``stop`` ends the walk early."""

    def __init__(
        self, source: Generator[T, None, None], size: Callable[[T], int], budget: int = BUDGET
    ) -> None:
        self._source, self._size, self._budget = source, size, budget
        self._items: deque[tuple[T, int]] = deque()
        self._held, self._done, self._stopped = 0, False, False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._fill, name="smart-walk", daemon=True)
        self._thread.start()

    def get(self, timeout: float) -> tuple[bool, T | None]:
        """(True, item) for the next item; (True, None) at the end; (False, None) if none came
        within ``timeout`` seconds. Raises what the walk raised, after the items before it."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._items or self._done, timeout):
                return False, None
            if self._items:
                item, size = self._items.popleft()
                self._held -= size
                self._cond.notify_all()
                return True, item
            if self._error is not None:
                raise self._error
            return True, None

    def stop(self) -> None:
        """End the walk (its generator closes on its own thread) and drop what it holds."""
        with self._cond:
            self._stopped = True
            self._items.clear()
            self._cond.notify_all()

    def join(self) -> None:
        self._thread.join()

    def _fill(self) -> None:
        try:
            for item in self._source:
                size = self._size(item)
                with self._cond:
                    self._cond.wait_for(lambda: self._stopped or not self._items or self._held < self._budget)
                    if self._stopped:
                        return
                    self._items.append((item, size))
                    self._held += size
                    self._cond.notify_all()
        except BaseException as exc:  # handed to the consumer, in order
            with self._cond:
                self._error = exc
        finally:
            self._source.close()  # its open files close here, on the thread that opened them
            with self._cond:
                self._done = True
                self._cond.notify_all()
