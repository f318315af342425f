"""A speed ramp's sound has no click at its tempo pieces' joins (review: a 220 Hz tone stepped by
up to 0.51 between samples, about every 2 frames, where the tone's own largest step is 0.012).

Each piece is stretched by its own ``atempo`` (so it lands on its frames' own samples), from real
sound before and after it rather than silence, and neighbours cross over a few milliseconds.
"""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.project import Project
from timeline_lab.render.compile.sound import samples_at
from timeline_lab.studio import Studio

from ._sound_media import decode, tone, write_wav

OWN_STEP = 2 * np.pi * 220 / 44100 * 0.4  # the tone's largest step between samples


def _ramp(
    studio: Studio, src: Path, sr: int, rate: Fraction, keys: tuple[tuple[int, float, str], ...]
) -> Project:
    p = studio.new_project("r", width=64, height=36, frame_rate=rate)
    a = p.add_track("audio", "A1")
    c = a.append(studio.clip(src, 0, sr * 3))
    for frame, speed, interp in keys:
        add_keyframe(a, c.id, "speed", frame, speed, interp)
    return p


RAMPS = [
    ((0, 0.75, "linear"), (30, 1.5, "ease_in_out")),
    ((0, 2.0, "linear"), (25, 0.6, "ease_in")),
    ((0, 0.5, "hold"), (10, 1.0, "linear"), (30, 2.0, "linear")),
]


@pytest.mark.parametrize("sr", [48000, 44100])
@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001), Fraction(24)])
@pytest.mark.parametrize("keys", RAMPS, ids=["up", "down", "held"])
def test_a_ramped_tone_stays_continuous(
    studio: Studio, tmp_path: Path, sr: int, rate: Fraction, keys: tuple[tuple[int, float, str], ...]
) -> None:
    src = write_wav(tmp_path / "tone.wav", tone(sr, 7), sr)
    p = _ramp(studio, src, sr, rate, keys)
    got = decode(studio.render(p, tmp_path / "out.wav", audio_codec="pcm_f32le", progress=False))[0]
    n = p.tracks[-1].items[0].frames(rate)
    assert got.size == samples_at(n, rate, 48000)
    body = got[: samples_at(n - 1, rate, 48000)]  # the clip's last frame ends its sound
    assert np.abs(np.diff(body)).max() < 4 * OWN_STEP  # the review counted steps over 0.05


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
def test_the_printed_command_plays_the_same_ramp(studio: Studio, tmp_path: Path) -> None:
    src = write_wav(tmp_path / "tone.wav", tone(44100, 7), 44100)
    p = _ramp(studio, src, 44100, Fraction(30000, 1001), RAMPS[0])
    engine = decode(studio.render(p, tmp_path / "engine.wav", audio_codec="pcm_f32le", progress=False))
    plan = studio.plan(p, tmp_path / "cli.wav", audio_codec="pcm_f32le")
    done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    cli = decode(tmp_path / "cli.wav")
    assert cli.shape == engine.shape
    # the CLI may be another FFmpeg than PyAV's (5.1 here): its atempo and resampler round apart
    assert np.abs(cli - engine).max() < 0.02
