"""Render-test helpers: decode outputs to numpy so tests check pixels and sound, not file sizes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.studio import Studio


def decode_video(path: Path) -> list[np.ndarray]:
    """Every picture of the first video stream as RGB."""
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """First audio stream as float samples (channels, n) and its rate."""
    with av.open(str(path)) as c:
        sr = c.streams.audio[0].sample_rate
        planar = av.AudioResampler(format="fltp")  # packed formats (wav, flac) interleave channels
        chunks = [g.to_ndarray() for f in c.decode(audio=0) for g in planar.resample(f)]
        chunks += [g.to_ndarray() for g in planar.resample(None)]
    return np.concatenate(chunks, axis=1), sr


def peak_hz(pcm: np.ndarray, sr: int) -> float:
    """Strongest frequency of a mono window."""
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    return float(np.fft.rfftfreq(len(pcm), 1 / sr)[int(np.argmax(spectrum))])


def band_energy(pcm: np.ndarray, sr: int, hz: float, width: float = 20) -> float:
    """Energy near ``hz`` (to tell two mixed tones apart)."""
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    freqs = np.fft.rfftfreq(len(pcm), 1 / sr)
    return float(spectrum[(freqs > hz - width) & (freqs < hz + width)].sum())


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    return Studio(workspace=tmp_path)


@pytest.fixture(scope="session")
def solid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Flat-colour clips (green screen, mid grey) for keying and blending checks."""
    d = tmp_path_factory.mktemp("solid")
    out = {}
    for name, rgb in {"green": (0, 255, 0), "grey": (128, 128, 128), "red": (220, 30, 30)}.items():
        path = d / f"{name}.mp4"
        with av.open(str(path), "w") as c:
            s = c.add_stream("libx264", rate=Fraction(25), options={"crf": "12", "preset": "veryfast"})
            s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
            img = np.zeros((120, 160, 3), np.uint8)
            img[:] = rgb
            for i in range(25):
                f = av.VideoFrame.from_ndarray(img, format="rgb24")
                f.pts = i
                c.mux(s.encode(f))
            c.mux(s.encode(None))
        out[name] = path
    return out
