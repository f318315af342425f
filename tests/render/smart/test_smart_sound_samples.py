"""The smart render reads each clip's sound from the source sample the full engine reads: both take
it from the timeline sample's instant (``sound.source_span``). The smart render rounded the clip's
source second on its own, so at 29.97 or 23.976 a cut moved its sound by a sample against the full
render (up to 0.38 apart on a tone)."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.render import ExportSettings
from timeline_lab.render.smart.audio import audio_chunks
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.studio import Studio


@pytest.fixture(scope="module", params=[Fraction(30000, 1001), Fraction(24000, 1001), Fraction(25)], ids=str)
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Fraction]:
    rate = request.param
    path = make_clip(
        tmp_path_factory.mktemp("src") / "a.mp4", width=96, height=64, rate=rate, frames=240, tag=1
    )
    return path, rate


def _full(studio: Studio, project: object, out: Path) -> np.ndarray:
    done = studio.render(project, out, progress=False, overwrite=True, audio_codec="pcm_f32le")  # type: ignore[arg-type]
    with av.open(str(done)) as c:
        return np.concatenate([f.to_ndarray().reshape(-1, 2).T for f in c.decode(audio=0)], axis=1)


@pytest.mark.parametrize("seed", range(4))
def test_every_cut_reads_the_sample_the_full_render_reads(
    source: tuple[Path, Fraction], tmp_path: Path, seed: int
) -> None:
    path, rate = source
    rng = random.Random(seed)
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("t", width=96, height=64, frame_rate=rate)
    for _ in range(6):
        p.tracks[0].append(studio.clip(path, rng.randrange(0, 200), rng.randrange(3, 40)))
    smart = np.concatenate(list(audio_chunks(prepare(p, ExportSettings(tmp_path / "s.mp4")))), axis=1)
    full = _full(studio, p, tmp_path / "full.wav")
    assert smart.shape == full.shape
    # (the AAC decoder's output depends a little on where it started: 1e-5 apart at most)
    assert float(np.abs(smart - full).max()) < 1e-4
