"""HTTP byte ranges and validators (RFC 9110 §13-14), pure: the handler only applies the answers."""

from __future__ import annotations

import email.utils
import functools
import itertools
import re
from collections.abc import Callable

__all__ = [
    "MAX_RANGES",
    "content_range",
    "http_date",
    "parse_http_date",
    "parse_range",
    "precondition_status",
    "range_applies",
]

MAX_RANGES = 32  # more parts than this is not a player seeking: serve the whole file instead
_MAX_HEADER = 4096
_SPEC = re.compile(r"([0-9]*)-([0-9]*)")  # ASCII only: \d matches any script
_ONE = re.compile(r"bytes=([0-9]{1,18})-([0-9]{0,18})")
_BIG = 1 << 63  # stands in for digit strings too long to be a real offset (int() has a size limit)


def _int(digits: str) -> int:
    """Decimal digits to int, saturating instead of parsing thousands of digits."""
    digits = digits.lstrip("0") or "0"
    return _BIG if len(digits) > 18 else int(digits)


def _greater(x: str, y: str) -> bool:
    """``int(x) > int(y)`` for digit strings of any length, without int()."""
    x, y = x.lstrip("0") or "0", y.lstrip("0") or "0"
    return (len(x), x) > (len(y), y)


def parse_range(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """Half-open ``(start, stop)`` ranges to send, ``[]`` if unsatisfiable (416), None to send all (200).

    Invalid syntax, another unit, overlapping parts, parts adding up past the file or more than
    ``MAX_RANGES`` parts are ignored (the whole file is sent), as RFC 9110 §14.2 allows.
    """
    if not header or len(header) > _MAX_HEADER:
        return None
    one = _ONE.fullmatch(header)
    if one is not None:  # what players send: one range, no spaces (the general parse agrees, slower)
        first, last = one.groups()
        start = int(first)
        if last and start > int(last):
            return None
        if start >= size:
            return []
        return [(start, min(int(last) + 1 if last else _BIG + 1, size))]
    if header[:6].lower() != "bytes=":
        return None
    specs = [s.strip(" \t") for s in header[6:].split(",")]
    specs = [s for s in specs if s]
    if not specs or len(specs) > MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    for spec in specs:
        m = _SPEC.fullmatch(spec)
        if m is None or m.group(0) == "-":
            return None
        first, last = m.groups()
        if first:
            if last and _greater(first, last):
                return None  # last < first: the whole header is invalid
            start = _int(first)
            end = _int(last) + 1 if last else _BIG + 1
            if start < size:
                ranges.append((start, min(end, size)))
        else:
            n = _int(last)
            if n > 0 and size > 0:
                ranges.append((max(0, size - n), size))
    if len(ranges) > 1:
        ordered = sorted(ranges)
        if any(a[1] > b[0] for a, b in itertools.pairwise(ordered)):
            return None
    return ranges


def content_range(start: int, stop: int, size: int) -> str:
    """The ``Content-Range`` value of a half-open range."""
    return f"bytes {start}-{stop - 1}/{size}"


@functools.lru_cache(maxsize=1024)
def http_date(seconds: int) -> str:
    """IMF-fixdate, as HTTP headers carry dates."""
    return email.utils.formatdate(seconds, usegmt=True)


def parse_http_date(value: str | None) -> int | None:
    """Seconds since the epoch, or None for a missing or malformed date (the header is then ignored)."""
    if not value or len(value) > 64:
        return None
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    try:
        return int(email.utils.mktime_tz(parsed))
    except (ValueError, OverflowError, TypeError):
        return None


def _tags(value: str) -> list[str]:
    """Entity-tags of a list header, as written (``W/`` kept)."""
    return [t.strip(" \t") for t in value.split(",") if t.strip(" \t")]


def _weak_match(value: str, etag: str) -> bool:
    """If-None-Match semantics: ``*`` or any tag equal ignoring ``W/``."""
    return any(t == "*" or t.removeprefix("W/") == etag for t in _tags(value))


def _strong_match(value: str, etag: str) -> bool:
    """If-Match semantics: ``*`` or a tag equal byte for byte (weak tags never match)."""
    return any(t in ("*", etag) for t in _tags(value))


def precondition_status(get: Callable[[str], str | None], etag: str, last_modified: int) -> int | None:
    """412 or 304 per RFC 9110 §13.2.2 (for GET/HEAD), or None to go on."""
    if_match = get("If-Match")
    if if_match is not None:
        if not _strong_match(if_match, etag):
            return 412
    else:
        since = parse_http_date(get("If-Unmodified-Since"))
        if since is not None and last_modified > since:
            return 412
    if_none_match = get("If-None-Match")
    if if_none_match is not None:
        return 304 if _weak_match(if_none_match, etag) else None
    since = parse_http_date(get("If-Modified-Since"))
    if since is not None and last_modified <= since:
        return 304
    return None


def range_applies(if_range: str | None, etag: str, last_modified: int) -> bool:
    """If-Range: send the range only if the client's copy is this version (else the whole file)."""
    if if_range is None:
        return True
    value = if_range.strip(" \t")
    if value.startswith(('"', "W/")):
        return value == etag
    return parse_http_date(value) == last_modified
