"""A clip's sound in time, run in a real filter graph: the first sample where its timestamp puts it,
holes in a stream's times kept as silence (the chain's expressions are evaluated in doubles, and
aresample's defaults let up to 1 ms at the start and 0.1 s later slide)."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from types import SimpleNamespace

import av
import av.filter
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model import Clip, MediaReference, TimeRange
from timeline_lab.render.compile.sound import _source_steps

MEDIA = MediaReference(
    path="/m/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 500, 25), has_audio=True
)


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.builds(Fraction, st.integers(0, 10**6), st.sampled_from([25, 30, 24, 30000, 24000, 1000, 7])),
    st.sampled_from([44100, 48000, 32000]),
    st.integers(0, 5000),
)
def test_audio_trim_keeps_every_sample_where_it_is(start: Fraction, sr: int, late: int) -> None:
    """Run in a real graph: sound ``late`` samples after the clip's start comes out exactly that late
    (the time expressions are evaluated in doubles: no tick may be lost to rounding)."""
    pcm = _run_source_steps(start, sr, [(round(start * sr) + late, 256)])
    assert int(np.flatnonzero(pcm)[0]) == late


@pytest.mark.parametrize(
    ("tb", "hole", "kept"),
    [
        (Fraction(1, 48000), 1024, True),  # an AAC packet dropped: 21 ms of silence, then in sync
        (Fraction(1, 48000), 960, True),  # an Opus packet (20 ms)
        (Fraction(1, 48000), 3, False),  # jitter of a few samples: not a hole
        (Fraction(1, 1000), 48, False),  # Matroska's 1 ms ticks: rounding, not a hole
        (Fraction(1, 1000), 144, False),  # a capture clock's 3 ms of jitter: not a hole either
        (Fraction(1, 1000), 960, True),
    ],
)
def test_a_hole_in_the_sounds_times_stays_silent(tb: Fraction, hole: int, kept: bool) -> None:
    """Packets missing from the middle of a stream: what follows plays at its own time."""
    sr, n = 48000, 1024
    packets = [(k * n + (hole if k >= 3 else 0), n) for k in range(6)]
    pcm = _run_source_steps(Fraction(0), sr, packets, tb=tb, values=True)
    fourth = int(np.flatnonzero(pcm == 4)[0])
    assert fourth == (3 * n + hole if kept else 3 * n)


def _run_source_steps(
    start: Fraction,
    sr: int,
    packets: list[tuple[int, int]],
    tb: Fraction | None = None,
    values: bool = False,
) -> np.ndarray:
    """The first steps of a clip's sound chain (atrim, asetpts, aresample) in a real graph, fed
    frames of ``(pts in samples, length)``; each frame is 1s (or its number, with ``values``)."""
    tb = tb or Fraction(1, sr)
    stream = SimpleNamespace(sample_rate=sr, delay=Fraction(0), time_base=tb)
    clip = Clip(id="c", media=MEDIA, source_range=TimeRange.from_frames(0, 10, 25))
    steps = _source_steps(clip, stream, start, start + 60, sr, 1, [])  # type: ignore[arg-type]
    g = av.filter.Graph()
    last = src = g.add_abuffer(format="fltp", sample_rate=sr, layout="mono", time_base=tb)
    for name, args in steps[:3]:
        node = g.add(name, args)
        last.link_to(node)
        last = node
    sink = g.add("abuffersink")
    last.link_to(sink)
    g.configure()
    for k, (at, length) in enumerate(packets):
        fill = k + 1 if values else 1
        frame = av.AudioFrame.from_ndarray(
            np.full((1, length), fill, np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate, frame.time_base = sr, tb
        frame.pts = round(Fraction(at, sr) / tb)
        src.push(frame)
    src.push(None)
    out = []
    with contextlib.suppress(av.BlockingIOError, av.EOFError):
        while True:
            out.append(sink.pull().to_ndarray()[0])
    return np.concatenate(out)


@pytest.mark.parametrize("ppm", [50, -50])
@pytest.mark.parametrize("jitter_ms", [0, 3])
def test_a_jittered_or_drifting_clock_is_neither_cut_nor_padded(jitter_ms: int, ppm: int) -> None:
    """A capture clock stamps packets a few ms off, and drifts against the sample clock: 30 s of
    20 ms Opus packets in 1 ms ticks come out whole, with no silence and nothing dropped."""
    sr, n, tb = 48000, 960, Fraction(1, 1000)
    rng = np.random.default_rng(7)
    packets = []
    for k in range(1500):
        ideal = Fraction(k * n, sr) * (1 + Fraction(ppm, 10**6))
        packets.append(
            (round((ideal + Fraction(int(rng.integers(-jitter_ms, jitter_ms + 1)), 1000)) * sr), n)
        )
    packets[0] = (0, n)
    pcm = _run_source_steps(Fraction(0), sr, packets, tb=tb)
    assert len(pcm) == 1500 * n and not np.any(pcm == 0)
