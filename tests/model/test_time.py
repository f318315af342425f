"""Tests for timeline_lab.model.time: exact rational time, timecode, ranges and their JSON form."""

from __future__ import annotations

import copy
import json
import math
import pickle
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pydantic
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from timeline_lab.model.time import RationalTime, TimeRange, parse_rate, to_fraction

NTSC_24 = Fraction(24000, 1001)
NTSC_30 = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)

# Moderate example counts and no database: the whole file should run in a few seconds.
PROPS = settings(max_examples=150, deadline=None, database=None)
ROUND_TRIP = settings(max_examples=300, deadline=None, database=None)


# --- strategies ---------------------------------------------------------------------------

common_rates = st.sampled_from(
    [Fraction(1), Fraction(24), Fraction(25), Fraction(30), Fraction(48), Fraction(50),
     Fraction(60), Fraction(48000), NTSC_24, NTSC_30, NTSC_60]
)  # fmt: skip
odd_rates = st.fractions(min_value=Fraction(1, 100), max_value=1000, max_denominator=1001).filter(
    lambda r: r > 0
)
rates = st.one_of(common_rates, odd_rates).map(parse_rate)
exact_values = st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=1000)
nonzero_factors = st.fractions(min_value=-1000, max_value=1000, max_denominator=1000).filter(lambda k: k != 0)


@st.composite
def times(draw: st.DrawFn) -> RationalTime:
    return RationalTime(draw(exact_values), draw(rates))


@st.composite
def ranges(draw: st.DrawFn, *, min_duration: int = 0) -> TimeRange:
    """Ranges on a small shared grid so that overlaps, touches and containment all happen."""
    rate = draw(rates)
    start = draw(st.fractions(min_value=-50, max_value=50, max_denominator=4))
    length = draw(st.fractions(min_value=min_duration, max_value=60, max_denominator=4))
    return TimeRange(RationalTime.from_seconds(start, rate), RationalTime.from_seconds(length, rate))


def rt(value: int | Fraction | str, rate: int | Fraction | str = 25) -> RationalTime:
    return RationalTime(value, rate)


def fr(start: int, count: int, rate: int | Fraction | str = 25) -> TimeRange:
    return TimeRange.from_frames(start, count, rate)


# --- construction -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Fraction(1, 3), Fraction(1, 3)),
        (2, Fraction(2)),
        (-7, Fraction(-7)),
        ("1/3", Fraction(1, 3)),
        (" 3/4 ", Fraction(3, 4)),
        ("0.1", Fraction(1, 10)),
        ("1e-3", Fraction(1, 1000)),
        (Decimal("0.1"), Fraction(1, 10)),
        (Decimal("-2.50"), Fraction(-5, 2)),
        (0.1, Fraction(1, 10)),  # shortest repr, not 3602879701896397/36028797018963968
        (0.3, Fraction(3, 10)),
        (1.5, Fraction(3, 2)),
        (-0.25, Fraction(-1, 4)),
        (1e-7, Fraction(1, 10**7)),
    ],
)
def test_to_fraction_is_exact(given: Any, expected: Fraction) -> None:
    assert to_fraction(given) == expected
    assert type(to_fraction(given)) is Fraction


@pytest.mark.parametrize(
    ("seconds", "rate", "value", "exp_rate"),
    [
        (1, 25, Fraction(25), Fraction(25)),
        (Fraction(1, 3), 25, Fraction(25, 3), Fraction(25)),
        ("1/3", 25, Fraction(25, 3), Fraction(25)),
        (Decimal("0.04"), 25, Fraction(1), Fraction(25)),
        (0.1, 30, Fraction(3), Fraction(30)),
        (0.1, 1, Fraction(1, 10), Fraction(1)),
        ("1001/30000", "29.97", Fraction(1), NTSC_30),
        (2, 48000, Fraction(96000), Fraction(48000)),
        (-1, 24, Fraction(-24), Fraction(24)),
    ],
)
def test_from_seconds(seconds: Any, rate: Any, value: Fraction, exp_rate: Fraction) -> None:
    t = RationalTime.from_seconds(seconds, rate)
    assert t.value == value
    assert t.rate == exp_rate
    assert t.to_seconds() == to_fraction(seconds)


def test_from_seconds_default_rate_is_one() -> None:
    t = RationalTime.from_seconds("5/2")
    assert t.strictly_equal(RationalTime(Fraction(5, 2), 1))


def test_default_constructor_is_zero_at_rate_one() -> None:
    assert RationalTime().strictly_equal(RationalTime(0, 1))


