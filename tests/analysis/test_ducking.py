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
