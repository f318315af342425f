"""Run a callback once the kernel is free: after the running cell (coalescing its edits), or now."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

__all__ = ["Coalescer", "kernel_loop"]


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this thread (the kernel's, inside a cell or comm handler), else None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Coalescer:
    """Calls ``fn`` once per burst: a loop of 500 edits in one cell sends one update, not 500."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._scheduled = False

    def __call__(self) -> None:
        """Ask for a run: deferred to the kernel loop when there is one, immediate otherwise."""
        loop = kernel_loop()
        if loop is None:
            self._fn()
            return
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._run)

    def _run(self) -> None:
        self._scheduled = False
        self._fn()
