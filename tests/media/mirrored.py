"""Pictures stored turned and mirrored, with the display matrix or EXIF orientation that shows them
upright: the eight EXIF orientations as JPEG/PNG stills and as MP4 tracks, and a movie-level flip.

Each picture is painted with its orientation as its frame index (``synth.read_frame_index`` reads it
from the upright picture). The stored pixels are made with Pillow's inverse of what
``ImageOps.exif_transpose`` does, so the truth does not come from the code under test.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps

from timeline_lab.media.synth import _render, read_frame_index

__all__ = ["EXIF_TURN", "ORIENTATIONS", "H", "W", "mp4", "mp4_movie_flip", "still", "stored"]

W, H = 192, 128
ORIENTATIONS = range(1, 9)
_T = Image.Transpose
_STORE = {1: None, 2: _T.FLIP_LEFT_RIGHT, 3: _T.ROTATE_180, 4: _T.FLIP_TOP_BOTTOM, 5: _T.TRANSPOSE,
          6: _T.ROTATE_90, 7: _T.TRANSVERSE, 8: _T.ROTATE_270}  # fmt: skip
"""How a camera stores an upright picture for each EXIF orientation (the inverse of showing it)."""
EXIF_TURN = {1: (0, False), 2: (0, True), 3: (180, False), 4: (180, True), 5: (90, True),
             6: (270, False), 7: (270, True), 8: (90, False)}  # fmt: skip
"""What FFmpeg makes of each orientation: ``(rotation, flip)``, mirrored first, then turned."""
_MATRIX = {1: (0, False), 2: (0, True), 3: (180, False), 4: (180, True), 5: (-90, True),
           6: (-90, False), 7: (90, True), 8: (90, False)}  # fmt: skip
"""The display matrix FFmpeg makes of each orientation, as PyAV's ``set_display_rotation`` takes it
(counter-clockwise degrees, then a mirror)."""


def stored(o: int) -> Image.Image:
    """The upright picture painted ``o``, as a camera with orientation ``o`` stores it."""
    upright = Image.fromarray(_render(o, 5, W, H))
    way = _STORE[o]
    return upright if way is None else upright.transpose(way)


def still(folder: Path, o: int, fmt: str = "jpg") -> Path:
    """A still image with EXIF orientation ``o`` (checked upright through Pillow's own reading)."""
    exif = Image.Exif()
    exif[0x0112] = o
    path = folder / f"exif{o}.{fmt}"
    stored(o).save(path, exif=exif.tobytes(), **({"quality": 95} if fmt == "jpg" else {}))
    with Image.open(path) as im:
        assert read_frame_index(np.asarray(ImageOps.exif_transpose(im).convert("RGB")))[0] == o
    return path


def mp4(folder: Path, o: int, frames: int = 3) -> Path:
    """An H.264 MP4 whose track's display matrix is orientation ``o``'s."""
    path = folder / f"matrix{o}.mp4"
    picture = np.asarray(stored(o))
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=Fraction(25), options={"crf": "12", "preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = picture.shape[1], picture.shape[0], "yuv420p"
        degrees, hflip = _MATRIX[o]
        s.set_display_rotation(degrees, hflip=hflip)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def mp4_movie_flip(folder: Path, frames: int = 3) -> Path:
    """An MP4 whose movie header (``mvhd``), not its track, mirrors it: FFmpeg multiplies the two."""
    path = folder / "movie_flip.mp4"
    picture = np.asarray(stored(2))
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=Fraction(25), options={"crf": "12", "preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    data = bytearray(path.read_bytes())
    one = (0x10000).to_bytes(4, "big")
    identity = one + bytes(12) + one + bytes(12) + (0x40000000).to_bytes(4, "big")
    mvhd = data.find(b"mvhd")
    at = data.find(identity, mvhd)
    assert mvhd > 0 and at > 0 and at < data.find(b"trak")  # the movie's matrix, before any track's
    data[at : at + 4] = (-0x10000 & 0xFFFFFFFF).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    return path
