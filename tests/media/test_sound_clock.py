"""Sound placed by its timestamps as the render's aresample places it: jitter runs on, a hole is
silence, an overlap is dropped; the waveform draws what that gives, its peaks at their times."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.media.sound_clock import HOLE, SoundClock, hole_seconds
from timeline_lab.media.waveform import _Buckets, waveform
from timeline_lab.render.compile import sound

SR = 48000


def test_the_render_reads_sound_by_the_same_bound() -> None:
    assert sound.HOLE is HOLE and sound.hole_seconds is hole_seconds
    assert hole_seconds(Fraction(1, 1000)) == HOLE and hole_seconds(Fraction(1, 25)) == Fraction(2, 25)


@given(
    frames=st.lists(
        st.tuples(st.integers(1, 2000), st.integers(-400, 400), st.booleans()), min_size=1, max_size=30
    ),
    start=st.integers(-(10**6), 10**6),
)
def test_frames_run_on_within_the_bound_and_holes_are_silence(
    frames: list[tuple[int, int, bool]], start: int
) -> None:
    """Frames stamped where the sound before ends, give or take jitter under the bound, or after a
    hole or an overlap past it: every sample lands at its stamp (holes filled) or runs on."""
    clock = SoundClock(SR, Fraction(1, SR))
    hard = round(HOLE * SR)  # 480 samples
    end, t = 0, start
    for i, (n, jitter, hole) in enumerate(frames):
        shift = (hard + 1 + abs(jitter) * 3) * (1 if jitter >= 0 else -1) if hole else jitter * hard // 400
        stamp = t + shift if i else start  # the first frame's stamp is where the sound starts
        silence, drop = clock.place(stamp, n)
        at = stamp - start
        if abs(at - end) <= hard:
            assert (silence, drop) == (0, 0)
        else:
            assert silence == max(0, at - end) and drop == min(n, max(0, end - at))
        end += silence + n - drop
        assert clock.end == end and clock.first == start
        t = stamp + n


def test_a_delay_and_a_coarse_time_base() -> None:
    clock = SoundClock(SR, Fraction(1, 1000), delay=Fraction(1, 100))
    assert clock.place(1010, 960) == (0, 0) and clock.first == SR  # stamped 10 ms late: starts at 1 s
    assert clock.place(1030, 960) == (0, 0)  # 1 ms rounding of a 20 ms frame: runs on
    assert clock.place(1100, 960) == (50 * 48, 0)  # 50 ms lost
    assert clock.place(None, 100) == (0, 0) and clock.end == 3 * 960 + 2400 + 100


@settings(max_examples=60)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3000)), max_size=12), st.sampled_from([4, 256, 1024]))
def test_silence_is_what_zeros_would_give(parts: list[tuple[bool, int]], size: int) -> None:
    rng = np.random.default_rng(len(parts))
    fast, slow = _Buckets(size), _Buckets(size)
    for quiet, n in parts:
        data = np.zeros((2, n), np.float32) if quiet else rng.uniform(-1, 1, (2, n)).astype(np.float32)
        (fast.silence(n) if quiet else fast.add(data, None))
        slow.add(data, None)
    for a, b in zip(fast.finish(), slow.finish(), strict=True):
        assert np.array_equal(a, b)


def _pcm(
    path: Path, start_ms: int, end_ms: int, bursts_ms: list[int], lost_ms: list[tuple[int, int]]
) -> Path:
    """Mono PCM in Matroska from ``start_ms``: 20 ms bursts at ``bursts_ms``, ``lost_ms`` packets lost."""
    with av.open(str(path), "w") as out:
        s = out.add_stream("pcm_s16le", rate=SR, layout="mono")
        for lo in range(start_ms * 48, end_ms * 48, 960):
            if any(a <= lo // 48 < b for a, b in lost_ms):
                continue
            t = (lo + np.arange(960)) / SR
            on = np.zeros(960, bool)
            for b in bursts_ms:
                on |= (t >= b / 1000) & (t < b / 1000 + 0.02)
            x = (np.where(on, 0.8 * np.sin(2 * np.pi * 1000 * t), 0.0) * 32767).astype(np.int16)[None]
            f = av.AudioFrame.from_ndarray(x, format="s16", layout="mono")
            f.sample_rate, f.pts, f.time_base = SR, lo, Fraction(1, SR)
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    return path


@pytest.mark.parametrize(
    ("start_ms", "lost_ms", "bursts_ms"),
    [
        (0, [(600, 1100)], [300, 1400]),
        (1500, [(1700, 1720)], [1600, 1800, 2500]),  # one packet lost: 20 ms, past the bound
        (200, [(400, 700), (900, 1500)], [300, 800, 1700]),
        (0, [], [100, 900]),
    ],
)
def test_waveform_peaks_sit_at_their_timestamps(
    tmp_path: Path, start_ms: int, lost_ms: list[tuple[int, int]], bursts_ms: list[int]
) -> None:
    w = waveform(_pcm(tmp_path / "a.mkv", start_ms, start_ms + 2000, bursts_ms, lost_ms), levels=(256,))
    assert w.start.to_seconds() == Fraction(start_ms, 1000)
    assert w.samples == 2000 * 48  # the holes are counted, as silence
    _, hi = w.level(256)
    loud = np.flatnonzero(hi > 0.5)
    onsets = [loud[0]] + [b for a, b in itertools.pairwise(loud) if b - a > 4]
    got = [float(w.start.to_seconds()) + k * 256 / SR for k in onsets]
    assert len(got) == len(bursts_ms)
    for g, b in zip(got, bursts_ms, strict=True):
        assert g <= b / 1000 < g + 256 / SR
