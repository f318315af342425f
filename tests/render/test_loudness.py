"""Loudness normalisation lands on its target: the mix is measured first (two passes), and every
path (a range render, the printed ffmpeg command) applies the same gain.

FFmpeg's one-pass ``loudnorm`` missed by 0.8 LU on speech-like sound already near the target and
by 6 LU on quiet speech with loud plosives. The output is measured by the ffmpeg CLI's own
``ebur128`` (a meter independent of the one the render used).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.studio import Studio

from .conftest import decode_audio

pytestmark = pytest.mark.slow

SR = 48000


def _sound(path: Path, pcm: np.ndarray, rate: int = SR) -> Path:
    """``pcm`` (channels, n) as a float WAV."""
    layout = {1: "mono", 2: "stereo"}[pcm.shape[0]]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_f32le", rate=rate, layout=layout)
        for i in range(0, pcm.shape[1], 4800):
            chunk = np.ascontiguousarray(pcm[:, i : i + 4800], np.float32)
            frame = av.AudioFrame.from_ndarray(chunk, "fltp", layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _speech(seed: int, level: float, plosives: float, seconds: int = 8, rate: int = SR) -> np.ndarray:
    """Syllable-like bursts of a voiced tone and breath at ``level``, with short ``plosives`` peaks."""
    rng = np.random.default_rng(seed)
    n = rate * seconds
    t = np.arange(n) / rate
    gate = (rng.random(n // (rate // 10) + 1) > 0.3).repeat(rate // 10)[:n]
    env = gate * (0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * t + seed))
    voice = np.sin(2 * np.pi * (150 + 40 * seed) * t) * (1 + 0.6 * np.sin(2 * np.pi * 4 * t))
    x = level * env * (voice + 0.2 * rng.standard_normal(n))
    for k in range(1, seconds, 2):
        x[k * rate : k * rate + rate // 500] += plosives * np.sin(2 * np.pi * 900 * t[: rate // 500])
    return np.stack([x, x * 0.8])


def _meter(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) by the ffmpeg CLI."""
    cmd = ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null"]
    cmd.append("-")
    err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:") :]
    loudness = re.findall(r"I:\s+(-?[\d.]+) LUFS", summary)[0]
    return float(loudness), float(re.findall(r"Peak:\s+(-?[\d.]+)", summary)[0])


def _project(studio: Studio, *files: Path):
    project = studio.new_project(width=64, height=48, frame_rate=25)
    for n, f in enumerate(files):
        track = project.add_track("audio", f"A{n}")
        media = studio.media(f)
        track.append(studio.clip(media, 0, int(8 * media.rate)))  # an audio-only file counts in samples
    return project


needs_cli = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg CLI meters the output")


@needs_cli
@pytest.mark.parametrize("target", [-23.0, -16.0])
@pytest.mark.parametrize(
    ("seed", "level", "plosives", "rate", "tracks"),
    [
        (0, 0.05, 0.0, SR, 1),  # near the target, no peaks: a plain gain
        (1, 0.3, 0.0, SR, 1),  # loud: turned down
        (2, 0.02, 0.0, 44100, 1),  # quiet, resampled source
        (3, 0.1, 0.5, SR, 1),  # speech with plosives: the gain to -16 needs the limiter
        (4, 0.04, 0.0, SR, 2),  # two tracks mixed
    ],
)
def test_the_render_lands_on_the_target(
    tmp_path: Path, target: float, seed: int, level: float, plosives: float, rate: int, tracks: int
) -> None:
    studio = Studio(workspace=tmp_path)
    files = [_sound(tmp_path / f"s{k}.wav", _speech(seed + k, level, plosives, rate=rate), rate)
             for k in range(tracks)]  # fmt: skip
    out = studio.render(_project(studio, *files), tmp_path / "out.wav", progress=False, loudnorm=True,
                        loudness_target=target)  # fmt: skip
    loudness, peak = _meter(out)
    assert loudness == pytest.approx(target, abs=0.3)
    assert peak <= -1.3  # the ceiling, within the meters' difference


@needs_cli
def test_a_range_and_the_printed_command_apply_the_whole_mix_gain(tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, _sound(tmp_path / "s.wav", _speech(5, 0.05, 0.0)))
    whole, _ = decode_audio(studio.render(project, tmp_path / "whole.wav", progress=False, loudnorm=True))
    part, _ = decode_audio(studio.render(project, tmp_path / "part.wav", progress=False, loudnorm=True,
                                         frames=(50, 150)))  # fmt: skip
    start = 50 * SR // 25
    assert part.shape[1] == 100 * SR // 25
    assert np.abs(part - whole[:, start : start + part.shape[1]]).max() < 1e-4
    plan = studio.plan(project, tmp_path / "cli.wav", loudnorm=True)
    assert "loudnorm" not in plan.filtergraph()
    subprocess.run(plan.to_ffmpeg_args(), check=True, capture_output=True)
    assert _meter(tmp_path / "cli.wav")[0] == pytest.approx(-16.0, abs=0.3)


def test_a_silent_mix_still_renders(tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, _sound(tmp_path / "s.wav", np.zeros((2, 8 * SR))))
    pcm, _ = decode_audio(studio.render(project, tmp_path / "out.wav", progress=False, loudnorm=True))
    assert pcm.shape[1] == 8 * SR and np.abs(pcm).max() == 0
