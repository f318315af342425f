"""How every render path ends on failure: one event, one exception type, the same message."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import av

from ...core.events import RenderCancelled, RenderFailed
from ...errors import CancelledError, RenderError, TimelineLabError

if TYPE_CHECKING:
    from pathlib import Path

    from ...core.events import EventBus

__all__ = ["fail"]


def fail(exc: BaseException, job_id: str, target: Path, bus: EventBus | None) -> NoReturn:
    """Publish RenderCancelled/RenderFailed for ``exc`` and raise it as a timeline_lab error."""
    if isinstance(exc, CancelledError):
        if bus:
            bus.publish(RenderCancelled(job_id, target))
        raise exc
    if bus:
        bus.publish(RenderFailed(job_id, target, str(exc)))
    if isinstance(exc, TimelineLabError):
        raise exc
    if isinstance(exc, av.FFmpegError | ValueError | OSError):
        raise RenderError(f"{target}: render failed: {exc}") from exc
    raise exc
