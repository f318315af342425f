"""Range parsing and validators as pure functions (RFC 9110 §13-14)."""

from __future__ import annotations

import pytest

from timeline_lab.server._ranges import (
    MAX_RANGES,
    content_range,
    http_date,
    parse_http_date,
    parse_range,
    precondition_status,
    range_applies,
)

SIZE = 100


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-0", [(0, 1)]),
        ("bytes=0-", [(0, 100)]),
        ("bytes=10-19", [(10, 20)]),
        ("bytes=90-500", [(90, 100)]),
        ("bytes=-10", [(90, 100)]),
        ("bytes=-1000", [(0, 100)]),
        ("Bytes=1-2", [(1, 3)]),
        ("bytes=0-1, 5-6", [(0, 2), (5, 7)]),
        ("bytes=5-6,0-1", [(5, 7), (0, 2)]),  # order kept: the client asked for it
        ("bytes=0-1,,", [(0, 2)]),  # empty list elements are tolerated
        ("bytes=0-1,200-300", [(0, 2)]),  # unsatisfiable parts dropped
        ("bytes=100-", []),
        ("bytes=100-200", []),
        ("bytes=-0", []),
        ("bytes=200-300,400-", []),
        ("bytes=" + "9" * 4000 + "-", []),  # saturates instead of int() on thousands of digits
        ("bytes=0-" + "9" * 4000, [(0, 100)]),
        ("bytes=5-2", None),  # last < first: invalid, whole file
        ("bytes=" + "9" * 30 + "-" + "9" * 20, None),  # compared exactly, not saturated
        ("bytes=" + "0" * 30 + "7-" + "0" * 25 + "8", [(7, 9)]),  # leading zeros are not "huge"
        ("bytes=0-5,3-8", None),  # overlapping: whole file
        ("bytes=-", None),
        ("bytes=1-2-3", None),
        ("bytes=a-b", None),
        ("bytes=\u0663-4", None),  # Arabic-Indic digit
        ("bytes=+1-2", None),
        ("bytes 0-1", None),
        ("items=0-1", None),
        ("bytes=", None),
        ("bytes=,", None),
        ("bytes=" + ",".join(f"{i}-{i}" for i in range(MAX_RANGES + 1)), None),
        ("bytes=0-0" + " " * 5000, None),  # absurdly long header: ignored
    ],
)
def test_parse_range(header: str | None, expected: list[tuple[int, int]] | None) -> None:
    assert parse_range(header, SIZE) == expected


def test_empty_file_ranges_are_unsatisfiable() -> None:
    assert parse_range("bytes=0-", 0) == []
    assert parse_range("bytes=-5", 0) == []
    assert parse_range("bytes=0-0", 1) == [(0, 1)]


def test_content_range_is_inclusive() -> None:
    assert content_range(0, 10, 100) == "bytes 0-9/100"


def test_http_date_round_trip() -> None:
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert parse_http_date(http_date(1_700_000_000)) == 1_700_000_000
    for bad in (
        None,
        "",
        "yesterday",
        "Mon, 32 Foo 2020 99:99:99 GMT",
        "x" * 100,
        "Mon, 01 Jan 99999 0:0:0 GMT",
    ):
        assert parse_http_date(bad) is None


ETAG = '"abc"'
LM = 1_700_000_000


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"If-None-Match": ETAG}, 304),
        ({"If-None-Match": f"W/{ETAG}"}, 304),  # weak comparison
        ({"If-None-Match": '"x", ' + ETAG}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"other"'}, None),
        ({"If-None-Match": '"other"', "If-Modified-Since": http_date(LM)}, None),  # INM wins
        ({"If-Modified-Since": http_date(LM)}, 304),
        ({"If-Modified-Since": http_date(LM - 1)}, None),
        ({"If-Modified-Since": "garbage"}, None),
        ({"If-Match": ETAG}, None),
        ({"If-Match": "*"}, None),
        ({"If-Match": f"W/{ETAG}"}, 412),  # strong comparison
        ({"If-Match": '"other"'}, 412),
        ({"If-Unmodified-Since": http_date(LM - 1)}, 412),
        ({"If-Unmodified-Since": http_date(LM)}, None),
        ({"If-Match": ETAG, "If-Unmodified-Since": http_date(LM - 1)}, None),  # If-Match wins
    ],
)
def test_preconditions(headers: dict[str, str], expected: int | None) -> None:
    assert precondition_status(headers.get, ETAG, LM) == expected


@pytest.mark.parametrize(
    ("if_range", "applies"),
    [
        (None, True),
        (ETAG, True),
        (f"W/{ETAG}", False),  # If-Range needs a strong validator
        ('"stale"', False),
        (http_date(LM), True),
        (http_date(LM - 1), False),
        ("garbage", False),
    ],
)
def test_if_range(if_range: str | None, applies: bool) -> None:
    assert range_applies(if_range, ETAG, LM) is applies
