"""A GIF or APNG of one picture (a logo) is a still, as a PNG or JPEG is: a clip holds it for any
length. One with two pictures stays a (short) video."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import ProjectError
from timeline_lab.studio import Studio

from .conftest import decode_video

FFMPEG = shutil.which("ffmpeg")
W, H = 32, 24


def _logo(alpha: bool) -> Image.Image:
    """Left half red, right half blue, or transparent with ``alpha``."""
    a = np.zeros((H, W, 4), np.uint8)
    a[:, : W // 2] = (255, 0, 0, 255)
    a[:, W // 2 :] = (0, 0, 0, 0) if alpha else (0, 0, 255, 255)
    return Image.fromarray(a, "RGBA")


def _gif(path: Path, alpha: bool) -> None:
    _logo(alpha).save(path.with_suffix(".gif"))


def _apng(path: Path, alpha: bool) -> None:
    png = path.with_suffix(".png")
    _logo(alpha).save(png)
    if FFMPEG is None:
        pytest.skip("the ffmpeg CLI writes the APNG")
    out = path.with_suffix(".apng")
    subprocess.run([FFMPEG, "-v", "error", "-i", str(png), "-f", "apng", str(out)], check=True)


WRITERS: dict[str, Callable[[Path, bool], None]] = {"gif": _gif, "apng": _apng}


@pytest.mark.parametrize("alpha", [False, True])
@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_a_one_picture_animation_is_a_still(studio: Studio, tmp_path: Path, kind: str, alpha: bool) -> None:
    WRITERS[kind](tmp_path / "logo", alpha)
    path = tmp_path / f"logo.{kind}"
    assert studio.probe(path).still
    project = studio.new_project(width=W, height=H, frame_rate=25)
    project.tracks[0].append(studio.clip(path, 0, 50, rate=25))  # 2 s of one picture
    frames = decode_video(studio.render(project, tmp_path / "out.mp4", progress=False, crf=10))
    assert len(frames) == 50
    right = (0, 0, 0) if alpha else (0, 0, 255)  # transparent over the black background
    for f in (frames[0], frames[-1]):
        assert np.abs(f[H // 2, W // 4].astype(int) - (255, 0, 0)).max() < 12
        assert np.abs(f[H // 2, 3 * W // 4].astype(int) - right).max() < 12


def test_a_two_picture_gif_is_a_video(studio: Studio, tmp_path: Path) -> None:
    path = tmp_path / "two.gif"
    _logo(False).save(path, save_all=True, append_images=[_logo(True).convert("RGB")], duration=100)
    assert not studio.probe(path).still
    with pytest.raises(ProjectError, match="not within its 2 frames"):
        studio.clip(path, 0, 50, rate=25)
