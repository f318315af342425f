"""Ctrl-C during a render stops it cleanly: the signal only cancels the job, which the loop honours.

Why: Python raises KeyboardInterrupt wherever the main thread happens to be, and inside PyAV's
buffersink pulls (which a GIF's palettegen answers with EAGAIN for every frame until the end) it was
sometimes lost, so the render ran to the end and wrote its output. The handler raises nothing: the
render stops at its next cancel check, removes its partial output, and then KeyboardInterrupt is
raised from plain Python. A second Ctrl-C raises at once, should the render not reach a check.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TYPE_CHECKING

from ...errors import CancelledError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType

    from ...core.jobs import Job

__all__ = ["Interrupts", "cancel_on_interrupt"]


class Interrupts:
    """Whether a Ctrl-C arrived while the render ran (then it is raised once the render stopped)."""

    def __init__(self) -> None:
        self.seen = False


@contextlib.contextmanager
def cancel_on_interrupt(job: Job) -> Iterator[Interrupts]:
    """While the block runs on the main thread under Python's default SIGINT handler, Ctrl-C cancels
    ``job`` instead of raising; KeyboardInterrupt is raised when the block ends. Elsewhere (a
    worker thread, a handler of the application's own, SIGINT ignored) nothing changes."""
    got = Interrupts()
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield got
        return

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if got.seen:  # the second Ctrl-C: do not wait for the render's next check
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.default_int_handler(signum, frame)
        got.seen = True
        job.cancel()

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield got
    except Exception as exc:
        if not got.seen:  # an error, or a cancel by its owner, not by Ctrl-C
            raise
        raise KeyboardInterrupt from None if isinstance(exc, CancelledError) else exc
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if got.seen:
        raise KeyboardInterrupt
