"""One track can still pass full scale: a nested sequence's boosted clip or its several tracks, and
a surround source's stereo downmix (review: 63,600 and 66,480 of 96,000 samples hard-clipped while
the same sound on two top-level tracks was limited to 0.97). ``compiler.boosted`` now counts them,
so the master limiter runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.model.project import Project
from timeline_lab.studio import Studio

from ._sound_media import decode, tone, write_wav

SR = 48000
LIMIT = 0.97 + 1e-3


def _render(studio: Studio, p: Project, out: Path) -> np.ndarray:
    studio.render(p, out, audio_codec="pcm_f32le", overwrite=True, progress=False)
    return decode(out)


def _nested(studio: Studio, fill: Callable[[Project], None], levels: int) -> Project:
    """A one-track project showing ``fill``'s sequence through ``levels`` of nesting."""
    p = studio.new_project("outer", width=64, height=36, frame_rate=25)
    inner = Project(name="inner", settings=p.settings.model_copy())
    fill(inner)
    for _ in range(levels - 1):
        mid = Project(name="mid", settings=p.settings.model_copy())
        mid.add_track("audio", "M").append(mid.sequence_clip(inner))
        inner = mid
    p.add_track("audio", "A1").append(p.sequence_clip(inner))
    return p


@pytest.mark.parametrize("levels", [1, 2])
@pytest.mark.parametrize(
    ("case", "gain", "tracks"),
    [("boosted", 4.0, 1), ("boosted", 2.5, 1), ("summed", 1.0, 2), ("summed", 1.0, 3)],
)
def test_a_nested_mix_is_limited(
    studio: Studio, tmp_path: Path, levels: int, case: str, gain: float, tracks: int
) -> None:
    src = write_wav(tmp_path / "s.wav", tone(SR, 1.2, 300, 0.6), SR)

    def fill(q: Project) -> None:
        for k in range(tracks):
            a = q.add_track("audio", f"I{k}")
            c = a.append(studio.clip(src, 0, SR))
            if gain != 1:
                a.update(c.id, volume=gain)

    got = _render(studio, _nested(studio, fill, levels), tmp_path / "out.wav")
    assert np.abs(got).max() <= LIMIT, case
    assert np.abs(got).max() > 0.9  # limited, not silenced


@pytest.mark.parametrize("channels", [3, 6, 8])
@pytest.mark.parametrize("project_channels", [1, 2])
def test_a_downmix_is_limited(studio: Studio, tmp_path: Path, channels: int, project_channels: int) -> None:
    src = write_wav(tmp_path / "s.wav", tone(SR, 1.2, 220, 0.89, channels), SR)
    p = studio.new_project("d", width=64, height=36, frame_rate=25, channels=project_channels)
    p.add_track("audio", "A1").append(studio.clip(src, 0, SR))
    got = _render(studio, p, tmp_path / "out.wav")
    assert got.shape[0] == project_channels
    assert np.abs(got).max() <= LIMIT
