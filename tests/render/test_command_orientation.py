"""The printed ffmpeg command writes a turned or mirrored phone clip upright and untagged, as the
render does: Debian's FFmpeg 5.1 copied the one source's display matrix onto the output of a
one-input graph that had already turned the picture, so every player turned it a second time."""

from __future__ import annotations

import io
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.media.mirrored import _MATRIX, ORIENTATIONS, H, W, stored
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import read_frame_index
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI runs the printed command")


def _phone_clip(folder: Path, o: int, sar: Fraction) -> Path:
    """An H.264 MP4 stored as orientation ``o`` with pixels ``sar`` wide, upright on display."""
    path = folder / f"o{o}_{sar.numerator}x{sar.denominator}.mp4"
    picture = stored(o)
    picture = picture.resize((round(picture.width / sar) // 2 * 2, picture.height), Image.Resampling.NEAREST)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=Fraction(25), options={"crf": "12", "preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = picture.width, picture.height, "yuv420p"
        s.codec_context.sample_aspect_ratio = sar
        degrees, hflip = _MATRIX[o]
        s.set_display_rotation(degrees, hflip=hflip)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.asarray(picture), format="rgb24")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def _as_a_player_shows_it(path: Path) -> np.ndarray:
    """The first picture as the ffmpeg CLI shows it: display matrix applied (autorotate)."""
    assert FFMPEG is not None
    cmd = [FFMPEG, "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"]
    png = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.mark.parametrize("sar", [Fraction(1), Fraction(4, 3)], ids=["square", "sar4:3"])
@pytest.mark.parametrize("o", ORIENTATIONS)
def test_one_turned_source_prints_an_upright_untagged_output(tmp_path: Path, o: int, sar: Fraction) -> None:
    src = _phone_clip(tmp_path, o, sar)
    v = probe(src).primary_video
    assert v is not None and (v.display_width, v.display_height) == (W, H)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=W, height=H, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 1, 2))
    cli = tmp_path / "cli.mp4"
    subprocess.run(studio.plan(project, cli).to_ffmpeg_args(), check=True, capture_output=True)
    out = studio.render(project, tmp_path / "render.mp4", progress=False)
    for path in (cli, out):
        shown = probe(path).primary_video
        assert shown is not None
        assert (shown.rotation % 360, shown.flip) == (0, False), path.name
        picture = _as_a_player_shows_it(path)
        assert picture.shape[:2] == (H, W), path.name
        assert read_frame_index(picture)[0] == o, path.name
