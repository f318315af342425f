"""The video encoder threads as the ffmpeg CLI's does (x264 frame threads), so the comparison is fair."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow


def test_x264_runs_frame_threads_like_the_cli(studio: Studio, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.mp4", width=640, height=360, frames=30, tag=2)
    project = studio.new_project(width=640, height=360, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 30))
    out = studio.render(project, tmp_path / "out.mp4", progress=False, video_codec="libx264")
    found = re.search(rb"sliced_threads=(\d)", Path(out).read_bytes())
    assert found is not None and found.group(1) == b"0"  # PyAV's default would be sliced threads
