"""Splitting a clip changes no sample of its sound (review: a 48 kHz WAV on a 29.97 timeline).

A split gives its pieces source in/out points between whole samples; each end used to be rounded
to a sample on its own, so a piece could read one source sample more or fewer than its timeline
span and the pad filled a zero (a click) or a sample was played twice. Now both ends are the
source instants of the span's timeline sample boundaries (``sound.source_span``): the pieces tile
the source and play exactly what the unsplit clip plays there.
"""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model.properties import Effect
from timeline_lab.render.compile.sound import samples_at, source_span
from timeline_lab.studio import Studio

RATES = [Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
         Fraction(50), Fraction(60000, 1001), Fraction(60)]  # fmt: skip
SAMPLE_RATES = [44100, 48000, 96000, 22050]
FFMPEG = shutil.which("ffmpeg")


def _noise(sr: int, seconds: float, seed: int) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Stereo white noise: every sample differs from its neighbours, so a shift of one shows."""
    rng = np.random.default_rng(seed)
    return rng.integers(-20000, 20000, size=(2, int(sr * seconds)), dtype=np.int16)


def _write(path: Path, sr: int, video: bool) -> Path:
    """A 16-bit PCM WAV, or (``video``) a MOV of a tiny picture with that sound."""
    pcm = _noise(sr, 2.5, sr)
    with av.open(str(path), "w") as c:
        if video:
            v = c.add_stream("mpeg4", rate=25)
            v.width, v.height, v.pix_fmt = 32, 32, "yuv420p"
        a = c.add_stream("pcm_s16le", rate=sr, layout="stereo")
        for k in range(0, pcm.shape[1], 1024):
            chunk = np.ascontiguousarray(pcm[:, k : k + 1024].T.reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
            frame.sample_rate, frame.pts = sr, k
            c.mux(a.encode(frame))
        c.mux(a.encode(None))
        if video:
            for n in range(62):
                picture = av.VideoFrame.from_ndarray(np.full((32, 32, 3), n, np.uint8), format="rgb24")
                picture.pts = n
                c.mux(v.encode(picture))
            c.mux(v.encode(None))
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, bool], Path]:
    folder = tmp_path_factory.mktemp("split-sound")
    return {
        (sr, video): _write(folder / f"n{sr}.{'mov' if video else 'wav'}", sr, video)
        for sr in SAMPLE_RATES
        for video in (False, True)
    }


def _pcm(path: Path) -> np.ndarray[Any, np.dtype[np.float32]]:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray().reshape(-1, 2).T for f in c.decode(audio=0)], axis=1)


CASES = [(rate, sr) for k, rate in enumerate(RATES) for sr in SAMPLE_RATES[k % 2 :: 2]]


@pytest.mark.parametrize(("rate", "sr"), CASES, ids=[f"{float(r):.3f}-{sr}" for r, sr in CASES])
def test_a_split_clip_plays_the_same_samples(
    sources: dict[tuple[int, bool], Path], tmp_path: Path, rate: Fraction, sr: int
) -> None:
    pick = random.Random(f"{rate}-{sr}")
    video, backwards = pick.random() < 0.5, pick.random() < 0.3
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("split", width=32, height=32, frame_rate=rate, sample_rate=sr)
    track = project.add_track("audio", "A1")
    first = pick.randrange(3, 9) if video else pick.randrange(1, 5000)  # video frames, or samples
    clip = studio.clip(sources[sr, video], first, 20 if video else sr)  # 0.8 s, 1 s
    if backwards:
        clip = clip.model_copy(update={"effects": [Effect(kind="reverse")]})
    at = pick.randrange(0, 4)
    track.overwrite(clip, at)
    span = clip.frames(rate)
    whole = _pcm(studio.render(project, tmp_path / "whole.wav", format="audio-wav-float", progress=False))
    cuts = sorted(pick.sample(range(at + 1, at + span), 4))
    for f in cuts:
        track.split(f)
    split = _pcm(studio.render(project, tmp_path / "split.wav", format="audio-wav-float", progress=False))
    assert split.shape == whole.shape
    bad = np.flatnonzero(np.abs(split - whole).max(axis=0) > 0)
    edges = [samples_at(f, rate, sr) for f in cuts]
    assert bad.size == 0, f"cuts at {cuts} (samples {edges}): {bad.size} samples differ from {bad[:5]}"
    assert np.abs(whole).max() > 0.3  # the sound is there


@pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI runs the printed command")
def test_the_printed_command_plays_a_split_clip_as_the_engine(
    sources: dict[tuple[int, bool], Path], tmp_path: Path
) -> None:
    assert FFMPEG is not None
    rate, sr = Fraction(30000, 1001), 48000
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("split", width=32, height=32, frame_rate=rate, sample_rate=sr)
    track = project.add_track("audio", "A1")
    track.overwrite(studio.clip(sources[sr, False], 777, sr), 1)
    whole = _pcm(studio.render(project, tmp_path / "whole.wav", format="audio-wav-float", progress=False))
    for f in (5, 12, 19, 27):
        track.split(f)
    args = studio.plan(project, tmp_path / "cli.wav", format="audio-wav-float").to_ffmpeg_args()
    subprocess.run(args, check=True, capture_output=True)
    assert np.array_equal(_pcm(tmp_path / "cli.wav"), whole)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    rate=st.sampled_from(RATES),
    sr=st.sampled_from(SAMPLE_RATES),
    source_rate=st.sampled_from(SAMPLE_RATES),
    speed=st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2), Fraction(1, 3)]),
    backwards=st.booleans(),
    start=st.fractions(0, 100).map(lambda f: f.limit_denominator(10**6)),
    frames=st.lists(st.integers(1, 90), min_size=1, max_size=5),
    first_frame=st.integers(0, 10**6),
)
def test_pieces_of_a_split_tile_the_source(
    rate: Fraction, sr: int, source_rate: int, speed: Fraction, backwards: bool, start: Fraction,
    frames: list[int], first_frame: int,
) -> None:  # fmt: skip
    """The source samples of each piece at any speed: the whole clip's, cut where the pieces meet."""
    edges = [first_frame]
    for n in frames:
        edges.append(edges[-1] + n)
    spans = []
    for a, b in itertools.pairwise(edges):  # a piece reversed starts where the source of those after it ends
        head = edges[-1] - b if backwards else a - first_frame
        src0 = start + head * speed / rate
        src1 = src0 + (b - a) * speed / rate
        samples = samples_at(b, rate, sr) - samples_at(a, rate, sr)
        spans.append(source_span(src0, src1, a, samples, rate, sr, source_rate, speed, backwards))
    total = samples_at(edges[-1], rate, sr) - samples_at(first_frame, rate, sr)
    end = start + (edges[-1] - first_frame) * speed / rate
    lo, hi = source_span(start, end, first_frame, total, rate, sr, source_rate, speed, backwards)
    ordered = spans[::-1] if backwards else spans
    assert ordered[0][0] == lo and ordered[-1][1] == hi
    assert all(x[1] == y[0] for x, y in itertools.pairwise(ordered))
    if source_rate == sr and speed == 1:
        for (a, b), (f0, f1) in zip(spans, itertools.pairwise(edges), strict=True):
            assert b - a == samples_at(f1, rate, sr) - samples_at(f0, rate, sr)
