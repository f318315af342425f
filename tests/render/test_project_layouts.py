"""Every channel of a 1-8 channel project stays in its place (review: a 3.0 source on a 3-channel
project came out 2.1, its centre folded into the fronts; quad came out 4.0), and an encoder that
cannot take the project's channels is refused up front naming ``channels`` (MP3 past stereo failed
only when the encoder opened, naming no setting)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from timeline_lab.errors import RenderError
from timeline_lab.studio import Studio

from ._sound_media import LAYOUTS, decode, layout_of, write_wav

SR = 48000
HZ = [300, 500, 700, 900, 1100, 1300, 1500, 1700]


def _tones(pcm: np.ndarray) -> list[list[int]]:
    """The test tones heard on each channel."""
    m = 24000
    out = []
    for row in pcm:
        spectrum = np.abs(np.fft.rfft(row[2048 : 2048 + m] * np.hanning(m))) / (m / 4)
        out.append([hz for hz in HZ if spectrum[round(hz * m / SR)] > 0.05])
    return out


@pytest.mark.parametrize("channels", range(1, 9))
@pytest.mark.parametrize("ext", ["wav", "flac"])
def test_each_channel_keeps_its_place(studio: Studio, tmp_path: Path, channels: int, ext: str) -> None:
    t = np.arange(SR) / SR
    src = write_wav(
        tmp_path / "s.wav", np.vstack([0.2 * np.sin(2 * np.pi * HZ[k] * t) for k in range(channels)]), SR
    )
    p = studio.new_project("l", width=64, height=36, frame_rate=25, channels=channels)
    p.add_track("audio", "A1").append(studio.clip(src, 0, SR))
    out = studio.render(p, tmp_path / f"out.{ext}", overwrite=True, progress=False)
    assert _tones(decode(out)) == [[hz] for hz in HZ[:channels]]
    if channels > 2:  # a WAV names no layout for mono and stereo
        assert layout_of(out) == LAYOUTS[channels]


@pytest.mark.parametrize(
    ("ext", "codec", "channels", "refused"),
    [("mkv", "libmp3lame", 6, True), ("mkv", "libmp3lame", 3, True), ("mkv", "ac3", 8, True),
     ("mkv", "libmp3lame", 2, False), ("m4a", None, 8, False), ("opus", None, 3, False),
     ("opus", None, 4, False), ("webm", None, 7, False)],
)  # fmt: skip
def test_an_encoder_refuses_channels_it_cannot_take(
    studio: Studio, tmp_path: Path, ext: str, codec: str | None, channels: int, refused: bool
) -> None:
    src = write_wav(tmp_path / "s.wav", np.full((channels, SR // 5), 0.1), SR)
    p = studio.new_project("l", width=64, height=36, frame_rate=25, channels=channels)
    p.add_track("audio", "A1").append(studio.clip(src, 0, SR // 5))
    settings = {"audio_codec": codec} if codec else {}
    if refused:
        with pytest.raises(RenderError, match=r"^channels: .* cannot encode"):
            studio.plan(p, tmp_path / f"out.{ext}", **settings)
    else:
        out = studio.render(p, tmp_path / f"out.{ext}", overwrite=True, progress=False, **settings)
        assert decode(out).shape[0] == channels
