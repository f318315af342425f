"""A range render's sound is the whole render's samples of those frames (review 63).

``frames=(a, b)`` is how previews, ``--range`` and every cluster segment's sound are rendered. A
range used to restart ``atempo`` inside a clip at another speed (5 dB SNR from the cut on), a
resampler inside a 44.1 kHz clip (a few wrong samples at the edge), and at 29.97 fps moved the
excerpt's sound by a fraction of a sample or gave one sample too many or too few.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from timeline_lab.media.synth import make_clip
from timeline_lab.model import RationalTime, Transition
from timeline_lab.render.compile.sound import samples_at
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow

SR = 48000


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("range-sound")
    made = {
        "a": dict(rate=25, frames=150, sample_rate=48000, tone_hz=440, tag=1),
        "b": dict(rate=30, frames=180, sample_rate=44100, tone_hz=660, tag=2),
        "c": dict(rate=Fraction(30000, 1001), frames=180, sample_rate=32000, tone_hz=550, tag=3),
        "m": dict(rate=25, frames=300, sample_rate=44100, tone_hz=300, video=False),
    }
    return {k: make_clip(folder / f"{k}.mp4", width=64, height=48, **kw) for k, kw in made.items()}  # type: ignore[arg-type]


def _pcm(path: Path) -> np.ndarray[Any, np.dtype[np.float32]]:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray().reshape(-1, 2).T for f in c.decode(audio=0)], axis=1)


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          phases=(Phase.explicit, Phase.generate),  # each try is three renders: no shrinking
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(
    rate=st.sampled_from([Fraction(25), Fraction(30000, 1001), Fraction(24), Fraction(50)]),
    ins=st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 300)),
    speed=st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2)]),
    dissolve=st.booleans(),
    data=st.data(),
)
def test_a_range_has_the_whole_renders_samples_of_its_frames(
    media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, rate: Fraction,
    ins: tuple[int, int, int], speed: Fraction, dissolve: bool, data: Any,
) -> None:  # fmt: skip
    tmp = tmp_path_factory.mktemp("r")
    studio = Studio(workspace=tmp)
    project = studio.new_project("range sound", width=64, height=48, frame_rate=rate)
    picture = project.tracks[0]
    first = picture.append(studio.clip(media["a"], ins[0], 30))
    second = picture.append(studio.clip(media["b"], ins[1], 40).model_copy(update={"speed": speed}))
    picture.append(studio.clip(media["c"], 5, 20))
    if dissolve:
        picture.add_transition(
            Transition(from_clip=first.id, to_clip=second.id, duration=RationalTime(6, rate))
        )
    project.add_track("audio").append(studio.clip(media["m"], ins[2] * 441, 44100 * 3))  # samples: 3 s
    whole = _pcm(
        studio.render(project, tmp / "whole.wav", format="audio-wav-float", progress=False, cluster=False)
    )
    total = max(t.frames() for t in project.tracks)
    for n in range(2):
        a = data.draw(st.integers(0, total - 1), label=f"first{n}")
        b = data.draw(st.integers(a + 1, min(total, a + 50)), label=f"end{n}")
        out = tmp / f"range{n}.wav"
        part = _pcm(
            studio.render(
                project, out, format="audio-wav-float", frames=(a, b), progress=False, cluster=False
            )
        )
        want = whole[:, samples_at(a, rate, SR) : samples_at(b, rate, SR)]
        assert part.shape == want.shape, f"range [{a}, {b}): {part.shape[1]} samples, want {want.shape[1]}"
        worst = np.abs(part - want).max(axis=0)
        bad = np.nonzero(worst > 1e-4)[0]
        assert not len(bad), (
            f"range [{a}, {b}): {len(bad)} samples differ (first at {bad[0]}, max {worst.max():.4f})"
        )


@settings(max_examples=10, deadline=None, database=None, derandomize=True,
          phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(
    rate=st.sampled_from([Fraction(30000, 1001), Fraction(25), Fraction(24000, 1001)]),
    first=st.integers(0, 25),  # the sequence lasts 2 s: 60 frames of a 30 fps source
    at=st.integers(0, 40),
    source=st.sampled_from(["a", "b", "c"]),
)
def test_a_nested_sequence_sounds_as_the_sequence_does(
    media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, rate: Fraction, first: int, at: int,
    source: str,
) -> None:  # fmt: skip
    """A sequence shown from its frame ``first`` at outer frame ``at`` is its own sound from there
    (review 73: one sample late at 29.97, the excerpt's start off the sample grid)."""
    from timeline_lab.model import SequenceClip, TimeRange

    tmp = tmp_path_factory.mktemp("n")
    studio = Studio(workspace=tmp)
    seq = studio.new_project("inner", width=64, height=48, frame_rate=rate)
    seq.tracks[0].append(studio.clip(media[source], 3, 60))
    alone = _pcm(
        studio.render(seq, tmp / "alone.wav", format="audio-wav-float", progress=False, cluster=False)
    )
    outer = studio.new_project("outer", width=64, height=48, frame_rate=rate)
    outer.add_sequence(seq)
    n = 20
    span = TimeRange.from_frames(first, n, rate)
    outer.tracks[0].overwrite(SequenceClip(sequence=seq.id, source_range=span), at)
    got = _pcm(
        studio.render(outer, tmp / "outer.wav", format="audio-wav-float", progress=False, cluster=False)
    )
    k0, count = samples_at(at, rate, SR), samples_at(at + n, rate, SR) - samples_at(at, rate, SR)
    want = alone[:, samples_at(first, rate, SR) : samples_at(first, rate, SR) + count]
    part = got[:, k0 : k0 + want.shape[1]]
    assert np.abs(part - want).max() < 1e-4
