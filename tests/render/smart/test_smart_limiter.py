"""Smart render's sound goes through the full engine's limiter where the full engine's does (a gain
above 1 anywhere: ``compiler.boosted``); it skipped it and wrote overs. Where the limiter runs, no
AAC packet is copied: the limiter may change any sample."""

from __future__ import annotations

import random
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model.project import Project
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import render_auto, smart_render
from timeline_lab.render.smart.audio import sound_range, total_samples
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.render.smart.splice import layout
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 0.5-amplitude tone: any gain above 2 takes it past full scale."""
    folder = tmp_path_factory.mktemp("lim")
    return make_clip(folder / "a.mp4", width=64, height=48, rate=25, frames=400, tag=1)


def _project(studio: Studio, src: Path, gains: list[float], track_gain: float = 1.0) -> Project:
    project = studio.new_project(width=64, height=48, frame_rate=25)
    v1 = project.tracks[0]
    for n, gain in enumerate(gains):
        clip = v1.append(studio.clip(src, 7 + 40 * n, 100))
        if gain != 1:
            v1.update(clip.id, volume=gain)
    v1.configure(volume=track_gain)
    return project


def _pcm(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)


def test_every_window_is_the_one_run(studio: Studio, src: Path, tmp_path: Path) -> None:
    """The track is encoded in windows; through the limiter each is what one run from 0 gives."""
    project = _project(studio, src, [3.0, 1.0, 2.5])
    plan = prepare(project, ExportSettings(tmp_path / "x.mp4"))
    assert plan.master
    total = total_samples(plan)
    whole = np.concatenate(list(sound_range(plan, 0, total)), axis=1)
    assert whole.shape[1] == total and np.abs(whole).max() <= 0.97 + 1e-6
    rng = random.Random(5)
    for _ in range(12):
        a = rng.randrange(0, total - 1)
        b = rng.randrange(a + 1, min(total, a + 3 * 48000) + 1)
        got = np.concatenate(list(sound_range(plan, a, b)), axis=1)
        np.testing.assert_allclose(got, whole[:, a:b], atol=1e-6)


@pytest.mark.parametrize(
    ("gains", "track_gain"),
    [([3.0], 1.0), ([1.0, 2.5], 1.0), ([1.0], 3.0), ([1.2, 1.0, 4.0], 1.0), ([0.5], 2.5)],
)
def test_smart_render_limits_as_the_full_render(
    studio: Studio, src: Path, tmp_path: Path, gains: list[float], track_gain: float
) -> None:
    project = _project(studio, src, gains, track_gain)
    export = ExportSettings(tmp_path / "smart.mp4")
    assert not layout(prepare(project, export)).copies  # no source packet is the limited sound
    full = _pcm(studio.render(project, tmp_path / "full.mp4", progress=False))
    for out in (smart_render(project, export), render_auto(project, ExportSettings(tmp_path / "auto.mp4"))):
        got = _pcm(out)
        assert got.shape == full.shape
        assert np.abs(got).max() < np.abs(full).max() + 0.03, "overs"  # AAC rings a little over 0.97
        error = got - full
        assert (error**2).sum() < 1e-3 * (full**2).sum()  # 30 dB: AAC's own error where parts join


def test_without_gain_the_sound_is_copied(studio: Studio, src: Path, tmp_path: Path) -> None:
    """The benchmark's cases (trims, a grid of cuts): no limiter, packets copied as before."""
    project = _project(studio, src, [1.0, 1.0, 0.8])
    plan = prepare(project, ExportSettings(tmp_path / "x.mp4"))
    assert plan.master == () and layout(plan).copies
