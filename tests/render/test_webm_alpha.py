"""A WebM overlay with transparency (VP8 or VP9 with ``alpha_mode=1``, as browsers, After Effects
and OBS export them): FFmpeg's own decoders drop the alpha and the overlay covered the track
under it; the render and the printed ffmpeg command decode it with libvpx and keep it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes WebM with alpha")

GREEN = (0, 192, 0)
BAND = (
    "color=c=red:s=160x120:r=25:d=1,format=yuva420p,"
    "geq=lum='p(X,Y)':cb='p(X,Y)':cr='p(X,Y)':a='if(lt(Y,40),255,0)'"
)


def _overlay(d: Path, codec: str) -> Path:
    """Opaque red over rows 0-39, transparent below."""
    assert FFMPEG is not None
    out = d / f"overlay-{codec}.webm"
    enc = f"-c:v {codec} -pix_fmt yuva420p -auto-alt-ref 0 -deadline realtime -b:v 1M"
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", BAND, *enc.split(), str(out)]
    subprocess.run(cmd, check=True)
    return out


@pytest.mark.parametrize("codec", ["libvpx-vp9", "libvpx"])
def test_the_overlay_keeps_its_transparency(tmp_path: Path, codec: str) -> None:
    assert FFMPEG is not None
    overlay = _overlay(tmp_path, codec)
    video = probe(overlay).primary_video
    assert video is not None and video.pix_fmt == "yuva420p"
    green = tmp_path / "green.mp4"
    bg = "-f lavfi -i color=c=0x00c000:s=160x120:r=25:d=1 -c:v libx264 -pix_fmt yuv420p"
    subprocess.run([FFMPEG, "-v", "error", "-y", *bg.split(), str(green)], check=True)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(green, 0, 20))
    project.add_track("video", "V2").append(studio.clip(overlay, 3, 15))  # cut inside the stream
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    plan = studio.plan(project, tmp_path / "cli.mp4")
    subprocess.run(plan.to_ffmpeg_args(), check=True, capture_output=True)
    for path in (out, tmp_path / "cli.mp4"):
        with av.open(str(path)) as c:
            frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
        assert len(frames) == 20
        for k in (0, 10):
            below, band = frames[k][80:110, 20:140].reshape(-1, 3), frames[k][5:30, 20:140].reshape(-1, 3)
            assert np.abs(below - GREEN).max() <= 12, f"{path.name} frame {k}: the overlay hid the green"
            assert band[:, 0].min() > 180 and band[:, 1].max() < 60, f"{path.name} frame {k}: no red band"
