"""A multitrack "poly" WAV (a recorder's tracks, no channel mask) is heard whole: every track mixed
equally into the project's channels. FFmpeg took 6 unnamed channels as 5.1 and 10 as it guessed, and
a stereo downmix of that dropped the LFE and the extra tracks without a word."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab.studio import Studio

SR = 48000
FFMPEG = shutil.which("ffmpeg")


def _poly(path: Path, n: int) -> Path:
    """``n`` tracks, track k a 0.4-amplitude tone of (k + 1) * 100 Hz, in a WAV naming no channel."""
    t = np.arange(SR) / SR
    pcm = np.stack([0.4 * np.sin(2 * np.pi * (k + 1) * 100 * t) for k in range(n)]).astype(np.float32)
    with av.open(str(path), "w", format="wav") as c:
        a = c.add_stream("pcm_s16le", rate=SR, layout=f"{n} channels")
        packed = np.ascontiguousarray(pcm.T.reshape(1, -1))  # PyAV fills at most 8 planes
        frame = av.AudioFrame.from_ndarray(packed, format="flt", layout=f"{n} channels")
        frame.sample_rate, frame.pts = SR, 0
        c.mux(a.encode(frame))
        c.mux(a.encode(None))
    return path


def _levels(path: Path, n: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Amplitude of each track's tone in each output channel: (channels, n)."""
    with av.open(str(path)) as c:
        x = np.concatenate([f.to_ndarray().reshape(-1, f.layout.nb_channels).T for f in c.decode(audio=0)], 1)
    spectrum = np.abs(np.fft.rfft(x[:, :SR], axis=1)) / (SR / 2)  # 1 Hz bins
    return spectrum[:, [(k + 1) * 100 for k in range(n)]]


@pytest.mark.parametrize("n", range(3, 11))
@pytest.mark.parametrize("channels", [1, 2])
def test_every_track_of_a_poly_wav_is_heard(tmp_path: Path, n: int, channels: int) -> None:
    src = _poly(tmp_path / f"poly{n}.wav", n)
    studio = Studio(workspace=tmp_path)
    assert studio.probe(src).primary_audio.layout == f"{n} channels"  # no mask: nothing named
    project = studio.new_project("poly", width=32, height=32, frame_rate=25, channels=channels)
    project.add_track("audio", "A1").append(studio.clip(src, 0, SR))
    out = studio.render(project, tmp_path / "out.wav", format="audio-wav-float", progress=False)
    np.testing.assert_allclose(_levels(out, n), np.full((channels, n), 0.4 / n), rtol=0.02)


def test_as_many_tracks_as_the_project_has_channels_keep_their_places(tmp_path: Path) -> None:
    src = _poly(tmp_path / "poly6.wav", 6)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("poly", width=32, height=32, frame_rate=25, channels=6)
    project.add_track("audio", "A1").append(studio.clip(src, 0, SR))
    out = studio.render(project, tmp_path / "out.wav", format="audio-wav-float", progress=False)
    np.testing.assert_allclose(_levels(out, 6), 0.4 * np.eye(6), atol=0.004)


@pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI runs the printed command")
def test_the_printed_command_mixes_a_poly_wav_the_same(tmp_path: Path) -> None:
    src = _poly(tmp_path / "poly10.wav", 10)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("poly", width=32, height=32, frame_rate=25)
    project.add_track("audio", "A1").append(studio.clip(src, 0, SR))
    subprocess.run(
        studio.plan(project, tmp_path / "cli.wav", format="audio-wav-float").to_ffmpeg_args(),
        check=True,
        capture_output=True,
    )
    np.testing.assert_allclose(_levels(tmp_path / "cli.wav", 10), np.full((2, 10), 0.04), rtol=0.02)
