"""The timeline draws a clip's waveform where the render plays its sound: peaks in media time (0 is
the video's first frame, as a clip's source range counts), samples placed by their timestamps.

Browser recordings are the class of inputs: a microphone that starts before the camera or after it,
a WebRTC segment whose clocks start at 1.5 s, sound packets lost midway (a hole the render keeps
silent), in WebM (Opus) and Matroska (PCM)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.studio import Studio
from timeline_lab.widgets.thumbnails import media_message

from ..render.conftest import decode_audio

SR, FPS = 48000, 30
W, H = 64, 48


def _recording(
    path: Path,
    codec: str,
    video_ms: tuple[int, int],
    audio_ms: tuple[int, int],
    bursts_ms: list[int],
    lost_ms: tuple[int, int] | None,
) -> Path:
    """Video over ``video_ms`` and sound over ``audio_ms`` (times on the file's clock), the sound
    silent but for 20 ms 1 kHz bursts at ``bursts_ms``; sound packets over ``lost_ms`` never muxed."""
    with av.open(str(path), "w", options={"live": "1"} if path.suffix == ".webm" else {}) as out:
        vs = out.add_stream("libvpx", rate=FPS, options={"deadline": "realtime", "cpu-used": "8"})
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
        vs.codec_context.time_base = Fraction(1, 1000)
        aus = out.add_stream(codec, rate=SR, layout="mono")
        events: list[tuple[int, int, av.VideoFrame | av.AudioFrame]] = []
        for k in range((video_ms[1] - video_ms[0]) * FPS // 1000):
            vf = av.VideoFrame.from_ndarray(np.full((H, W, 3), 8 * (k % 30), np.uint8), format="rgb24")
            vf.pts, vf.time_base = video_ms[0] + round(k * 1000 / FPS), Fraction(1, 1000)
            events.append((vf.pts, 0, vf))
        fmt = "flt" if codec == "libopus" else "s16"
        for lo in range(audio_ms[0] * SR // 1000, audio_ms[1] * SR // 1000, 960):
            t = (lo + np.arange(960)) / SR
            on = np.zeros(960, bool)
            for b in bursts_ms:
                on |= (t >= b / 1000) & (t < b / 1000 + 0.02)
            x = np.where(on, 0.8 * np.sin(2 * np.pi * 1000 * t), 0.0)[None]
            data = x.astype(np.float32) if fmt == "flt" else (x * 32767).astype(np.int16)
            af = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
            af.sample_rate, af.pts, af.time_base = SR, lo, Fraction(1, SR)
            events.append((lo * 1000 // SR, 1, af))
        for _, kind, frame in sorted(events, key=lambda e: (e[0], e[1])):
            stream = vs if kind == 0 else aus
            for p in stream.encode(frame):  # type: ignore[arg-type]
                lost = lost_ms is not None and p.stream is aus and p.pts is not None
                if lost and lost_ms[0] <= p.pts * p.time_base * 1000 < lost_ms[1]:  # type: ignore[index]
                    continue
                out.mux(p)
        out.mux(vs.encode(None))
        out.mux(aus.encode(None))
    return path


def _onsets(times: np.ndarray) -> list[float]:
    """First time of each run of loud instants (runs 0.1 s apart at least)."""
    return [float(times[0])] + [float(b) for a, b in itertools.pairwise(times) if b - a > 0.1]


CASES = {
    # name: video span, sound span, bursts, lost sound packets (all ms on the file's clock)
    "camera 120 ms after the mic": ((120, 1420), (0, 1500), [300, 900], None),
    "mic 300 ms after the camera": ((0, 1500), (300, 1500), [500, 1200], None),
    "segment clocks from 1.5 s": ((1500, 2900), (1400, 3000), [1700, 2300], None),
    "0.5 s of sound lost": ((0, 2000), (0, 2000), [300, 1400], (600, 1100)),
    "late camera and sound lost": ((200, 2000), (0, 2000), [450, 1500], (700, 1000)),
}


@pytest.mark.parametrize("codec", ["libopus", "pcm_s16le"])
@pytest.mark.parametrize("case", list(CASES))
def test_waveform_bursts_are_drawn_where_the_render_plays_them(tmp_path: Path, case: str, codec: str) -> None:
    video_ms, audio_ms, bursts, lost = CASES[case]
    name = f"rec.{'webm' if codec == 'libopus' else 'mkv'}"
    path = _recording(tmp_path / name, codec, video_ms, audio_ms, bursts, lost)
    studio = Studio(workspace=tmp_path)
    try:
        project = studio.new_project("w", width=W, height=H, frame_rate=FPS)
        clip = studio.clip(path, 0, (video_ms[1] - video_ms[0]) * FPS // 1000 - 2)
        project.tracks[0].append(clip)
        pcm, sr = decode_audio(studio.render(project, tmp_path / "out.mp4", progress=False))
        msg, buffers = media_message(str(path), caches=studio.services.caches)
    finally:
        studio.close()
    heard = _onsets(np.flatnonzero(np.abs(pcm).max(axis=0) > 0.3) / sr)  # clip source time = output time
    assert len(heard) == len(bursts)
    peaks = np.frombuffer(buffers[-1], "<f4")
    bucket, start = msg["bucket_seconds"], msg["peaks_start"]
    drawn = _onsets(start + np.flatnonzero(peaks > 0.3) * bucket)  # where drawWaveform puts each bucket
    assert len(drawn) == len(bursts)
    for d, h in zip(drawn, heard, strict=True):  # each burst's first loud bucket holds its onset
        assert d - 0.003 <= h < d + bucket + 0.003, (case, drawn, heard)
