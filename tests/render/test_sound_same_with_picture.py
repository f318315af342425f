"""A clip's sound is the same sample for sample whether the render has a picture or not.

AAC decodes slightly differently depending on the packet its decoder started at, and a read with a
picture used to start decoding at the picture's keyframe, an audio-only one just before the clip.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.studio import Studio

from .conftest import decode_audio

pytestmark = pytest.mark.slow

# (first source frame, length, speed keyframes (frame, speed) or a constant speed)
CASES = {
    "ramp-up": (37, 40, [(0, 1.0), (30, 2.0)]),
    "ramp-down": (61, 36, [(0, 1.5), (20, 0.5)]),
    "ramp-three": (44, 40, [(0, 0.5), (12, 1.0), (30, 1.8)]),
    "double": (49, 30, Fraction(2)),
    "half": (33, 30, Fraction(1, 2)),
    "plain": (58, 30, Fraction(1)),
}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("with_picture") / "src.mp4"
    # H.264 + AAC: keyframes every half second, so the picture's keyframe lies before the sound's
    return make_clip(path, width=64, height=48, rate=25, frames=200, tone_hz=660, tag=1)


def project(studio: Studio, source: Path, name: str) -> Project:
    start, length, speed = CASES[name]
    p = studio.new_project(width=64, height=48, frame_rate=25, sample_rate=48000)
    track = p.tracks[0]
    if isinstance(speed, Fraction):
        track.append(studio.clip(source, start, length, speed=speed))
        return p
    clip = track.append(studio.clip(source, start, length))
    for frame, value in speed:
        add_keyframe(track, clip.id, "speed", frame, value)
    return p


@pytest.mark.parametrize("name", sorted(CASES))
def test_audio_only_equals_sound_beside_picture(tmp_path: Path, source: Path, name: str) -> None:
    studio = Studio(workspace=tmp_path)
    p = project(studio, source, name)
    alone = studio.render(p, tmp_path / "alone.wav", format="audio-wav-float", progress=False)
    beside = studio.render(
        p,
        tmp_path / "beside.mkv",
        video_codec="libx264",
        audio_codec="pcm_f32le",
        preset="ultrafast",
        progress=False,
    )
    a, sr_a = decode_audio(alone)
    b, sr_b = decode_audio(beside)
    assert sr_a == sr_b == 48000
    assert a.shape == b.shape
    assert np.abs(a).max() > 0.01  # the tone is there
    differ = np.nonzero((a != b).any(axis=0))[0]
    assert differ.size == 0, f"{differ.size} samples differ, the first at {differ[0]}"


@pytest.mark.parametrize("name", ["ramp-up", "double"])
def test_flac_alone_equals_flac_beside_picture(tmp_path: Path, source: Path, name: str) -> None:
    studio = Studio(workspace=tmp_path)
    p = project(studio, source, name)
    alone = studio.render(p, tmp_path / "alone.flac", progress=False)
    beside = studio.render(p, tmp_path / "beside.mkv", audio_codec="flac", preset="ultrafast", progress=False)
    a, _ = decode_audio(alone)
    b, _ = decode_audio(beside)
    assert a.shape == b.shape
    assert np.array_equal(a, b)
