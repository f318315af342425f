"""Mirrored and turned pictures (EXIF orientations 1-8, MP4 display matrices, a movie-level flip)
are shown upright by every reader of pictures: probe, frame_at, thumbnails, proxies."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageOps

from timeline_lab.core.cache import CacheSet
from timeline_lab.media._decoder import ReaderPool, frame_at
from timeline_lab.media._isobmff import mp4_rotations
from timeline_lab.media.orientation import frame_orientation, from_matrix, upright, upright_steps
from timeline_lab.media.previews import thumbnail
from timeline_lab.media.probe import probe
from timeline_lab.media.proxy import make_proxy
from timeline_lab.media.synth import read_frame_index

from .mirrored import EXIF_TURN, ORIENTATIONS, H, W, mp4, mp4_movie_flip, still

FFMPEG = shutil.which("ffmpeg")


@pytest.mark.parametrize("o", ORIENTATIONS)
def test_upright_is_what_pillow_makes_of_the_exif(o: int) -> None:
    picture = np.random.default_rng(o).integers(0, 256, (5, 7, 3), np.uint8)
    im = Image.fromarray(picture)
    exif = im.getexif()
    exif[0x0112] = o
    im.info["exif"] = exif.tobytes()
    want = np.asarray(ImageOps.exif_transpose(im))
    assert np.array_equal(upright(picture, *EXIF_TURN[o]), want)
    assert len(upright_steps(*EXIF_TURN[o])) == (0 if o == 1 else 2 if o == 3 else 1)


@pytest.mark.parametrize(
    ("matrix", "want"),
    [((1, 0, 0, 1), (0, False)), ((-1, 0, 0, 1), (0, True)), ((1, 0, 0, -1), (180, True)),
     ((-1, 0, 0, -1), (180, False)), ((0, 1, 1, 0), (90, True)), ((0, -1, -1, 0), (270, True)),
     ((0, 1, -1, 0), (270, False)), ((0, -1, 1, 0), (90, False)), ((0, 0, 0, 0), (0, False))],
)  # fmt: skip
def test_a_matrix_is_a_mirror_then_a_turn(matrix: tuple[int, int, int, int], want: tuple[int, bool]) -> None:
    assert from_matrix(*matrix) == want


def _shown(path: Path, tmp_path: Path) -> None:
    """probe, frame_at (full and thumbnail size) and a fresh reader show the picture upright."""
    v = probe(path).video[0]
    assert (v.display_width, v.display_height) == (W, H)
    o = int(path.stem[-1]) if path.stem[-1].isdigit() else 2
    assert (v.rotation, v.flip) == EXIF_TURN[o]
    readers = ReaderPool()
    try:
        shown = frame_at(path, 0, readers=readers)
        small = np.asarray(thumbnail(path, 0, W, caches=CacheSet(), readers=readers).convert("RGB"))
    finally:
        readers.close()
    assert shown.shape[:2] == small.shape[:2] == (H, W)
    assert read_frame_index(shown)[0] == read_frame_index(small)[0] == o


@pytest.mark.parametrize("fmt", ["jpg", "png"])
@pytest.mark.parametrize("o", ORIENTATIONS)
def test_a_still_with_an_exif_orientation_is_shown_upright(tmp_path: Path, o: int, fmt: str) -> None:
    _shown(still(tmp_path, o, fmt), tmp_path)


@pytest.mark.parametrize("o", ORIENTATIONS)
def test_an_mp4_display_matrix_is_shown_upright(tmp_path: Path, o: int) -> None:
    path = mp4(tmp_path, o)
    with av.open(str(path)) as c:  # the scan's reading (any container) agrees with the MP4 boxes'
        assert frame_orientation(next(c.decode(video=0)), path) == mp4_rotations(path)[0] == EXIF_TURN[o]
    _shown(path, tmp_path)


def test_a_movie_header_flip_is_shown_upright(tmp_path: Path) -> None:
    path = mp4_movie_flip(tmp_path)
    assert mp4_rotations(path)[0] == (0, True)
    _shown(path, tmp_path)


@pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI is the reference")
@pytest.mark.parametrize("o", [2, 5, 7])
def test_ffmpeg_shows_the_mp4s_as_frame_at_does(tmp_path: Path, o: int) -> None:
    path = mp4(tmp_path, o)
    assert FFMPEG is not None
    cmd = [
        FFMPEG,
        "-v",
        "error",
        "-i",
        str(path),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    theirs = np.frombuffer(raw, np.uint8).reshape(H, W, 3).astype(int)
    readers = ReaderPool()
    try:
        ours = frame_at(path, 0, readers=readers).astype(int)
    finally:
        readers.close()
    assert np.abs(theirs - ours).mean() < 3  # the same pixels, up to colour conversion rounding


@pytest.mark.parametrize("o", [2, 4, 5, 7])
def test_a_proxy_of_a_mirrored_mp4_is_upright(tmp_path: Path, o: int) -> None:
    proxy = make_proxy(mp4(tmp_path, o), tmp_path / "proxy.mp4", height=H)
    with av.open(str(proxy)) as c:
        first = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert first.shape[:2] == (H, W)
    assert read_frame_index(first)[0] == o
