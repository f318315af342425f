"""Browser-made media for the tests: WebM/Matroska as MediaRecorder and WebRTC write it (frames
only when the picture changes, on a millisecond clock; live files without cues or durations; sound
starting after the picture), each frame a grey of its own and the sound silent but for bursts."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SR = 48000
MS = Fraction(1, 1000)
SIZE = (64, 48)
LIVE = {"live": "1", "cluster_time_limit": "500"}


def grey(k: int) -> int:
    """Frame ``k``'s grey (k <= 20: far enough apart that an encoder does not skip the change)."""
    return 10 + 12 * (k % 21)


def frame_number(rgb: np.ndarray) -> int:
    """The frame a decoded picture is, from its grey."""
    return round((float(rgb[rgb.shape[0] // 2, rgb.shape[1] // 2].mean()) - 10) / 12)


def _sound(start: int, stop: int, bursts: Sequence[int], layout: str) -> list[av.AudioFrame]:
    """Silence from ``start`` to ``stop`` ms with 20 ms 1 kHz bursts at ``bursts`` ms, 20 ms a frame."""
    frames = []
    channels = 2 if layout == "stereo" else 1
    for lo in range(start * SR // 1000, stop * SR // 1000, 960):
        t = np.arange(lo, min(lo + 960, stop * SR // 1000)) / SR
        on = np.zeros(t.size, bool)
        for b in bursts:
            on |= (t >= b / 1000) & (t < b / 1000 + 0.02)
        wave = np.where(on, 0.8 * np.sin(2 * np.pi * 1000 * t), 0).astype(np.float32)
        f = av.AudioFrame.from_ndarray(np.repeat(wave[None], channels, 0), format="fltp", layout=layout)
        f.sample_rate, f.pts, f.time_base = SR, lo, Fraction(1, SR)
        frames.append(f)
    return frames


def write(
    path: Path,
    frames: Sequence[tuple[int, int]] = (),
    *,
    vcodec: str = "libvpx",
    audio: tuple[int, int] | None = None,
    bursts: Sequence[int] = (),
    acodec: str = "libopus",
    layout: str = "stereo",
    live: bool = True,
    fmt: str | None = None,
) -> Path:
    """``frames``: (ms, index) of each picture, in order; ``audio``: (start, stop) ms of sound."""
    fmt = fmt or ("webm" if path.suffix == ".webm" else "matroska")
    with av.open(str(path), "w", format=fmt, options=LIVE if live else {}) as out:
        vs = None
        if frames:
            opts = {"deadline": "realtime", "cpu-used": "8", "crf": "4", "b": "1M"} if "vpx" in vcodec else {}
            vs = out.add_stream(vcodec, rate=30, options=opts | ({"preset": "12"} if "av1" in vcodec else {}))
            vs.width, vs.height, vs.pix_fmt = *SIZE, "yuv420p"
            vs.codec_context.time_base = vs.time_base = MS
            vs.codec_context.gop_size = 15
        strict = {"strict": "experimental"} if acodec in ("vorbis", "opus") else {}  # FFmpeg's own encoders
        a = out.add_stream(acodec, rate=SR, layout=layout, options=strict) if audio else None
        events: list[tuple[Fraction, int, object]] = [(ms * MS, 0, (ms, k)) for ms, k in frames]
        if a is not None and audio is not None:
            events += [(Fraction(f.pts or 0, SR), 1, f) for f in _sound(*audio, bursts, layout)]
        for _, kind, payload in sorted(events, key=lambda e: (e[0], e[1])):
            if kind == 0 and vs is not None:
                ms, k = payload  # type: ignore[misc]
                vf = av.VideoFrame.from_ndarray(np.full((SIZE[1], SIZE[0], 3), grey(k), np.uint8), "rgb24")
                vf.pts, vf.time_base = ms, MS
                out.mux(vs.encode(vf))
            elif a is not None:
                out.mux(a.encode(payload))  # type: ignore[arg-type]
        if vs is not None:
            out.mux(vs.encode(None))
        if a is not None:
            out.mux(a.encode(None))
    return path


def _left(f: av.AudioFrame) -> np.ndarray:
    """The first channel of a decoded frame, from -1 to 1."""
    x = f.to_ndarray()
    x = x[0] if f.format.is_planar else x.reshape(-1, len(f.layout.channels))[:, 0]
    return x / np.iinfo(x.dtype).max if x.dtype.kind == "i" else x.astype(np.float64)


def onsets(path: Path) -> tuple[list[float], float]:
    """Seconds at which the first sound stream's bursts start (by its own timestamps, as FFmpeg
    decodes it), and where its sound ends."""
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        assert s.time_base is not None
        chunks, first = [], None
        for f in c.decode(s):
            first = Fraction(f.pts or 0) * Fraction(s.time_base) if first is None else first
            chunks.append(_left(f))
        rate = s.sample_rate
    assert first is not None
    x = np.concatenate(chunks)
    loud = np.flatnonzero(np.abs(x) > 0.2)
    starts = [int(b) for a, b in zip([-SR, *loud[:-1]], loud, strict=True) if b - a > SR // 10]
    return [float(first + Fraction(i, rate)) for i in starts], float(first + Fraction(x.size, rate))