class _Index:
    """Any object with __index__ (e.g. numpy integers) is a frame number."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __index__(self) -> int:
        return self.n


@pytest.mark.parametrize(
    ("frames", "rate", "value", "seconds"),
    [
        (0, 25, 0, Fraction(0)),
        (25, 25, 25, Fraction(1)),
        (-3, 24, -3, Fraction(-1, 8)),
        (30, NTSC_30, 30, Fraction(1001, 1000)),
        (30, "29.97", 30, Fraction(1001, 1000)),
        (_Index(48), 24, 48, Fraction(2)),
    ],
)
def test_from_frames(frames: Any, rate: Any, value: int, seconds: Fraction) -> None:
    t = RationalTime.from_frames(frames, rate)
    assert t.value == value
    assert t.value.denominator == 1
    assert t.to_seconds() == seconds
    assert t.is_frame_aligned()


def test_from_frames_accepts_numpy_integers() -> None:
    np = pytest.importorskip("numpy")
    assert RationalTime.from_frames(np.int64(50), 25).strictly_equal(RationalTime(50, 25))


@pytest.mark.parametrize(
    "frames",
    [
        pytest.param(
            1.5,
        ),
        pytest.param(
            "3",
        ),
        pytest.param(
            True,
        ),
    ],
)  # fmt: skip
def test_from_frames_rejects_non_integers(frames: Any) -> None:
    with pytest.raises(TypeError, match="frame"):
        RationalTime.from_frames(frames, 25)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("29.97", NTSC_30),
        (29.97, NTSC_30),
        (Decimal("29.97"), NTSC_30),
        ("23.976", NTSC_24),
        (23.976, NTSC_24),
        ("23.98", NTSC_24),
        ("47.952", Fraction(48000, 1001)),
        ("59.94", NTSC_60),
        (59.94, NTSC_60),
        ("119.88", Fraction(120000, 1001)),
        ("30000/1001", NTSC_30),
        (NTSC_24, NTSC_24),
        (25, Fraction(25)),
        ("25", Fraction(25)),
        (24.0, Fraction(24)),
        (48000, Fraction(48000)),
        ("1/2", Fraction(1, 2)),
        ("29.971", Fraction(29971, 1000)),  # only the known NTSC spellings are remapped
    ],
)
def test_parse_rate(given: Any, expected: Fraction) -> None:
    assert parse_rate(given) == expected
    assert RationalTime(1, given).rate == expected


# (input, exception, message fragment): each message names the argument that is wrong.
BAD_NUMBERS = [
    (float("nan"), ValueError, "must be finite"),
    (float("inf"), ValueError, "must be finite"),
    (float("-inf"), ValueError, "must be finite"),
    (True, TypeError, "expected a number, got bool"),
    (False, TypeError, "expected a number, got bool"),
    ("abc", ValueError, "cannot read 'abc'"),
    ("", ValueError, "cannot read"),
    ("1/0", ValueError, "cannot read '1/0'"),
    ("inf", ValueError, "cannot read"),
    (Decimal("NaN"), ValueError, "cannot read"),
    (None, TypeError, "got NoneType"),
    ([25], TypeError, "got list"),
    (1 + 2j, TypeError, "got complex"),
    pytest.param(
        Decimal("Infinity"), ValueError, "cannot read",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("rate", "exc", "msg"), [
    (0, ValueError, "rate: must be > 0, got 0"),
    ("0/5", ValueError, "rate: must be > 0"),
    (-25, ValueError, "rate: must be > 0, got -25"),
    ("-29.97", ValueError, "rate: must be > 0"),
    (-0.5, ValueError, "rate: must be > 0"),
    *BAD_NUMBERS,
])  # fmt: skip
def test_bad_rate(rate: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match=re.escape(msg)) as info:
        parse_rate(rate)
    assert str(info.value).startswith("rate: ")
    with pytest.raises(exc, match=r"^rate: "):
        RationalTime(0, rate)
    with pytest.raises(exc, match=r"^rate: "):
        RationalTime.from_frames(0, rate)


@pytest.mark.parametrize(("seconds", "exc", "msg"), BAD_NUMBERS)
def test_bad_seconds(seconds: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match="^seconds: .*" + re.escape(msg)):
        RationalTime.from_seconds(seconds, 25)


@pytest.mark.parametrize(("value", "exc", "msg"), BAD_NUMBERS)
def test_bad_value(value: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match="^value: .*" + re.escape(msg)):
        RationalTime(value, 25)


# --- value semantics: immutability, equality, hashing, ordering, pickling ------------------


@pytest.mark.parametrize("name", ["value", "rate", "_value", "_rate", "anything"])
def test_rational_time_is_immutable(name: str) -> None:
    t = rt(3)
    with pytest.raises(AttributeError, match="immutable"):
        setattr(t, name, 5)
    assert t.strictly_equal(rt(3))


@pytest.mark.parametrize("name", ["start", "duration", "_start", "_duration", "anything"])
def test_time_range_is_immutable(name: str) -> None:
    r = fr(0, 10)
    with pytest.raises(AttributeError, match="immutable"):
        setattr(r, name, rt(5))
    assert r == fr(0, 10)


@pytest.mark.parametrize(
    ("obj", "name"),
    [
        (rt(3), "value"),
        pytest.param(
            rt(3), "_value",
        ),
        (fr(0, 10), "start"),
        pytest.param(
            fr(0, 10), "_start",
        ),
    ],
)  # fmt: skip
def test_attributes_cannot_be_deleted(obj: object, name: str) -> None:
    with pytest.raises(AttributeError):
        delattr(obj, name)


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (rt(1, 25), rt(2, 50), True),
        (rt(0, 25), rt(0, NTSC_30), True),
        (rt(NTSC_30, NTSC_30), rt(1, 1), True),
        (rt(30, NTSC_30), rt(1, 1), False),  # 30 frames at 29.97 is 1.001 s
        (rt(1000, 48000), rt(Fraction(1, 2), 24), True),
        (rt("1/2", 1), rt(12, 24), True),
        (rt(1, 25), rt(1, 24), False),
        (rt(-1, 25), rt(1, 25), False),
    ],
)
def test_equality_and_hash_compare_instants_across_rates(
    a: RationalTime, b: RationalTime, equal: bool
) -> None:
    assert (a == b) is equal
    assert (a != b) is not equal
    if equal:
        assert hash(a) == hash(b)
        assert len({a, b}) == 1


def test_equality_with_other_types_is_false_not_an_error() -> None:
    assert rt(1, 1) != 1
    assert rt(1, 1) != Fraction(1)
    assert rt(1, 1) != "1@1"
    assert fr(0, 1) != (0, 1)


@pytest.mark.parametrize(
    ("a", "b", "strict"),
    [
        (rt(1, 25), rt(1, 25), True),
        (rt(1, 25), rt(2, 50), False),
        (rt(1, "29.97"), rt(1, NTSC_30), True),
        (rt(1, 25), rt(2, 25), False),
    ],
)
def test_strictly_equal(a: RationalTime, b: RationalTime, strict: bool) -> None:
    assert a.strictly_equal(b) is strict
    assert b.strictly_equal(a) is strict


def test_ordering_uses_exact_seconds() -> None:
    shuffled = [rt(26, 25), rt(1, 1), rt(-1, 50), rt(0, NTSC_30), rt(30, NTSC_30), rt(24, 24)]
    ordered = sorted(shuffled)
    seconds = [t.to_seconds() for t in ordered]
    assert seconds == sorted(seconds)
    assert ordered[0] == rt(-1, 50)
    assert ordered[-1] == rt(26, 25)
    # 30 frames at 29.97 are 1.001 s: after one second, before 26/25 s
    assert rt(1, 1) < rt(30, NTSC_30) < rt(26, 25)
    assert rt(1, 1) <= rt(25, 25) <= rt(1, 1)
    assert rt(2, 1) > rt(49, 25) >= rt(98, 50)
    assert max(rt(1, 25), rt(1, 24)).strictly_equal(rt(1, 24))


@pytest.mark.parametrize("op", ["__lt__", "__le__", "__gt__", "__ge__", "__add__", "__sub__"])
def test_comparison_and_arithmetic_with_non_time_raise_type_error(op: str) -> None:
    with pytest.raises(TypeError, match="expected RationalTime, got int"):
        getattr(rt(1), op)(1)


@pytest.mark.parametrize(
    "obj",
    [rt(3, 25), rt(Fraction(-7, 3), NTSC_30), rt(0, 48000), fr(13, 45, NTSC_30),
     TimeRange(rt(Fraction(1, 2), 24), rt(Fraction(10, 3), 25))],
)  # fmt: skip
def test_pickle_and_copy_round_trip(obj: RationalTime | TimeRange) -> None:
    for clone in (pickle.loads(pickle.dumps(obj)), copy.copy(obj), copy.deepcopy(obj)):
        assert type(clone) is type(obj)
        assert clone == obj
        assert hash(clone) == hash(obj)
        assert repr(clone) == repr(obj)


@pytest.mark.parametrize(
    ("t", "text_repr", "text_str"),
    [
        (rt(1, 25), "RationalTime(1, 25)", "1@25"),
        (rt(Fraction(1, 2), NTSC_30), "RationalTime('1/2', '30000/1001')", "1/2@30000/1001"),
        (rt(-3, 24), "RationalTime(-3, 24)", "-3@24"),
    ],
)
def test_repr_and_str(t: RationalTime, text_repr: str, text_str: str) -> None:
    assert repr(t) == text_repr
    assert str(t) == text_str
    assert eval(text_repr).strictly_equal(t)  # repr is valid constructor syntax


def test_time_range_repr() -> None:
    assert repr(fr(1, 2)) == "TimeRange(RationalTime(1, 25), RationalTime(2, 25))"


# --- arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (rt(1, 25) + rt(1, 50), rt(Fraction(3, 2), 25)),  # keeps the left operand's rate
        (rt(1, 50) + rt(1, 25), rt(3, 50)),
        (rt(10, 25) - rt(1, 1), rt(-15, 25)),
        (rt(3, 25) * 2, rt(6, 25)),
        (2 * rt(3, 25), rt(6, 25)),
        (rt(3, 25) * Fraction(1, 2), rt(Fraction(3, 2), 25)),
        (rt(3, 25) / 3, rt(1, 25)),
        (rt(3, 25) / Fraction(3, 4), rt(4, 25)),
        (-rt(3, 25), rt(-3, 25)),
        (abs(rt(-3, 25)), rt(3, 25)),
        (rt(1, NTSC_30) + rt(1, NTSC_30), rt(2, NTSC_30)),
    ],
)
def test_arithmetic_examples(result: RationalTime, expected: RationalTime) -> None:
    assert result.strictly_equal(expected)


def test_bool_is_nonzero() -> None:
    assert not rt(0, 25)
    assert rt(1, 25)
    assert rt(Fraction(-1, 1000), 25)


def test_division_by_zero() -> None:
    with pytest.raises(ZeroDivisionError, match="divided by zero"):
        rt(1) / 0
    with pytest.raises(ZeroDivisionError):
        rt(1) / Fraction(0)


@pytest.mark.parametrize(
    ("factor", "exc", "msg"),
    [
        (rt(1), TypeError, "factor: expected int, Fraction, str or Decimal, got RationalTime"),
        (True, TypeError, "factor: expected a number, got bool"),
        (float("nan"), ValueError, "factor: must be finite"),
    ],
)
def test_bad_factor(factor: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match=re.escape(msg)):
        rt(1) * factor


@PROPS
@given(times(), times(), times())
def test_addition_is_associative_and_commutative_on_seconds(
    a: RationalTime, b: RationalTime, c: RationalTime
) -> None:
    assert ((a + b) + c).to_seconds() == (a + (b + c)).to_seconds()
    assert (a + b) == (b + a)
    assert (a + b).rate == a.rate
    assert (a + b).to_seconds() == a.to_seconds() + b.to_seconds()


@PROPS
@given(times(), times())
def test_add_then_subtract_is_identity(a: RationalTime, b: RationalTime) -> None:
    assert ((a + b) - b).strictly_equal(a)
    assert ((a - b) + b).strictly_equal(a)
    assert (a - a).to_seconds() == 0
    negated = -a
    assert (-negated).strictly_equal(a)


@PROPS
@given(times(), nonzero_factors)
def test_multiply_then_divide_is_identity(a: RationalTime, k: Fraction) -> None:
    assert (a * k / k).strictly_equal(a)
    assert (k * a).strictly_equal(a * k)
    assert (a * k).to_seconds() == a.to_seconds() * k


@PROPS
@given(times(), rates)
def test_rescaled_to_keeps_the_instant_exactly(a: RationalTime, rate: Fraction) -> None:
    b = a.rescaled_to(rate)
    assert b == a
    assert b.to_seconds() == a.to_seconds()
    assert b.rate == rate
    assert b.rescaled_to(a.rate).strictly_equal(a)


@PROPS
@given(times(), times())
def test_ordering_agrees_with_seconds(a: RationalTime, b: RationalTime) -> None:
    sa, sb = a.to_seconds(), b.to_seconds()
    assert (a < b) == (sa < sb)
    assert (a <= b) == (sa <= sb)
    assert (a > b) == (sa > sb)
    assert (a >= b) == (sa >= sb)
    assert (a == b) == (sa == sb)
    if a == b:
        assert hash(a) == hash(b)


# --- frames, snapping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "rate", "floor", "nearest", "ceil"),
    [
        (RationalTime.from_seconds("1/3"), 25, 8, 8, 9),  # 8.33 frames
        (RationalTime.from_seconds(1), NTSC_30, 29, 30, 30),  # 29.97 frames
        (RationalTime.from_seconds(1), "29.97", 29, 30, 30),
        (rt(Fraction(5, 2), 25), None, 2, 3, 3),  # ties round up
        (rt(Fraction(-5, 2), 25), None, -3, -2, -2),  # ... also for negatives
        (rt(Fraction(-12, 5), 25), None, -3, -2, -2),
        (rt(7, 25), None, 7, 7, 7),
        (rt(7, 25), 50, 14, 14, 14),
        (rt(1, 25), 24, 0, 1, 1),  # 0.96 frames at 24
        (rt(1000, NTSC_30), 30, 1001, 1001, 1001),  # 1000 frames at 29.97 = 1001 at 30
        (rt(0, 25), NTSC_60, 0, 0, 0),
    ],
)
def test_to_frames_rounding(t: RationalTime, rate: Any, floor: int, nearest: int, ceil: int) -> None:
    assert t.to_frames(rate) == floor  # default rounding is floor: the frame on screen
    assert t.to_frames(rate, "floor") == floor
    assert t.to_frames(rate, "nearest") == nearest
    assert t.to_frames(rate, "ceil") == ceil
    assert type(t.to_frames(rate)) is int


def test_bad_rounding() -> None:
    with pytest.raises(ValueError, match="rounding: expected 'floor', 'nearest' or 'ceil'"):
        rt(1).to_frames(25, "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rounding:"):
        rt(1).snapped(25, "truncate")  # type: ignore[arg-type]


@PROPS
@given(times(), rates)
def test_to_frames_rounding_properties(t: RationalTime, rate: Fraction) -> None:
    x = t.to_seconds() * rate
    lo, mid, hi = (t.to_frames(rate, r) for r in ("floor", "nearest", "ceil"))
    assert lo <= x < lo + 1
    assert hi - 1 < x <= hi
    assert abs(x - mid) <= Fraction(1, 2)
    assert lo <= mid <= hi
    assert (hi == lo) == t.is_frame_aligned(rate)


@PROPS
@given(times(), rates, st.sampled_from(["floor", "nearest", "ceil"]))
def test_snapped_is_on_the_grid(t: RationalTime, rate: Fraction, rounding: Any) -> None:
    s = t.snapped(rate, rounding)
    assert s.rate == rate
    assert s.value == t.to_frames(rate, rounding)
    assert s.is_frame_aligned(rate)
    assert s.is_frame_aligned()
    assert abs((s - t).to_seconds()) < 1 / rate
    if t.is_frame_aligned(rate):
        assert s == t


@PROPS
@given(st.integers(-(10**7), 10**7), rates)
def test_frames_round_trip(n: int, rate: Fraction) -> None:
    t = RationalTime.from_frames(n, rate)
    assert t.is_frame_aligned()
    assert t.to_frames() == n
    for rounding in ("floor", "nearest", "ceil"):
        assert t.to_frames(rate, rounding) == n  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("t", "rate", "aligned"),
    [
        (rt(3, 25), None, True),
        (rt(3, 25), 50, True),
        (rt(3, 25), 24, False),
        (rt(Fraction(1, 2), 25), None, False),
        (rt(Fraction(1, 2), 25), 50, True),
        (rt(1000, NTSC_30), 30, True),
        (rt(1, NTSC_30), 30, False),
        (rt(0, 7), NTSC_24, True),
    ],
)
def test_is_frame_aligned(t: RationalTime, rate: Any, aligned: bool) -> None:
    assert t.is_frame_aligned(rate) is aligned


def test_snapped_defaults_to_own_rate_and_nearest() -> None:
    assert rt(Fraction(5, 2), 25).snapped().strictly_equal(rt(3, 25))
    assert rt(Fraction(12, 5), 25).snapped().strictly_equal(rt(2, 25))
    assert rt(1, 25).snapped(24).strictly_equal(rt(1, 24))
    assert rt(1, 25).snapped(24, "floor").strictly_equal(rt(0, 24))


# --- timecode -----------------------------------------------------------------------------

TIMECODES = [
    # (frame, rate, timecode) -- to_timecode default (drop-frame exactly at 29.97 and 59.94)
    (0, 24, "00:00:00:00"),
    (23, 24, "00:00:00:23"),
    (24, 24, "00:00:01:00"),
    (86_400, 24, "01:00:00:00"),
    (24, 25, "00:00:00:24"),
    (25, 25, "00:00:01:00"),
    (1_499, 25, "00:00:59:24"),
    (90_000, 25, "01:00:00:00"),
    (90_000 + 25 * 61 + 3, 25, "01:01:01:03"),
    (25 * 3600 * 100, 25, "100:00:00:00"),
    (1_799, 30, "00:00:59:29"),
    (1_800, 30, "00:01:00:00"),
    (108_000, 30, "01:00:00:00"),
    (86_400, NTSC_24, "01:00:00:00"),  # 23.976 is non-drop, nominal 24
    (86_399, NTSC_24, "00:59:59:23"),
    # drop-frame 29.97: frames ;00 and ;01 are skipped at every minute not divisible by 10
    (0, NTSC_30, "00:00:00;00"),
    (1_799, NTSC_30, "00:00:59;29"),
    (1_800, NTSC_30, "00:01:00;02"),
    (1_801, NTSC_30, "00:01:00;03"),
    (3_597, NTSC_30, "00:01:59;29"),
    (3_598, NTSC_30, "00:02:00;02"),
    (17_981, NTSC_30, "00:09:59;29"),
    (17_982, NTSC_30, "00:10:00;00"),
    (17_983, NTSC_30, "00:10:00;01"),
    (17_982 + 1_800, NTSC_30, "00:11:00;02"),
    (107_892, NTSC_30, "01:00:00;00"),
    (107_892 * 10, NTSC_30, "10:00:00;00"),
    # drop-frame 59.94: frames ;00 .. ;03 are skipped
    (3_599, NTSC_60, "00:00:59;59"),
    (3_600, NTSC_60, "00:01:00;04"),
    (35_964, NTSC_60, "00:10:00;00"),
    (215_784, NTSC_60, "01:00:00;00"),
    # negative times keep the sign outside the fields
    (-1, 25, "-00:00:00:01"),
    (-25, 25, "-00:00:01:00"),
    (-1_800, NTSC_30, "-00:01:00;02"),
]


@pytest.mark.parametrize(("frame", "rate", "timecode"), TIMECODES)
def test_to_timecode(frame: int, rate: Any, timecode: str) -> None:
    assert RationalTime.from_frames(frame, rate).to_timecode() == timecode


@pytest.mark.parametrize(("frame", "rate", "timecode"), TIMECODES)
def test_from_timecode(frame: int, rate: Any, timecode: str) -> None:
    t = RationalTime.from_timecode(timecode, rate)
    assert t.strictly_equal(RationalTime.from_frames(frame, rate))


@pytest.mark.parametrize(
    ("t", "kwargs", "timecode"),
    [
        (RationalTime.from_frames(1_800, NTSC_30), {"drop_frame": False}, "00:01:00:00"),
        (RationalTime.from_frames(107_892, NTSC_30), {"drop_frame": False}, "00:59:56:12"),
        (RationalTime.from_frames(3_600, NTSC_60), {"drop_frame": True}, "00:01:00;04"),
        (RationalTime.from_seconds(1), {"rate": 25}, "00:00:01:00"),
        (RationalTime.from_seconds(60), {"rate": "29.97"}, "00:00:59;28"),  # 1798.2 frames
        (rt(Fraction(99, 2), 25), {}, "00:00:01:24"),  # between frames: floor
        (rt(Fraction(-1, 2), 25), {}, "-00:00:00:01"),
        (RationalTime.from_frames(1, Fraction(120000, 1001)), {}, "00:00:00:001"),
    ],
)
def test_to_timecode_options(t: RationalTime, kwargs: dict[str, Any], timecode: str) -> None:
    assert t.to_timecode(**kwargs) == timecode


@pytest.mark.parametrize("rate", [24, 25, 30, NTSC_24, 50])
def test_drop_frame_is_refused_at_other_rates(rate: Any) -> None:
    with pytest.raises(ValueError, match=re.escape("drop-frame timecode only exists at 29.97 and 59.94")):
        RationalTime.from_frames(10, rate).to_timecode(drop_frame=True)


@pytest.mark.parametrize(
    ("timecode", "rate", "frame"),
    [
        (" 00:00:01:00 ", 25, 25),  # surrounding whitespace is ignored
        ("00:00:01.00", 25, 25),  # '.' is a non-drop separator
        ("00:01:00:00", NTSC_30, 1_800),  # ':' at 29.97 is non-drop counting
        ("00:01:00:00", "29.97", 1_800),
        ("00:00:00:119", Fraction(120000, 1001), 119),
    ],
)
def test_from_timecode_variants(timecode: str, rate: Any, frame: int) -> None:
    assert RationalTime.from_timecode(timecode, rate).strictly_equal(RationalTime.from_frames(frame, rate))


@pytest.mark.parametrize(
    ("timecode", "rate", "exc", "msg"),
    [
        ("00:01:00;00", NTSC_30, ValueError, "frame 0 is dropped"),
        ("00:01:00;01", NTSC_30, ValueError, "frame 1 is dropped"),
        ("01:09:00;01", NTSC_30, ValueError, "is dropped"),
        ("00:01:00;03", NTSC_60, ValueError, "frame 3 is dropped"),
        ("00:00:00;00", 25, ValueError, "drop-frame only exists at 29.97 and 59.94"),
        ("00:00:00;00", 30, ValueError, "drop-frame only exists"),
        ("00:00:00;00", NTSC_24, ValueError, "drop-frame only exists"),
        ("00:60:00:00", 25, ValueError, "field out of range"),
        ("00:00:60:00", 25, ValueError, "field out of range"),
        ("00:00:00:25", 25, ValueError, "field out of range"),
        ("00:00:00:24", NTSC_24, ValueError, "field out of range"),
        ("00:00:00;30", NTSC_30, ValueError, "field out of range"),
        ("00:00:00;60", NTSC_60, ValueError, "field out of range"),
        ("garbage", 25, ValueError, "expected HH:MM:SS:FF"),
        ("", 25, ValueError, "expected HH:MM:SS:FF"),
        ("00:00:00", 25, ValueError, "expected HH:MM:SS:FF"),
        ("00:00:00:0", 25, ValueError, "expected HH:MM:SS:FF"),
        ("0:0:0:0", 25, ValueError, "expected HH:MM:SS:FF"),
        ("00:00:00,00", 25, ValueError, "expected HH:MM:SS:FF"),
        ("+00:00:00:00", 25, ValueError, "expected HH:MM:SS:FF"),
        ("00:00:00:00", 0, ValueError, "rate: must be > 0"),
        pytest.param(
            1234, 25, TypeError, "timecode",
        ),
    ],
)  # fmt: skip
def test_invalid_timecode(timecode: Any, rate: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match=re.escape(msg)) as info:
        RationalTime.from_timecode(timecode, rate)
    if isinstance(timecode, str) and timecode and "rate:" not in msg:
        assert repr(timecode) in str(info.value)  # the message quotes the bad input


TEN_HOURS = 10 * 3600


def _minute_starts(rate: Fraction) -> st.SearchStrategy[int]:
    """Frames within a few frames of a timecode minute boundary, where drop-frame bugs hide."""
    nominal = math.ceil(rate)
    drop = {NTSC_30: 2, NTSC_60: 4}.get(rate, 0)

    def near(minute: int, delta: int) -> int:
        return max(0, minute * 60 * nominal - drop * (minute - minute // 10) + delta)

    return st.builds(near, st.integers(0, 600), st.integers(-6, 6))


@pytest.mark.parametrize("rate", [NTSC_30, NTSC_60, Fraction(25), NTSC_24, Fraction(24)])
@ROUND_TRIP
@given(data=st.data())
def test_timecode_round_trip_for_ten_hours(rate: Fraction, data: st.DataObject) -> None:
    limit = math.floor(TEN_HOURS * rate)
    frame = data.draw(st.one_of(st.integers(0, limit), _minute_starts(rate)), label="frame")
    t = RationalTime.from_frames(frame, rate)
    tc = t.to_timecode()
    assert (";" in tc) == (rate in (NTSC_30, NTSC_60))
    assert RationalTime.from_timecode(tc, rate).strictly_equal(t), tc
    # negative times: the same fields behind a sign
    assert (-t).to_timecode() == (f"-{tc}" if frame else tc)
    assert RationalTime.from_timecode(f"-{tc}", rate) == -t
    # non-drop counting also round-trips at every rate
    nd = t.to_timecode(drop_frame=False)
    assert ":" in nd and ";" not in nd
    assert RationalTime.from_timecode(nd, rate).strictly_equal(t), nd


@PROPS
@given(st.integers(0, 107_892 * 10), st.sampled_from([NTSC_30, NTSC_60]))
def test_drop_frame_timecode_is_monotonic_and_never_shows_a_dropped_label(frame: int, rate: Fraction) -> None:
    a = RationalTime.from_frames(frame, rate).to_timecode()
    b = RationalTime.from_frames(frame + 1, rate).to_timecode()
    assert a < b  # fixed-width fields compare as strings while hours < 100
    _, mm, ss, ff = re.split("[:;]", b)
    drop = 2 if rate == NTSC_30 else 4
    if ss == "00" and int(mm) % 10 != 0:
        assert int(ff) >= drop


@PROPS
@given(times(), st.sampled_from([Fraction(25), NTSC_30, NTSC_60, NTSC_24]))
def test_timecode_of_any_instant_is_its_floor_frame(t: RationalTime, rate: Fraction) -> None:
    tc = t.to_timecode(rate)
    assert RationalTime.from_timecode(tc, rate).strictly_equal(t.snapped(rate, "floor"))


# --- TimeRange ----------------------------------------------------------------------------


def test_from_frames_and_end_exclusive() -> None:
    r = fr(10, 5, 25)
    assert r.start.strictly_equal(rt(10, 25))
    assert r.duration.strictly_equal(rt(5, 25))
    assert r.end_exclusive().strictly_equal(rt(15, 25))
    r2 = fr(13, 45, "29.97")
    assert r2.start.rate == NTSC_30
    assert r2.end_exclusive().strictly_equal(rt(58, NTSC_30))


def test_from_start_end() -> None:
    r = TimeRange.from_start_end(rt(10, 25), rt(1, 1))
    assert r.start.strictly_equal(rt(10, 25))
    assert r.duration == rt(15, 25)
    assert r.end_exclusive() == rt(1, 1)
    assert TimeRange.from_start_end(rt(3), rt(3)).duration == rt(0)
    same_rate = TimeRange.from_start_end(rt(10, 25), rt(25, 25))
    assert same_rate.duration.strictly_equal(rt(15, 25))


def test_from_start_end_duration_takes_the_start_rate() -> None:
    r = TimeRange.from_start_end(rt(10, 25), rt(1, 1))
    assert r.duration.strictly_equal(rt(15, 25))


@pytest.mark.parametrize(
    ("make", "exc", "msg"),
    [
        (lambda: TimeRange(rt(0), rt(-1)), ValueError, "duration: must be >= 0"),
        (lambda: TimeRange(rt(0), rt(Fraction(-1, 1000))), ValueError, "duration: must be >= 0"),
        (lambda: fr(0, -1), ValueError, "duration: must be >= 0, got -1@25"),
        (lambda: TimeRange.from_start_end(rt(10), rt(9)), ValueError, "end 9@25 is before start"),
        (lambda: TimeRange(0, 1), TypeError, "takes two RationalTime values"),  # type: ignore[arg-type]
        (lambda: TimeRange(rt(0), 1), TypeError, "takes two RationalTime values"),  # type: ignore[arg-type]
        (lambda: fr(0, 5, 0), ValueError, "rate: must be > 0"),
    ],
)  # fmt: skip
def test_bad_time_range(make: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match=re.escape(msg)):
        make()


R = fr(10, 10, 25)  # [10, 20) frames at 25 fps = [0.4 s, 0.8 s)


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (rt(10, 25), True),  # start is inside
        (rt(19, 25), True),
        (rt(Fraction(39, 2), 25), True),
        (rt(20, 25), False),  # end is exclusive
        (rt(9, 25), False),
        (rt(Fraction(199, 10), 25), True),
        (RationalTime.from_seconds("0.4", NTSC_30), True),  # instants compare across rates
        (RationalTime.from_seconds("0.8", 48000), False),
        (rt(-1, 25), False),
        (R, True),  # ranges: wholly inside, inclusive of both edges
        (fr(12, 3), True),
        (fr(20, 20, 50), True),  # the same range at another rate
        (fr(15, 10), False),
        (fr(5, 7), False),
        (fr(10, 11), False),
        (fr(0, 100), False),
        (fr(30, 5), False),
        (fr(15, 0), True),  # an empty range inside
    ],
)
def test_contains(other: RationalTime | TimeRange, expected: bool) -> None:
    assert R.contains(other) is expected


def test_empty_range_contains_no_instant() -> None:
    empty = fr(5, 0)
    assert not empty.contains(rt(5))
    assert not empty.contains(rt(4))


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (fr(20, 10), False),  # touching at the end does not overlap
        (fr(0, 10), False),  # touching at the start does not overlap
        (fr(19, 10), True),
        (fr(0, 11), True),
        (fr(12, 2), True),
        (fr(0, 100), True),
        (R, True),
        (fr(30, 10), False),
        (fr(38, 2, 100), False),  # ends at 0.4 s, R's start: touching
        (fr(39, 2, 100), True),
        (TimeRange(RationalTime.from_seconds("0.8"), rt(1)), False),
    ],
)
def test_overlaps(other: TimeRange, expected: bool) -> None:
    assert R.overlaps(other) is expected
    assert other.overlaps(R) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (fr(0, 10), fr(5, 10), fr(5, 5)),
        (fr(0, 10), fr(10, 10), None),  # touching
        (fr(0, 10), fr(20, 10), None),  # disjoint
        (fr(0, 100), fr(10, 5), fr(10, 5)),  # containment
        (fr(10, 5), fr(0, 100), fr(10, 5)),
        (fr(0, 10), fr(0, 10), fr(0, 10)),
        (fr(0, 10, 25), fr(10, 20, 50), fr(5, 5, 25)),  # mixed rates, exact seconds
        (fr(13, 45, NTSC_30), fr(0, 1, 1), TimeRange.from_start_end(rt(13, NTSC_30), rt(1, 1))),
    ],
)
def test_intersection(a: TimeRange, b: TimeRange, expected: TimeRange | None) -> None:
    got = a.intersection(b)
    assert got == expected
    if got is not None:
        assert got.duration.rate == a.duration.rate  # the duration takes the left operand's rate
        assert b.intersection(a) == got


@pytest.mark.parametrize(
    ("empty", "other"),
    [
        pytest.param(fr(0, 0), fr(0, 10), id="empty-at-start"),
        pytest.param(fr(10, 0), fr(0, 10), id="empty-at-end"),
        pytest.param(fr(5, 0), fr(5, 0), id="two-empties"),
        pytest.param(fr(5, 0), fr(20, 10), id="empty-outside"),
        pytest.param(
            fr(5, 0), fr(0, 10),
            id="empty-strictly-inside",
        ),
    ],
)  # fmt: skip
def test_empty_range_overlaps_nothing(empty: TimeRange, other: TimeRange) -> None:
    assert not empty.overlaps(other)
    assert not other.overlaps(empty)
    assert empty.intersection(other) is None
    assert other.intersection(empty) is None


@pytest.mark.parametrize(
    ("r", "by", "expected"),
    [
        (fr(10, 5), rt(1, 1), fr(35, 5)),
        (fr(10, 5), rt(-10, 25), fr(0, 5)),
        (fr(10, 5), rt(1, 50), TimeRange(rt(Fraction(21, 2), 25), rt(5, 25))),
        (fr(10, 5), rt(0), fr(10, 5)),
    ],
)
def test_shifted(r: TimeRange, by: RationalTime, expected: TimeRange) -> None:
    got = r.shifted(by)
    assert got == expected
    assert got.start.rate == r.start.rate
    assert got.duration.strictly_equal(r.duration)


def test_time_range_rescaled_to() -> None:
    r = fr(13, 45, NTSC_30)
    s = r.rescaled_to(25)
    assert s == r
    assert s.start.rate == s.duration.rate == 25
    assert s.start.to_seconds() == Fraction(13 * 1001, 30000)
    assert s.rescaled_to(NTSC_30).start.strictly_equal(r.start)
    assert s.rescaled_to("29.97").duration.strictly_equal(r.duration)


@pytest.mark.parametrize(
    ("r", "rate", "expected"),
    [
        (fr(10, 5, 25), None, (10, 5)),
        (fr(10, 5, 25), 50, (20, 10)),
        (fr(13, 45, NTSC_30), 25, (11, 38)),  # 0.4338 s .. 1.9353 s: frames 11..48 at 25
        (fr(13, 45, NTSC_30), NTSC_30, (13, 45)),
        (fr(0, 30, NTSC_30), 30, (0, 31)),  # [0, 1.001 s) at 30 fps: frame 30 starts at 1.0 s
        (fr(0, 30, 30), NTSC_30, (0, 30)),  # 1 s at 29.97: frame 29 starts at 0.968 s
        (TimeRange(rt(Fraction(1, 2), 25), rt(1, 25)), 25, (1, 1)),
        (TimeRange(rt(Fraction(1, 2), 25), rt(Fraction(1, 2), 25)), 25, (1, 0)),
        (TimeRange(rt(Fraction(1, 4), 25), rt(Fraction(1, 2), 25)), 25, (1, 0)),
        (fr(7, 0, 25), None, (7, 0)),
        (fr(-5, 3, 25), None, (-5, 3)),
    ],
)
def test_time_range_to_frames(r: TimeRange, rate: Any, expected: tuple[int, int]) -> None:
    assert r.to_frames(rate) == expected


@PROPS
@given(ranges(), rates)
def test_to_frames_lists_exactly_the_frames_starting_inside(r: TimeRange, rate: Fraction) -> None:
    first, count = r.to_frames(rate)
    assert count >= 0
    assert not r.contains(RationalTime.from_frames(first - 1, rate))
    assert not r.contains(RationalTime.from_frames(first + count, rate))
    for k in (first, first + count // 2, first + count - 1) if count else ():
        assert r.contains(RationalTime.from_frames(k, rate))


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (fr(1, 2, 25), fr(2, 4, 50), True),
        (fr(0, 0, 25), fr(0, 0, NTSC_30), True),
        (fr(1, 2, 25), fr(1, 3, 25), False),
        (fr(1, 2, 25), fr(1, 2, 24), False),
    ],
)
def test_time_range_equality_and_hash(a: TimeRange, b: TimeRange, equal: bool) -> None:
    assert (a == b) is equal
    if equal:
        assert hash(a) == hash(b)
        assert len({a, b}) == 1


@PROPS
@given(ranges(), ranges())
def test_intersection_properties(a: TimeRange, b: TimeRange) -> None:
    i, j = a.intersection(b), b.intersection(a)
    assert a.overlaps(b) == b.overlaps(a)
    assert (i is not None) == a.overlaps(b)
    assert (j is None) == (i is None)
    if i is not None and j is not None:
        assert i == j  # commutative in seconds
        assert a.contains(i)
        assert b.contains(i)
        assert i.duration.rate == a.duration.rate
        assert i.start == max(a.start, b.start)
        assert i.end_exclusive() == min(a.end_exclusive(), b.end_exclusive())


@PROPS
@given(ranges(min_duration=1), ranges(min_duration=1))
@example(fr(0, 10), fr(10, 10))
def test_non_empty_ranges_overlap_iff_they_share_an_instant(a: TimeRange, b: TimeRange) -> None:
    shared = max(a.start, b.start) < min(a.end_exclusive(), b.end_exclusive())
    assert a.overlaps(b) == shared
    i = a.intersection(b)
    if i is not None:
        assert i.duration > rt(0)
        middle = i.start + i.duration / 2
        assert a.contains(middle)
        assert b.contains(middle)
        assert i.contains(i.start)
        assert not i.contains(i.end_exclusive())


@PROPS
@given(ranges(), times())
def test_shifted_and_rescaled_keep_length(r: TimeRange, by: RationalTime) -> None:
    s = r.shifted(by)
    assert s.duration.strictly_equal(r.duration)
    assert s.start == r.start + by
    assert s.end_exclusive() == r.end_exclusive() + by
    assert s.shifted(-by) == r
    assert r.rescaled_to(by.rate) == r


# --- JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "data"),
    [
        (rt(1, 25), {"value": 1, "rate": 25}),
        (rt(0, 1), {"value": 0, "rate": 1}),
        (rt(-3, 24), {"value": -3, "rate": 24}),
        (rt(Fraction(1, 2), NTSC_30), {"value": "1/2", "rate": "30000/1001"}),
        (rt(Fraction(-1, 3), 1), {"value": "-1/3", "rate": 1}),
        (rt(96000, 48000), {"value": 96000, "rate": 48000}),
    ],
)
def test_rational_time_json(t: RationalTime, data: dict[str, Any]) -> None:
    got = t.to_json()
    assert got == data
    for key in ("value", "rate"):
        assert type(got[key]) is type(data[key])  # ints stay ints (not bool, not str)
    back = RationalTime.from_json(json.loads(json.dumps(got)))
    assert back.strictly_equal(t)


def test_time_range_json() -> None:
    r = fr(13, 45, NTSC_30)
    data = {
        "start": {"value": 13, "rate": "30000/1001"},
        "duration": {"value": 45, "rate": "30000/1001"},
    }
    assert r.to_json() == data
    back = TimeRange.from_json(json.loads(json.dumps(data)))
    assert back.start.strictly_equal(r.start)
    assert back.duration.strictly_equal(r.duration)


def test_from_json_accepts_instances_and_exact_strings() -> None:
    t = rt(3)
    assert RationalTime.from_json(t) is t
    r = fr(0, 3)
    assert TimeRange.from_json(r) is r
    assert RationalTime.from_json({"value": "0.5", "rate": "29.97"}).strictly_equal(
        rt(Fraction(1, 2), NTSC_30)
    )


@pytest.mark.parametrize(
    ("data", "exc", "msg"),
    [
        ({"value": 1.5, "rate": 25}, ValueError, 'value: floats are not exact; write "num/den"'),
        ({"value": 1.0, "rate": 25}, ValueError, "value: floats are not exact"),
        ({"value": 1, "rate": 29.97}, ValueError, "rate: floats are not exact"),
        ({"value": 1, "rate": 25.0}, ValueError, "rate: floats are not exact"),
        ({"value": 1}, ValueError, 'expected an object {"value": ..., "rate": ...}'),
        ({"value": 1, "rate": 25, "extra": 0}, ValueError, "expected an object"),
        ({}, ValueError, "expected an object"),
        ([1, 25], ValueError, "expected an object"),
        ("1@25", ValueError, "expected an object"),
        (None, ValueError, "expected an object"),
        ({"value": "x", "rate": 25}, ValueError, "value: cannot read 'x'"),
        ({"value": 1, "rate": 0}, ValueError, "rate: must be > 0"),
        ({"value": 1, "rate": "-1/2"}, ValueError, "rate: must be > 0"),
        ({"value": True, "rate": 25}, TypeError, "value: expected a number, got bool"),
        ({"value": None, "rate": 25}, TypeError, "value: expected int"),
    ],
)
def test_rational_time_from_json_errors(data: Any, exc: type[Exception], msg: str) -> None:
    with pytest.raises(exc, match=re.escape(msg)):
        RationalTime.from_json(data)


@pytest.mark.parametrize(
    ("data", "msg"),
    [
        ({"start": {"value": 0.5, "rate": 25}, "duration": {"value": 1, "rate": 25}},
         "start: value: floats are not exact"),
        ({"start": {"value": 0, "rate": 25}, "duration": {"value": 1, "rate": 25.0}},
         "duration: rate: floats are not exact"),
        ({"start": {"value": 0, "rate": 25}, "duration": {"value": True, "rate": 25}},
         "duration: value: expected a number, got bool"),
        ({"start": {"value": 0, "rate": 25}, "duration": {"value": -1, "rate": 25}},
         "duration: must be >= 0"),
        ({"start": {"value": 0, "rate": 25}}, 'expected an object {"start": ..., "duration": ...}'),
        ({"start": 0, "duration": 1}, "start: expected an object"),
        ([], "expected an object"),
    ],
)  # fmt: skip
def test_time_range_from_json_errors(data: Any, msg: str) -> None:
    with pytest.raises(ValueError, match=re.escape(msg)):
        TimeRange.from_json(data)


@PROPS
@given(times())
def test_rational_time_json_round_trip(t: RationalTime) -> None:
    data = t.to_json()
    for key, v in data.items():
        num = Fraction(v)
        assert isinstance(v, int) == (num.denominator == 1), key
        if isinstance(v, str):
            assert re.fullmatch(r"-?\d+/\d+", v)
    text = json.dumps(data)
    assert "." not in text  # no floats ever reach the file
    assert RationalTime.from_json(json.loads(text)).strictly_equal(t)


@PROPS
@given(ranges())
def test_time_range_json_round_trip(r: TimeRange) -> None:
    back = TimeRange.from_json(json.loads(json.dumps(r.to_json())))
    assert back.start.strictly_equal(r.start)
    assert back.duration.strictly_equal(r.duration)


# --- pydantic -----------------------------------------------------------------------------


class Shot(pydantic.BaseModel):
    at: RationalTime
    span: TimeRange


SHOT_JSON = {
    "at": {"value": "1/2", "rate": "30000/1001"},
    "span": {"start": {"value": 13, "rate": 25}, "duration": {"value": 45, "rate": 25}},
}


def test_pydantic_validates_from_dicts_and_dumps_the_same_json() -> None:
    shot = Shot.model_validate(SHOT_JSON)
    assert isinstance(shot.at, RationalTime)
    assert isinstance(shot.span, TimeRange)
    assert shot.at.strictly_equal(rt(Fraction(1, 2), NTSC_30))
    assert shot.span == fr(13, 45, 25)
    assert shot.model_dump(mode="json") == SHOT_JSON
    assert json.loads(shot.model_dump_json()) == SHOT_JSON
    again = Shot.model_validate_json(shot.model_dump_json())
    assert again.at.strictly_equal(shot.at)
    assert again == shot


def test_pydantic_accepts_instances() -> None:
    shot = Shot(at=rt(3, 24), span=fr(0, 10, 24))
    assert shot.model_dump(mode="json") == {
        "at": {"value": 3, "rate": 24},
        "span": {"start": {"value": 0, "rate": 24}, "duration": {"value": 10, "rate": 24}},
    }


@pytest.mark.parametrize(
    ("field", "payload", "msg"),
    [
        ("at", {"value": 0.5, "rate": 25}, "value: floats are not exact"),
        ("at", {"value": 1}, "expected an object"),
        ("at", "1@25", "expected an object"),
        ("at", {"value": 1, "rate": 0}, "rate: must be > 0"),
        ("span", {"start": {"value": 0, "rate": 25.0}, "duration": {"value": 1, "rate": 25}},
         "start: rate: floats are not exact"),
        ("span", {"start": {"value": 0, "rate": 25}, "duration": {"value": [1], "rate": 25}},
         "duration: value: expected int"),
        pytest.param(
            "at", {"value": True, "rate": 25}, "value: expected a number, got bool",
        ),
        pytest.param(
            "at", {"value": [1], "rate": 25}, "value: expected int",
        ),
    ],
)  # fmt: skip
def test_pydantic_rejects_bad_payloads_with_validation_error(field: str, payload: Any, msg: str) -> None:
    data = copy.deepcopy(SHOT_JSON)
    data[field] = payload
    with pytest.raises(pydantic.ValidationError, match=re.escape(msg)) as info:
        Shot.model_validate(data)
    assert info.value.errors()[0]["loc"] == (field,)


def test_pydantic_json_schema() -> None:
    schema = Shot.model_json_schema()
    assert "RationalTime" in json.dumps(schema)
    at = schema["properties"]["at"]
    assert at["title"] == "RationalTime"
    assert at["type"] == "object"
    assert at["required"] == ["value", "rate"]
    assert at["additionalProperties"] is False
    span = schema["properties"]["span"]
    assert span["title"] == "TimeRange"
    assert span["required"] == ["start", "duration"]
    assert span["properties"]["start"]["title"] == "RationalTime"
    assert set(schema["required"]) == {"at", "span"}
    # what to_json writes matches the schema's string pattern
    pattern = at["properties"]["value"]["anyOf"][1]["pattern"]
    for text in ("1/2", "-1/3", "30000/1001", "7"):
        assert re.fullmatch(pattern, text)
    assert not re.search(pattern, "0.5")
