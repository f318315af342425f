"""Grain's noise runs on from the clip's first frame (``noise`` with ``allf=t``): a range, preview
or cluster segment of a grained clip gives the whole render's frames, and no segment cuts inside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from timeline_lab.cluster.split import is_clean_cut, split_points
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Effect, Project, RationalTime, Transition
from timeline_lab.render.compile.compiler import compile_plan
from timeline_lab.render.execute.runner import execute
from timeline_lab.render.plan import ExportSettings
from timeline_lab.studio import Studio

from .conftest import decode_video

pytestmark = pytest.mark.slow

LOSSLESS = {"video_codec": "libx264", "crf": 0, "preset": "ultrafast", "audio": False, "overwrite": True}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("grain") / "a.mp4", width=96, height=64, rate=25, frames=120, tag=1
    )


def _project(studio: Studio, media: Path, where: int, strength: int, dissolve: bool) -> Project:
    """Three 30-frame clips, the one at ``where`` grained (a dissolve into it with ``dissolve``)."""
    project = studio.new_project(width=96, height=64, frame_rate=25)
    v1 = project.tracks[0]
    clips = []
    for n in range(3):
        clip = studio.clip(media, 10 + 30 * n, 30)
        if n == where:
            clip = clip.model_copy(update={"effects": [Effect(kind="grain", params={"strength": strength})]})
        clips.append(v1.append(clip))
    if dissolve and where > 0:
        v1.add_transition(
            Transition(from_clip=clips[where - 1].id, to_clip=clips[where].id, duration=RationalTime(6, 25))
        )
    return project


def _render(project: Project, path: Path, frames: tuple[int, int] | None = None) -> list[np.ndarray]:
    return decode_video(execute(compile_plan(project, ExportSettings(path=path, **LOSSLESS), frames=frames)))


@pytest.mark.parametrize(("where", "strength", "dissolve"), [(0, 20, False), (1, 8, True), (2, 40, False)])
def test_ranges_of_grain_match_whole(
    tmp_path: Path, media: Path, where: int, strength: int, dissolve: bool
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, media, where, strength, dissolve)
    whole = _render(project, tmp_path / "whole.mp4")
    g0, g1 = 30 * where, 30 * where + 30
    for a, b in ((g0 + 12, g1), (g0 + 5, g0 + 20), (max(0, g0 - 7), g0 + 9)):
        part = _render(project, tmp_path / f"r{a}.mp4", (a, b))
        bad = [a + k for k, pic in enumerate(part) if not np.array_equal(pic, whole[a + k])]
        assert not bad, f"range {a}..{b}: frames {bad[:10]} differ from the whole render"
    assert not any(is_clean_cut(project, k) for k in range(g0 + 1, g1))
    assert all(not g0 < k < g1 for k in split_points(project, len(whole), 6))
