"""What an isolated child sends is parsed with bounds and cleaned before it reaches logs or errors."""

from __future__ import annotations

import json
import logging

import pytest

from timeline_lab.plugins._wire import MAX_DEPTH, BadMessage, clean, decode, log_level


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b'{"op": "log", "level": 20}', None),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (json.dumps({"op": "x", "v": [[[]]] * 2}).encode(), None),
        (('{"op":"x","a":' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}").encode(), "nested deeper"),
        (('{"op":"x","a":' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}").encode(), None),
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a message object"),
        (b'{"op": 5}', "not a message object"),
    ],
)
def test_decode(raw: bytes, error: str | None) -> None:
    if error is None:
        assert isinstance(decode(raw), dict)
    else:
        with pytest.raises(BadMessage, match=error):
            decode(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("two\nlines\r", "two\\nlines\\r"),
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),
        ("sep\u2028arator\x85", "sep\\u2028arator\\x85"),
        ("x" * 3000, "x" * 2000 + "..."),
        ({"not": "text"}, '{"not": "text"}'),
    ],
)
def test_clean(text: object, expected: str) -> None:
    assert clean(text) == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (logging.CRITICAL, logging.WARNING),
        (logging.ERROR, logging.WARNING),
        (logging.INFO, logging.INFO),
        (0, logging.DEBUG),
        ("CRITICAL", logging.INFO),
        (True, logging.INFO),
    ],
)
def test_log_level_is_capped(level: object, expected: int) -> None:
    assert log_level(level) == expected
