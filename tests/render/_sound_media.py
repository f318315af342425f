"""Float WAV sources and decoded renders for the sound tests: what a file holds, sample for sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np

from timeline_lab.media.sound_arrays import to_planes

LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def write_wav(path: Path, data: np.ndarray[Any, Any], sr: int, layout: str | None = None) -> Path:
    """A 32-bit float WAV of ``data`` (channels, samples) in ``layout`` (default: the count's)."""
    name = layout or LAYOUTS[data.shape[0]]
    with av.open(str(path), "w") as c:
        s = c.add_stream("pcm_f32le", rate=sr, layout=name)
        for k in range(0, data.shape[1], 1024):
            block = np.ascontiguousarray(data[:, k : k + 1024].T.reshape(1, -1), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(block, format="flt", layout=name)
            frame.sample_rate, frame.pts = sr, k
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return path


def tone(
    sr: int, seconds: float, hz: float = 220, amp: float = 0.4, channels: int = 2
) -> np.ndarray[Any, Any]:
    """A sine on every channel."""
    t = np.arange(int(sr * seconds)) / sr
    return np.vstack([amp * np.sin(2 * np.pi * hz * t)] * channels)


def decode(path: Path) -> np.ndarray[Any, Any]:
    """The first sound stream as float64 (channels, samples), any channel count."""
    with av.open(str(path)) as c:
        planar = av.AudioResampler(format="fltp")
        frames = [g for f in c.decode(audio=0) for g in planar.resample(f)] + list(planar.resample(None))
        return np.concatenate([to_planes(f).astype(np.float64) for f in frames], axis=1)


def layout_of(path: Path) -> str:
    """The first sound stream's channel layout name."""
    with av.open(str(path)) as c:
        return str(c.streams.audio[0].layout.name)
