"""EDL ``M2`` speeds (frames a second, one decimal) as written by any writer: rounded (ours:
14.985 is ``015.0``) or cut (``014.9``, README's own example of half speed at 29.97). Before, only
rounding was read back: ``014.9`` gave 55/111, the first frame shown three times and the clip a
frame short."""

from __future__ import annotations

import math
from fractions import Fraction

import opentimelineio as otio
import pytest

from timeline_lab.interchange._edl_motion import exact_motion, read_drop_frame_motion
from timeline_lab.model.timecode import format_timecode

RATES = [Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(60000, 1001)]
SPEEDS = [
    Fraction(1, 2),
    Fraction(1, 3),
    Fraction(1, 4),
    Fraction(2),
    Fraction(3, 4),
    Fraction(3, 2),
    Fraction(-1, 2),
]


def _m2(fps: Fraction, how: str) -> str:
    """A speed in frames a second written with one decimal: rounded, or cut."""
    tenths = abs(fps) * 10
    n = math.floor(tenths + Fraction(1, 2)) if how == "rounded" else math.floor(tenths)
    return f"{'-' if fps < 0 else ' '}{n // 10:03d}.{n % 10}"


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("speed", SPEEDS)
@pytest.mark.parametrize("how", ["rounded", "cut"])
def test_the_speed_an_m2_line_rounds_or_cuts_comes_back(rate: Fraction, speed: Fraction, how: str) -> None:
    read_drop_frame_motion()
    tc = format_timecode(100, rate, drop_frame=False)
    rec_out = format_timecode(20, rate, drop_frame=False)
    text = (
        "TITLE: m2\nFCM: NON-DROP FRAME\n\n"
        f"001  AX       V     C        {tc} {format_timecode(110, rate, drop_frame=False)} "
        f"00:00:00:00 {rec_out}\n"
        f"M2   AX       {_m2(speed * rate, how)}                {tc}\n"
        "* FROM CLIP NAME: a.mov\n"
    )
    tl = otio.adapters.read_from_string(text, adapter_name="cmx_3600", rate=float(rate))
    exact_motion(tl, rate)
    (clip,) = tl.find_clips()
    (warp,) = clip.effects
    assert Fraction(warp.time_scalar).limit_denominator(1000) == speed
