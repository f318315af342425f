"""Waveform peaks: a tone draws at its amplitude, silence at zero, every level from one decode."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.media.conftest import Clip
from timeline_lab.core.cache import DEFAULT_CACHES
from timeline_lab.errors import MediaError
from timeline_lab.media.waveform import Waveform, waveform
from timeline_lab.model.time import RationalTime

TONE_AMPLITUDE = 0.5  # what synth.make_clip writes


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(root))
    return root


def write_wav(path: Path, left: np.ndarray, right: np.ndarray, rate: int = 48000) -> Path:
    """A 16-bit stereo WAV: exact samples, no codec padding."""
    with av.open(str(path), "w") as out:
        s = out.add_stream("pcm_s16le", rate=rate, layout="stereo")
        data = np.stack([left, right]).astype(np.float32)
        pcm = (np.clip(data, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
        frame.sample_rate, frame.pts = rate, 0
        out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def test_tone_peaks_at_its_amplitude_at_every_level(clips: dict[str, Clip]) -> None:
    c = clips["ntsc"]  # 440 Hz, 60 frames at 29.97: 96096 samples
    w = waveform(c.path)
    assert w.levels == (256, 1024, 4096)
    assert (w.sample_rate, w.samples, w.channels) == (48000, 96096, 2)
    assert w.start.strictly_equal(RationalTime(0, 48000))
    for lv in w.levels:
        lo, hi = w.level(lv)
        assert lo.dtype == hi.dtype == np.float32
        assert len(lo) == len(hi) == math.ceil(96096 / lv)
        inner = slice(2, -2)  # AAC's ramp-in at the very start
        assert np.allclose(hi[inner], TONE_AMPLITUDE, atol=0.03)
        assert np.allclose(lo[inner], -TONE_AMPLITUDE, atol=0.03)
        assert np.all(lo <= hi)


def test_coarser_levels_are_exact_reductions_of_the_finest(clips: dict[str, Clip]) -> None:
    w = waveform(clips["pal"].path, levels=(512, 256, 2048))
    assert w.levels == (256, 512, 2048)
    lo, hi = w.level(256)
    for lv in (512, 2048):
        k = lv // 256
        clo, chi = w.level(lv)
        for j in range(len(clo)):
            assert clo[j] == lo[j * k : (j + 1) * k].min() and chi[j] == hi[j * k : (j + 1) * k].max()


def test_silence_is_flat_and_envelope_spans_channels(tmp_path: Path) -> None:
    n = 48000 // 2
    silent = waveform(write_wav(tmp_path / "s.wav", np.zeros(n), np.zeros(n)))
    for lv in silent.levels:
        lo, hi = silent.level(lv)
        assert not lo.any() and not hi.any()
    # opposite phase in the two channels: a mono downmix would cancel to silence
    t = np.arange(n) / 48000
    tone = 0.25 * np.sin(2 * np.pi * 300 * t)
    w = waveform(write_wav(tmp_path / "p.wav", tone, -tone))
    lo, hi = w.level(1024)
    assert np.allclose(hi, 0.25, atol=0.01) and np.allclose(lo, -0.25, atol=0.01)
    assert w.samples == n


def test_json_and_bytes_round_trip(clips: dict[str, Clip]) -> None:
    w = waveform(clips["pal"].path, levels=(1024, 4096))
    doc = json.loads(json.dumps(w.to_json()))
    assert doc["sample_rate"] == 48000 and doc["start"] == {"value": 0, "rate": 48000}
    assert [lv["samples_per_bucket"] for lv in doc["levels"]] == [1024, 4096]
    assert len(doc["levels"][0]["max"]) == len(w.level(1024)[1])
    back = Waveform.from_bytes(w.to_bytes())
    assert back.levels == w.levels and back.samples == w.samples and back.start == w.start
    assert all(np.array_equal(a, b) for a, b in zip(back.maxs, w.maxs, strict=True))


def test_cached_in_memory_and_on_disk_by_content(tmp_path: Path, cache_dir: Path) -> None:
    n = 4800
    p = write_wav(tmp_path / "a.wav", np.full(n, 0.5), np.full(n, 0.5))
    a = waveform(p)
    assert waveform(p) is a
    DEFAULT_CACHES.clear()  # memory only: the next call is a disk hit
    b = waveform(p)
    assert b is not a and np.array_equal(b.maxs[0], a.maxs[0])
    assert (cache_dir / "waveforms").is_dir()
    write_wav(p, np.full(n, 0.25), np.full(n, 0.25))  # rewritten: never the stale peaks
    assert np.allclose(waveform(p).maxs[0], 0.25, atol=1e-3)


@pytest.mark.parametrize(
    ("levels", "error"),
    [((), "levels"), ((0, 256), "levels"), ((256, 1000), "multiple"), ((256.0,), "levels")],
)
def test_bad_levels(clips: dict[str, Clip], levels: tuple[int, ...], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        waveform(clips["pal"].path, levels=levels)


def test_no_audio_is_a_clear_error(media: dict[str, Path]) -> None:
    with pytest.raises(MediaError, match=r"silent\.mp4: no audio stream"):
        waveform(media["silent"])


def test_start_follows_the_first_sample(tmp_path: Path) -> None:
    w = waveform(write_wav(tmp_path / "x.wav", np.zeros(100), np.zeros(100)), levels=(64,))
    assert w.start == RationalTime(Fraction(0), 48000) and len(w.level(64)[0]) == 2
