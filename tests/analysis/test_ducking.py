"""Ducking (analysis/ducking.py): a tone 'dialogue' with known spans turns a music tone down there."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.analysis.ducking import duck, speech_spans
from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, Project, io
from timeline_lab.studio import Studio

SR = 48000
SPEECH = [(1.0, 2.5), (4.0, 5.0)]  # seconds the dialogue speaks


def _wav(path: Path, signal: np.ndarray) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("pcm_s16le", rate=SR, layout="mono")
        for i in range(0, len(signal), 1024):
            chunk = signal[i : i + 1024].astype(np.float32)[None, :]
            f = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            f.sample_rate, f.pts = SR, i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    return Studio(workspace=tmp_path)


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("duck")
    t = np.arange(6 * SR) / SR
    speech = np.zeros_like(t)
    for a, b in SPEECH:
        on = (t >= a) & (t < b)
        speech[on] = 0.3 * np.sin(2 * np.pi * 1000 * t[on])
    music = 0.2 * np.sin(2 * np.pi * 220 * t)
    return {"speech": _wav(d / "speech.wav", speech), "music": _wav(d / "music.wav", music)}


def scene(studio: Studio, sounds: dict[str, Path]) -> Project:
    p = studio.new_project(width=160, height=120, frame_rate=25)
    p.add_track("audio", "Dialogue").append(studio.clip(sounds["speech"]))
    p.add_track("audio", "Music").append(studio.clip(sounds["music"]))
    p.history.clear()
    return p


def test_speech_spans_follow_the_dialogue(studio: Studio, sounds: dict[str, Path]) -> None:
    spans = speech_spans(scene(studio, sounds), ["Dialogue"])
    want = [(round(a * 25), round(b * 25)) for a, b in SPEECH]
    assert len(spans) == 2
    for (a, b), (wa, wb) in zip(spans, want, strict=True):
        assert abs(a - wa) <= 2 and abs(b - wb) <= 3, (spans, want)


@pytest.mark.slow
def test_music_drops_by_the_amount_under_dialogue_only(
    studio: Studio, sounds: dict[str, Path], tmp_path: Path
) -> None:
    p = scene(studio, sounds)
    before = io.dumps(p)
    (music,) = duck(p, "Music", ["Dialogue"], amount_db=-12, attack=5, release=10)
    assert isinstance(music, Clip) and music.keyframes["volume"]
    p.undo()
    assert io.dumps(p) == before, "the duck is one undo step"
    p.redo()
    dialogue = p.tracks[1]
    p.set_track(dialogue.id, muted=True)  # hear the music alone
    ducked = _pcm(studio.render(p, tmp_path / "ducked.mp4", progress=False))
    p.tracks[2].update(p.tracks[2].items[0].id, keyframes={})
    flat = _pcm(studio.render(p, tmp_path / "flat.mp4", progress=False))

    def gain_db(a: float, b: float) -> float:
        i, j = int(a * SR), int(b * SR)
        return float(10 * np.log10((ducked[i:j] ** 2).mean() / (flat[i:j] ** 2).mean()))

    for a, b in SPEECH:  # under the dialogue, past the attack and before its end
        assert gain_db(a + 0.1, b - 0.1) == pytest.approx(-12, abs=1.0)
    for a, b in [(0.1, 0.7), (3.1, 3.7), (5.5, 5.9)]:  # away from it, past each release
        assert gain_db(a, b) == pytest.approx(0, abs=0.5)


def _pcm(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        res = av.AudioResampler(format="fltp", layout="mono", rate=SR)
        chunks = [g.to_ndarray()[0] for f in c.decode(audio=0) for g in res.resample(f)]
    return np.concatenate(chunks)


def test_refusals(studio: Studio, sounds: dict[str, Path]) -> None:
    p = scene(studio, sounds)
    with pytest.raises(ProjectError, match="no track with id or name 'Nope'"):
        duck(p, "Nope", ["Dialogue"])
    with pytest.raises(ProjectError, match="amount_db must be <= 0"):
        duck(p, "Music", ["Dialogue"], amount_db=6)
    assert not p.history.can_undo


def _speech(spans: list[tuple[float, float]], seconds: float = 6.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    out = np.zeros_like(t)
    for a, b in spans:
        on = (t >= a) & (t < b)
        out[on] = level * np.sin(2 * np.pi * 1000 * t[on])
    return out


@pytest.mark.parametrize(
    "spans", [[(0.37, 1.23)], [(1.0, 2.5)], [(0.0, 0.9), (2.61, 3.02)], [(1.55, 4.95)], [(2.04, 5.5)]]
)
def test_spans_hold_all_of_the_speech(
    studio: Studio, tmp_path: Path, spans: list[tuple[float, float]]
) -> None:
    """Each span starts at or before its speech and ends at or after it (the music is down for every
    word), by at most a measurement step (0.1 s) and a frame."""
    wav = _wav(tmp_path / "talk.wav", _speech(spans))
    p = studio.new_project(width=160, height=120, frame_rate=25)
    p.add_track("audio", "Dialogue").append(studio.clip(wav))
    got = speech_spans(p, ["Dialogue"])
    assert len(got) == len(spans), got
    for (fa, fb), (a, b) in zip(got, spans, strict=True):
        early = fa == 0 and a < 0.4  # the meter's first window (0.4 s) cannot tell where in it speech starts
        assert (early or a * 25 - 3.5 <= fa) and fa <= a * 25, (got, spans)
        assert b * 25 <= fb <= b * 25 + 3.5, (got, spans)


@pytest.mark.parametrize("level", [0.0, 1e-5, 1e-4])  # digital silence, hiss at -100 and -80 dBFS
def test_a_silent_dialogue_ducks_nothing(
    studio: Studio, sounds: dict[str, Path], tmp_path: Path, level: float
) -> None:
    rng = np.random.default_rng(7)
    wav = _wav(tmp_path / "room.wav", level * rng.standard_normal(4 * SR))
    p = studio.new_project(width=160, height=120, frame_rate=25)
    p.add_track("audio", "Dialogue").append(studio.clip(wav))
    p.add_track("audio", "Music").append(studio.clip(sounds["music"]))
    assert speech_spans(p, ["Dialogue"]) == []
    (music,) = duck(p, "Music", ["Dialogue"])
    assert isinstance(music, Clip) and not music.keyframes.get("volume")


def _two_streams(path: Path, first: np.ndarray, second: np.ndarray) -> Path:
    """A camera-style file with two audio streams (an on-board mic, a lav)."""
    with av.open(str(path), "w") as c:
        streams = [c.add_stream("pcm_s16le", rate=SR, layout="mono") for _ in range(2)]
        for i in range(0, len(first), 1024):
            for s, sig in zip(streams, (first, second), strict=True):
                f = av.AudioFrame.from_ndarray(
                    sig[i : i + 1024].astype(np.float32)[None, :], format="flt", layout="mono"
                )
                f.sample_rate, f.pts = SR, i
                c.mux(s.encode(f))
        for s in streams:
            c.mux(s.encode(None))
    return path


@pytest.mark.parametrize("which", [0, 1])
def test_each_clip_is_measured_in_the_stream_it_plays(studio: Studio, tmp_path: Path, which: int) -> None:
    """A clip that plays a file's second audio stream ducks under that stream's speech, not the default's."""
    a, b = _speech([(0.5, 1.5)], 4.0), _speech([(2.0, 3.0)], 4.0)
    path = _two_streams(tmp_path / "cam.mka", a, b)
    streams = [s.index for s in av.open(str(path)).streams.audio]
    p = studio.new_project(width=160, height=120, frame_rate=25)
    p.add_track("audio", "Dialogue").append(studio.clip(path, audio_stream=streams[which]))
    ((fa, fb),) = speech_spans(p, ["Dialogue"])
    start, end = [(0.5, 1.5), (2.0, 3.0)][which]
    assert start * 25 - 3.5 <= fa <= start * 25 and end * 25 <= fb <= end * 25 + 3.5
