"""What keeps compiling a long timeline linear: segments by one sweep, sample edges in integers.

Each fast form is checked against the plain one it replaced, on random inputs.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.media.timestamps import StreamTimes
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TextClip, TimeRange, Track
from timeline_lab.model.time import RationalTime
from timeline_lab.render.compile.compiler import segments
from timeline_lab.render.compile.graph import Step, q
from timeline_lab.render.compile.layers import _cfr_timing
from timeline_lab.render.compile.pieces import _last_needed, _plus
from timeline_lab.render.compile.sound import _rounded, _source_steps, samples_at
from timeline_lab.render.plan import Segment

RATES = (Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(60000, 1001), Fraction(1, 3))
MEDIA = MediaReference(
    path="/m/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 500, 25), has_audio=True
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.integers(-(10**7), 10**9), st.sampled_from(RATES), st.sampled_from([8000, 44100, 48000, 96000]))
def test_samples_at_rounds_as_fraction_does(frame: int, rate: Fraction, sample_rate: int) -> None:
    assert samples_at(frame, rate, sample_rate) == round(Fraction(frame) / rate * sample_rate)


def test_samples_at_halves_go_to_even() -> None:
    rate = Fraction(2)  # frame k at 1 Hz samples: k / 2 -> halves
    assert [samples_at(k, rate, 1) for k in range(8)] == [round(Fraction(k, 2)) for k in range(8)]


def _plain_segments(project: Project) -> tuple[Segment, ...]:
    """The definition: for each span between cuts, the items active in it, in track order."""
    rate = project.settings.frame_rate
    spans = [
        (i.start.to_frames(rate), i.start.to_frames(rate) + i.frames(rate), i.id)
        for t in project.tracks
        if t.enabled
        for i in t.items
    ]
    total = max([e for _, e, _ in spans] + [t.frames() for t in project.tracks], default=0)  # any track
    cuts = sorted({0, total, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    return tuple(
        Segment(a, b - a, tuple(i for s, e, i in spans if s < b and a < e))
        for a, b in itertools.pairwise(cuts)
    )


@st.composite
def layered(draw: st.DrawFn) -> Project:
    p = Project(settings=ProjectSettings(frame_rate=25))
    n = 0
    for t in range(draw(st.integers(0, 4))):
        track = p.add_track(track=Track(id=f"trk_{t}", enabled=draw(st.booleans()) or t == 0))
        for _ in range(draw(st.integers(0, 6))):
            n += 1
            at = track.items_end() + draw(st.integers(0, 20))
            if draw(st.booleans()):
                track.insert(
                    TextClip(id=f"t{n}", text="x", duration=RationalTime(draw(st.integers(1, 30)), 25)), at
                )
            else:
                src = TimeRange.from_frames(draw(st.integers(0, 100)), draw(st.integers(1, 40)), 25)
                track.insert(Clip(id=f"c{n}", media=MEDIA, source_range=src), at)
    return p


@settings(max_examples=150, deadline=None, database=None)
@given(layered())
def test_segments_match_their_definition(project: Project) -> None:
    assert segments(project) == _plain_segments(project)


# Per-clip source maths in integers (conform timing, reads, audio trim): each fast form against the
# Fraction form it replaced, on random streams, starts and speeds. The whole plans were also compared
# before and after on 1,260 random timelines of the exactness harness (mixed rates, VFR, offsets,
# speeds, transitions, titles, excerpts, scaled previews): identical.

TIME_BASES = (
    Fraction(1, 90000),
    Fraction(1, 12800),
    Fraction(1, 1000),
    Fraction(1001, 30000),
    Fraction(1, 25),
)
FRAME_RATES = (Fraction(25), Fraction(24), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(50))
SPEEDS = (Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2), Fraction(7, 3), Fraction(1, 10))


def _times(tb: Fraction, fr: Fraction, first: int, count: int = 400) -> StreamTimes:
    step = 1 / (fr * tb)
    pts = np.array([first + math.floor(k * step) for k in range(count)], dtype=np.int64)
    return StreamTimes(tb, pts, pts[:1], math.floor(step), None)


def _plain_cfr_timing(vs: Any, times: StreamTimes, start: Fraction, speed: Fraction) -> tuple[Step, str, int]:
    """conform_steps' constant-rate timing as it was written in Fractions."""
    tb = vs.time_base
    origin = times.first * tb
    fr = vs.frame_rate
    slot = math.floor(start * fr)
    first = ("trim", f"start_pts={math.floor((origin + (slot - Fraction(1, 2)) / fr) / tb)}")
    step = 1 / (fr * speed)
    d = math.lcm(tb.denominator, step.denominator, (start / speed).denominator)
    shift = f"-({q(origin * fr)})" if origin else ""
    where = f"round(PTS*{fr.numerator}/{fr.denominator * d}{shift})"
    return first, f"{where}*{step * d}-{start / speed * d}", d


starts = st.builds(Fraction, st.integers(0, 10**6), st.integers(1, 10**4))


@settings(max_examples=400, deadline=None, database=None)
@given(
    st.sampled_from(TIME_BASES), st.sampled_from(FRAME_RATES), st.integers(-3000, 10**6), starts,
    st.sampled_from(SPEEDS),
)  # fmt: skip
def test_cfr_timing_matches_the_fraction_form(
    tb: Fraction, fr: Fraction, first: int, start: Fraction, speed: Fraction
) -> None:
    vs = SimpleNamespace(time_base=tb, frame_rate=fr, variable_frame_rate=False)
    times = _times(tb, fr, first, 4)
    assert _cfr_timing(vs, times, start, speed) == _plain_cfr_timing(vs, times, start, speed)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.builds(Fraction, st.integers(-(10**9), 10**9), st.integers(1, 10**6)), st.sampled_from([44100, 48000])
)
def test_audio_trim_matches_the_fraction_form(start: Fraction, sr: int) -> None:
    stream = SimpleNamespace(sample_rate=sr, delay=Fraction(0), time_base=Fraction(1, sr))
    clip = Clip(id="c", media=MEDIA, source_range=TimeRange.from_frames(0, 10, 25))
    end = start + Fraction(7, 5)
    steps = _source_steps(clip, stream, start, end, 48000, 2, [])  # type: ignore[arg-type]
    first, last = round(start * sr), round(end * sr)
    assert steps[0] == (
        "atrim",
        f"start={float(Fraction(first, sr)):.9f}:end={float(Fraction(last, sr)):.9f}",
    )
    assert steps[1] == ("asetpts", f"round(PTS-{q(Fraction(first, sr))}/TB)")
    assert _rounded(start.numerator * sr, start.denominator) == round(start * sr)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.sampled_from(TIME_BASES), st.sampled_from(FRAME_RATES), st.integers(0, 5000),
    st.builds(Fraction, st.integers(-(10**4), 10**6), st.integers(1, 10**3)),
)  # fmt: skip
def test_last_needed_matches_index_at(tb: Fraction, fr: Fraction, first: int, last: Fraction) -> None:
    times = _times(tb, fr, first)
    origin = times.first * tb
    at = origin + max(last, Fraction(0))
    assert _last_needed(times, at.numerator, at.denominator) == times.seconds(times.index_at(at))
    assert _plus(origin, last.numerator, last.denominator) == origin + last
