"""Splitting a clip with eased volume keyframes changes no gain (review: the last frame of each
piece held its value, 0.998 where the whole clip ramps 0.878 -> 1.0 over that frame).

The per-sample gain runs linearly from each frame's value to the next frame's; the last frame of
a piece needs the value one frame past it, which the envelope now samples too.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.studio import Studio

from ._sound_media import decode, write_wav

SR = 48000


@pytest.fixture(scope="module")
def dc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_wav(tmp_path_factory.mktemp("keys") / "dc.wav", np.full((2, SR * 4), 0.25), SR)


def _gain(
    studio: Studio, dc: Path, out: Path, rate: Fraction, ease: str, cuts: tuple[int, ...]
) -> np.ndarray:
    p = studio.new_project("k", width=64, height=36, frame_rate=rate)
    a = p.add_track("audio", "A1")
    c = a.append(studio.clip(dc, 1234, 96000))
    add_keyframe(a, c.id, "volume", 3, 0.1)
    add_keyframe(a, c.id, "volume", 30, 1.8, ease)
    add_keyframe(a, c.id, "volume", 45, 0.6, ease)
    for cut in cuts:
        a.split(cut)
    studio.render(p, out, audio_codec="pcm_f32le", overwrite=True, progress=False)
    return decode(out)[0] / 0.25


@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001), Fraction(24)])
@pytest.mark.parametrize("ease", ["ease_in_out", "ease_out"])
@pytest.mark.parametrize("cuts", [(21, 40), (36,), (12, 13, 33)])
def test_split_pieces_keep_the_eased_gain(
    studio: Studio, dc: Path, tmp_path: Path, rate: Fraction, ease: str, cuts: tuple[int, ...]
) -> None:
    whole = _gain(studio, dc, tmp_path / "whole.wav", rate, ease, ())
    split = _gain(studio, dc, tmp_path / "split.wav", rate, ease, cuts)
    assert whole.shape == split.shape
    assert np.abs(whole - split).max() < 1e-3
