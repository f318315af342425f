"""A reader's integer clock says what the read's Fractions say, for any time base, anchor and speed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.render.execute.reader import _Clock
from timeline_lab.render.plan import SourceRead

bases = st.sampled_from([Fraction(1, 90000), Fraction(1, 15360), Fraction(1001, 30000), Fraction(1, 48000),
                         Fraction(1, 1000), Fraction(1, 44100), Fraction(1, 25)])  # fmt: skip
seconds = st.fractions(min_value=-10, max_value=600, max_denominator=240000)
speeds = st.sampled_from(
    [Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2), Fraction(-1), Fraction(1001, 1000)]
)


@settings(max_examples=400, deadline=None)
@given(tb=bases, end=seconds, tl=seconds, src=seconds, speed=speeds, p=st.integers(-(10**7), 10**9))
def test_the_clock_is_the_reads_fractions_in_integers(
    tb: Fraction, end: Fraction, tl: Fraction, src: Fraction, speed: Fraction, p: int
) -> None:
    read = SourceRead(Path("x.mp4"), seek=Fraction(0), end=end, video="v", audio=None,
                      tl_anchor=tl, src_anchor=src, speed=speed)  # fmt: skip
    clock = _Clock(tb, read)
    assert clock.timeline(p) == read.timeline_time(p * tb)
    assert (p >= clock.end) == (p * tb >= end)
    assert (clock.end - 1) * tb < end <= clock.end * tb  # the first tick at or past the end
