"""A speed ramp renders the sound of files whose channels have no layout (WAVs without a channel mask)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.studio import Studio

from .conftest import decode_audio, peak_hz

SR = 44100


def write_wav(path: Path, codec: str, channels: int, seconds: int = 3) -> Path:
    """A 440 Hz tone; 16-bit WAVs of one or two channels carry no channel mask."""
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    with av.open(str(path), "w") as out:
        st = out.add_stream(codec, rate=SR, layout=layout)
        t = np.arange(SR * seconds) / SR
        pcm = np.tile((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), (channels, 1))
        for i in range(0, pcm.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[:, i : i + 1024]), format="fltp", layout=layout
            )
            frame.sample_rate, frame.pts = SR, i
            out.mux(st.encode(frame))
        out.mux(st.encode(None))
    return path


def layout_of(path: Path) -> str:
    with av.open(str(path)) as c:
        return c.streams.audio[0].codec_context.layout.name


def own_render(studio: Studio, tmp_path: Path) -> Path:
    """timeline_lab's own float WAV of a plain clip (written without a channel mask)."""
    p = studio.new_project(width=64, height=48, frame_rate=25)
    p.add_track("audio", "A1").append(studio.clip(write_wav(tmp_path / "f.wav", "pcm_f32le", 2), 0, 3 * SR))
    return studio.render(p, tmp_path / "own.wav", format="audio-wav-float", progress=False)


@pytest.mark.parametrize(
    ("codec", "channels", "masked"),
    [
        ("pcm_s16le", 1, False),
        ("pcm_s16le", 2, False),
        ("pcm_f32le", 2, False),
        ("pcm_s16le", 6, True),
        ("own", 2, False),
    ],
)
def test_ramp_sound_from_a_wav_with_or_without_a_channel_mask(
    studio: Studio, tmp_path: Path, codec: str, channels: int, masked: bool
) -> None:
    source = (
        own_render(studio, tmp_path) if codec == "own" else write_wav(tmp_path / "s.wav", codec, channels)
    )
    assert ("channels" not in layout_of(source)) == masked  # the case under test
    p = studio.new_project(width=64, height=48, frame_rate=25)
    t = p.add_track("audio", "A1")
    c = t.append(studio.clip(source, 0, 2 * SR))
    add_keyframe(t, c.id, "speed", 0, 0.5, "hold")
    add_keyframe(t, c.id, "speed", 10, 1.0)
    n = t.item(c.id).frames(Fraction(25))
    pcm, sr = decode_audio(studio.render(p, tmp_path / "out.wav", format="audio-wav-float", progress=False))
    assert pcm.shape == (2, n * sr // 25)  # the project's stereo, every sample of the clip
    for a, b in ((0.05, 0.35), (1.0, 1.6)):  # held at half speed, then at full speed
        assert abs(peak_hz(pcm[0, int(a * sr) : int(b * sr)], sr) - 440) < 8, (a, b)
