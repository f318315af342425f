"""Segments rendered on Dask workers deinterlace an interlaced source as the single-process render does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.interlaced_media import decoded_moments, make_interlaced
from timeline_lab.cluster import render_on_cluster
from timeline_lab.render.plan import ExportSettings
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("order", ["tff", "bff"])
@pytest.mark.parametrize("rate", [25, 50])
def test_segments_show_the_moments_a_single_render_shows(
    client: Any, tmp_path: Path, order: str, rate: int
) -> None:
    source = make_interlaced(tmp_path)[order]
    studio = Studio()
    project = studio.new_project("i", width=192, height=144, frame_rate=str(rate))
    for first in (3, 12, 21):
        project.tracks[0].append(studio.clip(str(source), first, 8))
    single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False)
    parallel = render_on_cluster(project, ExportSettings(path=tmp_path / "parallel.mp4"), client, segments=4)
    shown = decoded_moments(single)
    assert all(top == bottom for top, bottom in shown)  # one moment a frame
    assert decoded_moments(parallel) == shown
