"""Reading what an untrusted child sends: bounded JSON, and text made safe for logs and errors."""

from __future__ import annotations

import json
import logging
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_MESSAGE", "BadMessage", "clean", "decode", "log_level"]

MAX_MESSAGE = 64 * 1024 * 1024
"""Bytes in one message (larger ones end the channel: the child is treated as crashed)."""
MAX_DEPTH = 64
"""Nesting of lists/objects in one message."""


class BadMessage(ValueError):
    """A child sent something that is not a well-formed, bounded protocol message."""


def decode(raw: bytes) -> dict[str, Any]:
    """Parse one message; never raises anything but :class:`BadMessage`."""
    try:
        msg = json.loads(raw)
    except RecursionError:
        raise BadMessage(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, MemoryError) as exc:
        raise BadMessage(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("op"), str):
        raise BadMessage("not a message object with an 'op'")
    if _too_deep(msg):
        raise BadMessage(f"JSON nested deeper than {MAX_DEPTH} levels")
    return msg


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def clean(value: Any, limit: int = 2000) -> str:
    """One printable line: newlines, escapes and other control characters shown as ``\\n``, ``\\x1b``."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)[:limit]
    if len(text) > limit:
        text = text[:limit] + "..."
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def log_level(value: Any) -> int:
    """A child's log level, capped at WARNING: a plugin cannot raise ERROR or CRITICAL as the app."""
    if not isinstance(value, int) or isinstance(value, bool):
        return logging.INFO
    return min(max(value, logging.DEBUG), logging.WARNING)
