"""A damaged image among a sequence's is named by the render's error (it named only the pattern,
and a threaded decoder reports the error a few images late), and a damaged still WebP is not
refused as an animation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import MediaError, RenderError
from timeline_lab.studio import Studio


@pytest.mark.parametrize(("count", "bad"), [(5, 0), (5, 2), (5, 4), (30, 17), (30, 29)])
def test_the_error_names_the_damaged_image(tmp_path: Path, count: int, bad: int) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    for k in range(count):
        Image.fromarray(np.full((48, 64, 3), k * 8, np.uint8)).save(folder / f"f_{k:04d}.png")
    (folder / f"f_{bad:04d}.png").write_bytes(b"not a picture at all")
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("t", width=64, height=48, frame_rate=25)
    p.tracks[0].append(studio.clip(str(folder / "f_%04d.png"), 0, count, rate=25))
    name = rf"f_{bad:04d}\.png"  # (the last image: the file ends early there; else it cannot decode)
    with pytest.raises(RenderError, match=rf"cannot decode image {name} |image {name} does not decode"):
        studio.render(p, tmp_path / "out.mp4", progress=False)


def _webp(path: Path, frames: int) -> Path:
    pictures = [Image.fromarray(np.full((32, 32, 3), 60 * k, np.uint8)) for k in range(frames)]
    pictures[0].save(path, save_all=frames > 1, append_images=pictures[1:], duration=100)
    return path


def test_a_damaged_still_webp_is_not_called_animated(tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    whole = _webp(tmp_path / "still.webp", 1).read_bytes()
    cut = tmp_path / "cut.webp"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MediaError) as info:
        studio.clip(cut, 0, 3, rate=25)
    assert "cut.webp" in str(info.value) and "animated" not in str(info.value)
    with pytest.raises(MediaError, match="FFmpeg reads still WebP only, not animated"):
        studio.clip(_webp(tmp_path / "moving.webp", 3), 0, 3, rate=25)
