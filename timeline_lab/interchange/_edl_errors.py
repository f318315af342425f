"""Where in an EDL a reader's error is: OpenTimelineIO's cmx_3600 reader names a timecode, a value
or a clip, never the event or line, so the line holding what it names is found here."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["edl_place", "rate_mismatch"]

_NAMED = re.compile(r"'([^']+)'|(\d\d:\d\d:\d\d[:;.,]\d\d)|for clip (.+)$")
_STATEMENT = re.compile(r"statement: (.+)$")
_EVENT = re.compile(r"^\s*(\d{3,})\s")


def rate_mismatch(message: str) -> bool:
    """An error of reading timecode at a rate its frames do not fit (what ``rate=`` can change)."""
    return "Frame rate mismatch" in message


def edl_place(p: Path, message: str) -> str:
    """``event 002 (line 6)``: the first event line holding what ``message`` names (its quoted
    value, a timecode, the clip); "" where none does."""
    statement = _STATEMENT.search(message)  # the reader quotes a line it cannot split: that line
    whole = [statement.group(1).strip()] if statement else []
    named = list(_NAMED.finditer(message[: statement.start()] if statement else message))
    values = [m.group(1) or m.group(2) for m in named if m.group(1) or m.group(2)]
    clips = [m.group(3).strip() for m in named if m.group(3)]  # the clip: where no value is found
    try:
        lines = p.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    for wanted in (whole, values, clips):
        event = None
        for number, line in enumerate(lines, 1):
            if found := _EVENT.match(line):
                event = found.group(1)
            if event is not None and any(w.strip() and w.strip() in line for w in wanted):
                return f"event {event} (line {number})"
    return ""
