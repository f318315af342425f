"""A clip's decoders (and their threads) end with its reader, not with the render: a timeline of
many short clips held about four threads a clip until the end (4,800 for 800 clips)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from timeline_lab.core.events import RenderProgress
from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")


def _peak_threads(studio: Studio, sources: list[Path], clips: int, out: Path) -> int:
    project = studio.new_project(width=64, height=48, frame_rate=25)
    for k in range(clips):
        project.tracks[0].append(studio.clip(sources[k % len(sources)], k % 40, 3))
    peak = 0

    def sample(_: RenderProgress) -> None:
        nonlocal peak
        peak = max(peak, len(os.listdir("/proc/self/task")))

    with studio.bus.subscribe(RenderProgress, sample):
        studio.render(project, out, progress=False, cluster=False)
    return peak


def test_threads_do_not_pile_up_clip_after_clip(tmp_path: Path) -> None:
    sources = [make_clip(tmp_path / f"s{i}.mp4", width=64, height=48, rate=25, frames=50, tag=i + 1)
               for i in range(3)]  # fmt: skip
    studio = Studio(workspace=tmp_path)
    # twice, the least growth: threads other tests left in this process may start meanwhile (a full
    # suite once added 42 during one render); a decoder kept per finished clip adds 4 every time
    grew = min(
        _peak_threads(studio, sources, 60, tmp_path / "many.mp4")
        - _peak_threads(studio, sources, 20, tmp_path / "few.mp4")
        for _ in range(2)
    )
    assert grew / 40 < 3  # what is left grows with the graph's filters, not the finished decoders
