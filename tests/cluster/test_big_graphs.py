"""A timeline of many clips renders in segments by default (on threads of this process): one
libavfilter graph of thousands of filters costs more per frame the more clips it has."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.cluster.render import BIG_GRAPH, pick_cluster
from timeline_lab.media.synth import make_clip
from timeline_lab.render import ExportSettings, compile_plan
from timeline_lab.studio import Studio

from .test_segment_render import _frames

pytestmark = pytest.mark.slow


def _many_clips(studio: Studio, sources: list[Path], clips: int):
    project = studio.new_project(width=64, height=48, frame_rate=25)
    for k in range(clips):
        project.tracks[0].append(studio.clip(sources[k % 3], k % 50, 2))
    return project


def test_a_big_graph_is_cut_into_segments_on_threads(tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    sources = [make_clip(tmp_path / f"s{i}.mp4", width=64, height=48, rate=25, frames=60, tag=i + 1)
               for i in range(3)]  # fmt: skip
    project = _many_clips(studio, sources, 230)
    plan = compile_plan(project, ExportSettings(tmp_path / "o.mp4"))
    assert len(plan.nodes) >= BIG_GRAPH
    assert pick_cluster(plan, None) == "threads"  # no worker process re-imports a script's __main__
    assert pick_cluster(plan, False) is None
    small = compile_plan(_many_clips(studio, sources, 20), ExportSettings(tmp_path / "s.mp4"))
    assert pick_cluster(small, None) is None
    segmented = studio.render(project, tmp_path / "seg.mp4", progress=False)
    single = studio.render(project, tmp_path / "one.mp4", progress=False, cluster=False)
    assert _frames(segmented) == _frames(single)
