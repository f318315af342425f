"""The printed ffmpeg command cuts in PyAV's time base even where the CLI's FFmpeg gives a stream
another (raw DV: 1/25 in Debian's 5.1, 1/60000 in PyAV's 8): its trims cut nothing and the
command wrote no video, with exit status 0."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import pytest

from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI runs the printed command")


def test_a_raw_dv_capture_cut_by_the_printed_command(tmp_path: Path) -> None:
    assert FFMPEG is not None
    dv = tmp_path / "capture.dv"
    make = "-f lavfi -i testsrc=s=720x576:r=25:d=2 -f lavfi -i sine=d=2:sample_rate=48000"
    enc = "-c:v dvvideo -pix_fmt yuv420p -aspect 4:3 -c:a pcm_s16le -ac 2 -f dv"
    subprocess.run([FFMPEG, "-v", "error", "-y", *make.split(), *enc.split(), str(dv)], check=True)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(dv, 7, 13))
    args = studio.plan(project, tmp_path / "cli.mp4").to_ffmpeg_args()
    subprocess.run(args, check=True, capture_output=True)
    out = studio.render(project, tmp_path / "render.mp4", progress=False)
    for path in (tmp_path / "cli.mp4", out):
        with av.open(str(path)) as c:
            assert sum(1 for _ in c.decode(video=0)) == 13, path.name
