"""How a stored picture is shown: its display matrix as a mirror and a quarter turn, as FFmpeg does.

A display matrix (an MP4/MOV track's, a JPEG's EXIF orientation) may mirror the picture as well as
turn it: a selfie camera's recording, QuickTime's Flip Horizontal, EXIF orientations 2, 4, 5 and 7.
Every one of the eight is kept as ``(rotation, flip)``: mirror left to right first when ``flip``,
then turn ``rotation`` degrees counter-clockwise. The filters that make it are the ones the ffmpeg
CLI's autorotate picks (``transpose``, ``hflip``, ``vflip``), so every reader shows the same pixels.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import av
import numpy as np
from av.sidedata.sidedata import Type

if TYPE_CHECKING:
    from av.sidedata.sidedata import SideDataContainer

__all__ = ["exif_orientation", "frame_orientation", "from_matrix", "upright", "upright_steps"]

_EXIF_ORIENTATION = 0x0112
_EXIF = {1: (0, False), 2: (0, True), 3: (180, False), 4: (180, True),
         5: (90, True), 6: (270, False), 7: (270, True), 8: (90, False)}  # fmt: skip
"""``(rotation, flip)`` of each EXIF orientation."""
_STEPS: dict[tuple[int, bool], list[tuple[str, str]]] = {
    (0, False): [],
    (1, False): [("transpose", "cclock")],
    (2, False): [("hflip", ""), ("vflip", "")],
    (3, False): [("transpose", "clock")],
    (0, True): [("hflip", "")],
    (1, True): [("transpose", "cclock_flip")],
    (2, True): [("vflip", "")],
    (3, True): [("transpose", "clock_flip")],
}


def from_matrix(a: float, b: float, c: float, d: float) -> tuple[int, bool]:
    """``(rotation, flip)`` of a display matrix's upper 2x2 part ``[[a, b], [c, d]]`` (FFmpeg's
    layout): mirrored when its determinant is negative; the turn then made after the mirror."""
    flip = a * d - b * c < 0
    across, down = math.hypot(a, c), math.hypot(b, d)
    if not across or not down:
        return 0, False
    angle = -math.degrees(math.atan2(b / down, a / across))  # av_display_rotation_get
    return round(angle + (180 if flip else 0)) % 360, flip


def frame_orientation(frame: av.VideoFrame, path: Path) -> tuple[int, bool]:
    """``(rotation, flip)`` of a decoded picture's display matrix (``(0, False)`` without one)."""
    try:
        sides = cast("SideDataContainer", frame.side_data)  # (PyAV's stub types it as one entry)
    except ValueError:  # side data this PyAV cannot name (an image's EXIF): read the EXIF itself
        angle = round(frame.rotation) % 360
        exif = exif_orientation(path)
        if exif is not None and round(frame.rotation + (180 if exif[1] else 0)) % 360 == exif[0]:
            return exif  # the decoder turned it by this EXIF: its mirror is the EXIF's too
        return angle, False
    try:
        matrix = bytes(sides[Type.DISPLAYMATRIX])
    except KeyError:
        return 0, False
    if len(matrix) < 36:
        return 0, False
    m = np.frombuffer(matrix[:36], dtype=np.int32)
    return from_matrix(int(m[0]), int(m[1]), int(m[3]), int(m[4]))


def exif_orientation(path: Path) -> tuple[int, bool] | None:
    """``(rotation, flip)`` an image file's EXIF orientation names; None without one (or for
    anything Pillow cannot open)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return _EXIF.get(im.getexif().get(_EXIF_ORIENTATION, 1))
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def upright_steps(rotation: int, flip: bool) -> list[tuple[str, str]]:
    """The filters (name, options) that show a stored picture as its display matrix says."""
    return list(_STEPS[((rotation // 90) % 4, flip)])


def upright(picture: np.ndarray[Any, Any], rotation: int, flip: bool) -> np.ndarray[Any, Any]:
    """A stored picture (rows, columns, ...) as ``upright_steps`` shows it."""
    if flip:
        picture = picture[:, ::-1]
    quarter = (rotation // 90) % 4
    if quarter:
        picture = np.rot90(picture, quarter)
    return np.ascontiguousarray(picture) if flip or quarter else picture
