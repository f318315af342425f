"""The sound of a segmented render joins at awkward places: frame rates whose frames are not a
whole number of samples, and 44.1 kHz as well as 48 kHz, cut where the AAC grid and the picture's
cut disagree. The frames are exact; the sound is within AAC's tolerance with no click at a join.

Known limit: a piece that starts inside a clip whose start or in-point is not on a whole sample
(of the project's rate, or of a resampled source's) may move that clip's sound by under a sample
there (the excerpt the worker renders rounds the split clip's in-point on its own)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest

from timeline_lab.cluster import render_on_cluster, split_points
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.render.compile.sound import samples_at
from timeline_lab.render.encoding.aac_splice import grid_floor
from timeline_lab.render.plan import ExportSettings
from timeline_lab.studio import Studio

from ..render.conftest import decode_audio, decode_video
from .conftest import sound_matches

pytestmark = pytest.mark.slow


WHOLE = ((5, 40), (10, 45), (30, 45))
"""(in-point, frames) of three clips: at 30000/1001 every 5th frame starts on a whole sample."""


@pytest.mark.parametrize(
    ("rate", "sample_rate", "other_rate", "clips"),
    [
        (Fraction(25), 44100, 44100, ((3, 41), (7, 47), (30, 43))),
        (Fraction(30000, 1001), 48000, 48000, WHOLE),
        (Fraction(24000, 1001), 48000, 48000, ((3, 41), (7, 47), (30, 43))),
    ],
)  # fmt: skip
def test_joins_at_awkward_sample_offsets(
    client: Any, tmp_path: Path, rate: Fraction, sample_rate: int, other_rate: int, clips: Any
) -> None:
    a = make_clip(
        tmp_path / "a.mp4", width=96, height=64, rate=rate, frames=80, tag=1, sample_rate=sample_rate
    )
    size = {"width": 96, "height": 64, "rate": rate, "frames": 80}
    b = make_clip(tmp_path / "b.mp4", **size, tag=2, sample_rate=other_rate, tone_hz=660)  # type: ignore[arg-type]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=96, height=64, frame_rate=rate, sample_rate=sample_rate)
    v1 = project.tracks[0]
    for source, (first, length) in zip((a, b, a), clips, strict=True):
        v1.append(studio.clip(source, first, length))
    total = project.duration().to_frames(rate)
    cuts = split_points(project, total, 3, min_frames=max(1, round(rate)))
    joins = [grid_floor(samples_at(k, rate, sample_rate)) for k in cuts]
    assert len(joins) == 2 and all(
        j != samples_at(k, rate, sample_rate) for j, k in zip(joins, cuts, strict=True)
    )
    single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False)
    parallel = render_on_cluster(project, ExportSettings(path=tmp_path / "par.mp4"), client, segments=3)
    assert [read_frame_index(f) for f in decode_video(parallel)] == [
        read_frame_index(f) for f in decode_video(single)
    ]
    assert _audio_extent(parallel) == _audio_extent(single)  # the same start and length: sync, sample count
    x, _ = decode_audio(single)
    y, _ = decode_audio(parallel)
    sound_matches(x, y, joins)


def _audio_extent(path: Path) -> tuple[Any, Any]:
    with av.open(str(path)) as c:
        return c.streams.audio[0].start_time, c.streams.audio[0].duration
