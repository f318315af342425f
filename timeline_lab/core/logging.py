"""Structured logs: one JSON object per line when asked for, and slow operations timed and logged."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "configure_logging", "timed"]

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Log records as JSON lines (time, level, logger, message, extras) for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON; ``extra={...}`` fields are kept as top-level keys."""
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: int | str = "INFO", *, json_lines: bool = False) -> logging.Handler:
    """Send timeline_lab's logs to stderr, as text or JSON lines; returns the handler it added."""
    logger = logging.getLogger("timeline_lab")
    for old in [h for h in logger.handlers if getattr(h, "_timeline_lab", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler()
    handler._timeline_lab = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler


@contextmanager
def timed(
    operation: str, *, slow_seconds: float = 1.0, logger: logging.Logger | None = None, **fields: Any
) -> Iterator[dict[str, Any]]:
    """Measure a block; log it at INFO with its duration when it took longer than ``slow_seconds``."""
    log = logger or logging.getLogger("timeline_lab.slow")
    info: dict[str, Any] = {"operation": operation, **fields}
    start = time.perf_counter()
    try:
        yield info
    finally:
        info["seconds"] = round(time.perf_counter() - start, 4)
        if info["seconds"] >= slow_seconds:
            log.info(
                "%s took %.3fs", operation, info["seconds"], extra={"duration_s": info["seconds"], **fields}
            )
