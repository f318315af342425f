"""A range past the timeline's end (or not a range) is refused the same way by studio.render,
studio.plan, studio.preview and the CLI's --range: no black frames made up past the edit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.errors import RenderError
from timeline_lab.model.project import Project
from timeline_lab.studio import Studio

TOTAL = 10
Setup = tuple[Studio, Project]
OUTSIDE = [(50, 100), (0, TOTAL + 1), (9, 11), (-1, 5), (5, 5), (6, 4), (TOTAL, TOTAL + 1)]


@pytest.fixture()
def setup(media: dict[str, Path], tmp_path: Path) -> tuple[Studio, Project]:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, TOTAL))
    return studio, project


@pytest.mark.parametrize("frames", OUTSIDE)
def test_render_and_plan_refuse_frames_outside(setup: Setup, frames: tuple[int, int]) -> None:
    studio, project = setup
    for call in (studio.plan, studio.render, studio.render_in_background):
        with pytest.raises(RenderError, match=rf"frames=.*within the timeline's {TOTAL} frames"):
            call(project, "out.mp4", frames=frames)  # type: ignore[operator]
    assert not (studio.workspace / "out.mp4").exists()


@pytest.mark.parametrize("frames", OUTSIDE)
def test_preview_refuses_frames_outside(setup: Setup, frames: tuple[int, int]) -> None:
    studio, project = setup
    first, end = frames
    why = rf"first={first}, end={end}: must be within the timeline's {TOTAL}"
    with pytest.raises(RenderError, match=why):
        studio.preview(project, "p.mp4", first=first, end=end)
    assert not (studio.workspace / "p.mp4").exists()


@pytest.mark.parametrize("frames", [(0.0, 5), ("0", 5), (0, True), (0, 5, 6), (3,), "0-5"])
def test_frames_that_are_not_two_frame_numbers_are_refused(setup: Setup, frames: object) -> None:
    studio, project = setup
    with pytest.raises(RenderError, match="frames="):
        studio.plan(project, "out.mp4", frames=frames)  # type: ignore[arg-type]


@pytest.mark.parametrize("frames", [(0, TOTAL), (3, 4), (np.int64(2), np.int64(8))])
def test_ranges_inside_still_render(setup: Setup, frames: tuple[int, int]) -> None:
    studio, project = setup
    plan = studio.plan(project, "out.mp4", frames=frames)
    assert plan.total_frames == frames[1] - frames[0]


def test_preview_of_the_whole_timeline_by_default(setup: Setup) -> None:
    import av

    studio, project = setup
    out = studio.preview(project, "p.mp4", scale=1)
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == TOTAL


@pytest.mark.parametrize("text", ["0-11", "50-100", "5-5", "00:00:00:00-00:00:01:00"])
def test_cli_range_outside_says_the_same(setup: Setup, text: str) -> None:
    studio, project = setup
    studio.save(project, "p.tlproj")
    out = subprocess.run(
        [sys.executable, "-m", "timeline_lab", "render", "p.tlproj", "-o", "o.mp4", "--range", text, "-q"],
        cwd=studio.workspace, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1
    assert f"--range {text!r}: must be within the timeline's {TOTAL} frames" in out.stderr
