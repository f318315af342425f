"""An export at another size (``ExportSettings.size``) cannot copy GOPs: smart render says so and
``render_auto`` falls back to the full engine, which draws the project at that size."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from timeline_lab.media.synth import make_clip, read_frame_indices
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import check_smart, render_auto
from timeline_lab.studio import Studio


@pytest.mark.parametrize("size", [(80, 60), (320, 240)])
def test_another_size_is_rendered_in_full(tmp_path: Path, size: tuple[int, int]) -> None:
    src = make_clip(tmp_path / "a.mp4", width=160, height=120, rate=25, frames=20, tag=6, audio=False)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 2, 10))
    assert check_smart(project, ExportSettings(tmp_path / "same.mp4", size=(160, 120)))
    decision = check_smart(project, ExportSettings(tmp_path / "s.mp4", size=size))
    assert not decision and "another size" in decision.reason
    out = render_auto(project, ExportSettings(tmp_path / "auto.mp4", size=size))
    with av.open(str(out)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == size
    assert [k for k, _ in read_frame_indices(out)] == list(range(2, 12))
