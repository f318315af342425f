"""A still's pixels reach the graph as the file stores them, whatever its orientation tag: the graph's
turn (from the probe) is the only one. Pillow's TIFF reader turns a picture as it loads (and garbles
RGBA ones turned a quarter), so those are read with FFmpeg; so are the formats Pillow does not read
(DPX, OpenEXR), which render as FFmpeg shows them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.media.mirrored import ORIENTATIONS, stored
from timeline_lab.errors import RenderError
from timeline_lab.media._decoder import frame_at
from timeline_lab.render.execute.still import still_rgba
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
KINDS = [("jpg", "RGB"), ("png", "RGB"), ("png", "RGBA"), ("png", "I;16"), ("webp", "RGB"), ("webp", "RGBA"),
         ("tif", "RGB"), ("tif", "RGBA"), ("tif", "L"), ("tif", "I;16")]  # fmt: skip


def _picture(o: int, mode: str) -> Image.Image:
    picture = stored(o).resize((24, 16))
    if mode == "I;16":  # 16-bit grey: level v stored as v * 257
        return Image.fromarray(np.asarray(picture.convert("L")).astype(np.uint16) * 257)
    return picture.convert(mode)


@pytest.mark.parametrize(("fmt", "mode"), KINDS)
@pytest.mark.parametrize("o", ORIENTATIONS)
def test_a_still_is_read_as_stored(tmp_path: Path, o: int, fmt: str, mode: str) -> None:
    picture = _picture(o, mode)
    exif = Image.Exif()
    exif[0x0112] = o
    path = tmp_path / f"o{o}.{fmt}"
    picture.save(path, exif=exif.tobytes(), **({"lossless": True} if fmt == "webp" else {}))
    got = still_rgba(path).to_ndarray()
    assert got.shape == (16, 24, 4)
    if fmt == "jpg":  # lossy: only the shape (the same pixels as the unturned file's)
        return
    if mode == "I;16":
        want = np.asarray(picture).astype(np.int64) // 257  # its 8-bit level, in every decoder
        assert np.array_equal(got[..., :3], np.dstack([want] * 3))
    else:
        assert np.array_equal(got, np.asarray(picture.convert("RGBA")))


@pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes DPX and OpenEXR")
@pytest.mark.parametrize(
    ("name", "pix_fmt"),
    [("x.dpx", "rgb24"), ("x16.dpx", "rgb48le"), ("x.exr", "gbrpf32le"), ("xa.exr", "gbrapf32le")],
)
def test_stills_pillow_cannot_read_render_as_ffmpeg_shows_them(
    studio: Studio, tmp_path: Path, name: str, pix_fmt: str
) -> None:
    png = tmp_path / "in.png"
    _picture(6, "RGB").save(png)
    path = tmp_path / name
    subprocess.run([FFMPEG, "-v", "error", "-i", png, "-pix_fmt", pix_fmt, path], check=True)  # type: ignore[list-item]
    got = still_rgba(path).to_ndarray()
    assert got.shape == (16, 24, 4)
    assert np.abs(got[..., :3].astype(int) - np.asarray(Image.open(png)).astype(int)).max() <= 1
    assert np.array_equal(got[..., :3], frame_at(path, 0))
    project = studio.new_project(width=24, height=16, frame_rate=25)
    project.tracks[0].append(studio.clip(path, 0, 2, rate=25))
    assert studio.render(project, tmp_path / "out.mp4", progress=False).exists()


def test_a_file_no_decoder_reads_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "noise.dpx"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(RenderError, match=r"still image .*noise\.dpx: cannot be read"):
        still_rgba(path)
