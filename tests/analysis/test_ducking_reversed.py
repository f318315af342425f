"""Ducking under reversed (and frozen) dialogue clips: the speech spans are where the render plays the
speech, measured again in the rendered sound."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.analysis.ducking import speech_spans
from timeline_lab.model import Effect
from timeline_lab.studio import Studio

SR = 48000


def _wav(path: Path, speech: list[tuple[float, float]], seconds: float) -> Path:
    t = np.arange(int(seconds * SR)) / SR
    signal = np.zeros_like(t)
    for a, b in speech:
        on = (t >= a) & (t < b)
        signal[on] = 0.3 * np.sin(2 * np.pi * 1000 * t[on])
    with av.open(str(path), "w") as c:
        s = c.add_stream("pcm_s16le", rate=SR, layout="mono")
        for i in range(0, len(signal), 1024):
            f = av.AudioFrame.from_ndarray(signal[i : i + 1024].astype(np.float32)[None, :], "flt", "mono")
            f.sample_rate, f.pts = SR, i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


@pytest.mark.parametrize(
    ("speech", "first", "count", "speed", "effects"),
    [
        ([(0.4, 1.2)], 0, 100, Fraction(1), ["reverse"]),
        ([(0.4, 1.2), (2.6, 3.2)], 10, 80, Fraction(1), ["reverse"]),
        ([(2.6, 3.2)], 5, 90, Fraction(1), ["reverse", "reverse"]),
        ([(1.0, 2.0)], 0, 100, Fraction(1), ["reverse", "freeze"]),
        ([(1.0, 2.0)], 0, 100, Fraction(1), ["freeze"]),
    ],
)
def test_speech_spans_are_where_the_render_plays_the_speech(
    tmp_path: Path,
    speech: list[tuple[float, float]],
    first: int,
    count: int,
    speed: Fraction,
    effects: list[str],
) -> None:
    studio = Studio(workspace=tmp_path)
    source = _wav(tmp_path / "speech.wav", speech, 4.0)
    p = studio.new_project(width=160, height=120, frame_rate=25)
    track = p.add_track("audio", "Dialogue")
    clip = track.append(studio.clip(source, round(first * SR / 25), round(count * SR / 25), speed=speed))
    fx = [Effect(kind=k, params={"frame": 3} if k == "freeze" else {}) for k in effects]
    track.update(clip.id, effects=fx)
    got = speech_spans(p, ["Dialogue"])
    rendered = studio.render(p, tmp_path / "out.wav", progress=False)
    heard = studio.new_project(width=160, height=120, frame_rate=25)
    heard.add_track("audio", "Dialogue").append(studio.clip(rendered))
    want = speech_spans(heard, ["Dialogue"])
    assert len(got) == len(want) >= 1
    for (a, b), (c, d) in zip(got, want, strict=True):
        assert abs(a - c) <= 2 and abs(b - d) <= 2, (got, want)
