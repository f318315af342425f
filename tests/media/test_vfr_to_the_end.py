"""A phone's variable-rate clip used to its last frame: the media's length (its frames at the
measured average rate) must not end before that frame does, whatever the jitter; else the clip
is refused as "past media end" (6 of 8 phone-like files were)."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.media.probe import _below, probe
from timeline_lab.media.synth import read_frame_indices
from timeline_lab.studio import Studio

from .corpus import _vfr

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg CLI muxes the sound in")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), first=st.integers(0, 20))
def test_a_jittered_phone_clip_to_its_last_frame_is_accepted_and_renders_to_it(
    tmp_path: Path, seed: int, first: int
) -> None:
    d = tmp_path / f"s{seed}"
    d.mkdir(exist_ok=True)
    jitter = np.random.default_rng(seed).uniform(-0.004, 0.004, 40)
    # a frame dropped after frame 19: variable rate (jitter alone is constant rate: test_jittered_clock)
    times = [Fraction(k + (k >= 20), 30) + Fraction(round(j * 90000), 90000) for k, j in enumerate(jitter)]
    times[0] = Fraction(0)
    media = _vfr(d, "phone", ".mp4", times, Fraction(1, 30), 7)
    info = probe(media.path).primary_video
    assert info is not None and info.variable_frame_rate
    studio = Studio(workspace=d)
    project = studio.new_project(width=160, height=120, frame_rate=Fraction(info.frame_rate))
    project.tracks[0].append(studio.clip(media.path, first))  # to the last frame
    out = studio.render(project, d / "out.mp4", progress=False)
    shown = [k for k, _ in read_frame_indices(out)]
    rate = project.settings.frame_rate
    n = project.duration().to_frames(rate)
    # sample-and-hold: timeline frame k shows the last source frame whose time has passed
    want = [max(j for j, t in enumerate(times) if t <= times[first] + Fraction(k) / rate) for k in range(n)]
    assert shown == want and want[-1] >= 38


@settings(max_examples=300, deadline=None)
@given(num=st.integers(1, 10**12), den=st.integers(1, 10**9), limit=st.integers(1, 2000))
def test_below_is_the_closest_fraction_not_above(num: int, den: int, limit: int) -> None:
    x = Fraction(num, den)
    b = _below(x, limit)
    assert b <= x and b.denominator <= limit
    assert all(Fraction((x * q).__floor__(), q) <= b for q in range(1, limit + 1, max(1, limit // 50)))
