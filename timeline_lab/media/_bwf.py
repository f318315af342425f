"""A BWF recorder's start timecode: bext TimeReference (FFmpeg's metadata) and iXML's timecode rate.

FFmpeg reads the bext chunk but not iXML, so the iXML chunk of a WAV/RF64 file is found here.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

__all__ = ["BwfTimecode", "bwf_timecode"]

_MAX_IXML = 1 << 20  # an iXML chunk is a few kilobytes; more is not one worth reading
_RATE = re.compile(r"^\s*(\d{1,6})\s*(?:/\s*(\d{1,6})\s*)?$")


class BwfTimecode(NamedTuple):
    """Where a recording starts in time of day, and the timecode rate the recorder ran at."""

    time_reference: int | None
    """Samples since midnight of the first sample."""
    rate: Fraction | None
    """iXML ``TIMECODE_RATE`` (``24000/1001``), when the file says it."""
    drop_frame: bool
    """iXML ``TIMECODE_FLAG`` is ``DF``."""


def bwf_timecode(path: Path | None, metadata: dict[str, str]) -> BwfTimecode:
    """The start timecode of a WAV/RF64 file (``metadata``: the container's, as FFmpeg read it;
    ``path``: the local file, whose iXML is read too)."""
    speed = _ixml_speed(path) if path is not None else {}
    ref = _whole(metadata.get("time_reference"))
    if ref is None:  # iXML keeps the same count, split in two 32-bit halves
        hi, lo = (
            _whole(speed.get("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI")),
            _whole(speed.get("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO")),
        )
        ref = None if lo is None else ((hi or 0) << 32) + lo
    rate = _rate(speed.get("TIMECODE_RATE"))
    drop = rate == Fraction(30000, 1001) and speed.get("TIMECODE_FLAG", "").strip().upper() == "DF"
    return BwfTimecode(ref, rate, drop)


def _whole(text: str | None) -> int | None:
    """A non-negative integer field, or None when absent or not one."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 20 else None


def _rate(text: str | None) -> Fraction | None:
    """``24000/1001`` or ``25`` as a rate; None when absent or not a plausible frame rate."""
    m = _RATE.match(text or "")
    if not m or (m.group(2) is not None and int(m.group(2)) == 0):
        return None
    rate = Fraction(int(m.group(1)), int(m.group(2) or 1))
    return rate if 1 <= rate <= 120 else None


def _ixml_speed(path: Path) -> dict[str, str]:
    """The text of each field in the iXML chunk's ``<SPEED>``; empty without one (or unreadable)."""
    xml = _ixml_chunk(path)
    if xml is None:
        return {}
    with contextlib.suppress(ET.ParseError, ValueError):
        speed = ET.fromstring(xml.rstrip(b"\0 \r\n\t")).find("SPEED")
        if speed is not None:
            return {child.tag: child.text or "" for child in speed}
    return {}


def _ixml_chunk(path: Path) -> bytes | None:
    """The body of a RIFF/RF64 WAVE file's ``iXML`` chunk, walking its chunks' headers only."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
            if head[:4] not in (b"RIFF", b"RF64", b"BW64") or head[8:12] != b"WAVE":
                return None
            data_size = None
            while len(chunk := f.read(8)) == 8:
                kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
                if kind == b"ds64":
                    body = f.read(size)
                    data_size = int.from_bytes(body[8:16], "little") if len(body) >= 16 else None
                    size = 0
                elif kind == b"iXML":
                    return f.read(size) if size <= _MAX_IXML else None
                elif kind == b"data" and size == 0xFFFFFFFF:
                    if data_size is None:
                        return None
                    size = data_size
                f.seek(size + (size & 1), 1)
    except OSError:
        return None
    return None
