"""A 5.1 project's sound through a full render at the default bitrate: each channel in its place,
and kept as well as stereo is (192 kbps for six channels kept ~21 dB SNR of a plain tone)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio

FULL_RANGE = (0, 1, 2, 4, 5)
"""5.1's channels but the LFE, which AAC keeps only below ~120 Hz."""


def _pcm(path: Path) -> np.ndarray:
    """The file's first sound stream as float planes (channels, samples)."""
    with av.open(str(path)) as f:
        st = f.streams.audio[0]
        to_float = av.AudioResampler(format="fltp", layout=st.layout.name, rate=st.rate)
        return np.concatenate([y.to_ndarray() for x in f.decode(st) for y in to_float.resample(x)], axis=1)


def _snr(ref: np.ndarray, got: np.ndarray) -> float:
    n = min(ref.shape[-1], got.shape[-1])
    noise = max(float(np.sum((ref[..., :n] - got[..., :n]) ** 2)), 1e-20)
    return 10 * float(np.log10(float(np.sum(ref[..., :n] ** 2)) / noise))


@pytest.mark.parametrize("suffix", [".mp4", ".opus"])
def test_a_surround_render_keeps_every_channel_at_the_default_bitrate(tmp_path: Path, suffix: str) -> None:
    source = make_clip(tmp_path / "six.mkv", width=64, height=48, frames=75, channels=6, tone_hz=440.0)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("surround", width=64, height=48, frame_rate=25)
    project.settings = project.settings.model_validate({**project.settings.model_dump(), "channels": 6})
    project.tracks[0].append(studio.clip(source, 0, 75))
    out = studio.render(project, tmp_path / f"out{suffix}", progress=False)
    want, got = _pcm(source), _pcm(out)
    assert got.shape[0] == 6
    for ch in FULL_RANGE:
        assert _snr(want[ch], got[ch]) > 30, f"channel {ch}"
    stereo = studio.new_project("stereo", width=64, height=48, frame_rate=25)
    stereo.tracks[0].append(
        studio.clip(make_clip(tmp_path / "two.mkv", width=64, height=48, frames=75), 0, 75)
    )
    two = studio.render(stereo, tmp_path / f"two{suffix}", progress=False)
    floor = min(_snr(_pcm(tmp_path / "two.mkv")[ch], _pcm(two)[ch]) for ch in (0, 1))
    assert min(_snr(want[ch], got[ch]) for ch in FULL_RANGE) > floor - 6, "about as well kept as stereo"
