"""Mirrored and turned sources (EXIF orientations 1-8 in JPEGs, MP4 display matrices) render, preview
and print as ffmpeg commands upright: one geometry for every path that draws pictures."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.media.mirrored import ORIENTATIONS, H, W, mp4, still
from timeline_lab.media.synth import read_frame_index
from timeline_lab.render import ExportSettings, compile_plan
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from .conftest import decode_video

MAKERS: dict[str, Callable[[Path, int], Path]] = {
    "jpg": still,
    "png": functools.partial(still, fmt="png"),
    "webp": functools.partial(still, fmt="webp"),
    "tif": functools.partial(still, fmt="tif"),
    "mp4": mp4,
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_every_orientation_renders_and_previews_upright(studio: Studio, tmp_path: Path, kind: str) -> None:
    project = studio.new_project(width=W, height=H, frame_rate=25)
    for o in ORIENTATIONS:
        project.tracks[0].append(studio.clip(MAKERS[kind](tmp_path, o), 0, 1, rate=25))
    out = studio.render(project, tmp_path / "out.mp4", progress=False, crf=10)
    frames = decode_video(out)
    assert [read_frame_index(f)[0] for f in frames] == list(ORIENTATIONS)
    for k in (1, 4, 6):  # mirrored, mirrored upside down, mirrored across the diagonal
        assert read_frame_index(timeline_frame(project, k, scale=1))[0] == k + 1
    if shutil.which("ffmpeg") is None:
        return
    plan = compile_plan(project, ExportSettings(tmp_path / "pyav.mp4", crf=10))
    cli = tmp_path / "cli.mp4"
    subprocess.run([*plan.to_ffmpeg_args()[:-1], str(cli)], check=True, capture_output=True)
    theirs = decode_video(cli)
    assert len(theirs) == len(frames)
    for a, b in zip(frames, theirs, strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 3
