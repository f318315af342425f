"""What keeps compiling a long timeline linear: segments by one sweep, sample edges in integers.

Each fast form is checked against the plain one it replaced, on random inputs.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TextClip, TimeRange, Track
from timeline_lab.model.time import RationalTime
from timeline_lab.render.compile.compiler import segments
from timeline_lab.render.compile.sound import samples_at
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
    total = max([e for _, e, _ in spans] + [t.frames() for t in project.tracks if t.enabled], default=0)
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
