"""Which YUV matrix and range a video's pixels are in, as a player reads them.

Why: the same YUV numbers are different colours under BT.601 and BT.709 (up to ~30 levels of
red or green). A file says which it uses in its colour tags; one that says nothing is read the
way players read it (mpv, and browsers for HD): BT.709 from 1280 wide or 577 lines up, BT.601
below. Every picture the render makes is BT.709 (``CANVAS_MATRIX``), tagged so.
"""

from __future__ import annotations

__all__ = [
    "CANVAS_MATRIX",
    "HDR_TRANSFERS",
    "colour_range",
    "frame_colours",
    "matrix_code",
    "matrix_name",
    "primaries_name",
    "range_code",
    "stream_matrix",
    "sws_colorspace",
    "sws_matrix",
    "transfer_name",
]

CANVAS_MATRIX = "bt709"
"""The YUV matrix of every picture a render writes (and every picture inside its graph)."""

_NAMES = {1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020nc", 10: "bt2020c"}
_CODES = {name: code for code, name in _NAMES.items()}
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
              11: "smpte431", 12: "smpte432"}  # fmt: skip
_TRANSFERS = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "linear",
              13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084",
              18: "arib-std-b67"}  # fmt: skip
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})
"""PQ (HDR10, Dolby Vision) and HLG (phones' and broadcast HDR)."""
_SWS = {
    "bt709": "bt709",
    "fcc": "fcc",
    "bt470bg": "bt470",
    "smpte170m": "smpte170m",
    "smpte240m": "smpte240m",
    "bt2020nc": "bt2020",
    "bt2020c": "bt2020",
}


def matrix_name(code: int) -> str:
    """FFmpeg's name of an ``AVColorSpace`` code that names a YUV matrix, else "unspecified"
    (RGB, YCgCo and the like are read as unspecified: by size, as players do)."""
    return _NAMES.get(code, "unspecified")


def primaries_name(code: int) -> str:
    """FFmpeg's name of an ``AVColorPrimaries`` code, or "unspecified"."""
    return _PRIMARIES.get(code, "unspecified")


def transfer_name(code: int) -> str:
    """FFmpeg's name of an ``AVColorTransferCharacteristic`` code, or "unspecified"."""
    return _TRANSFERS.get(code, "unspecified")


def matrix_code(name: str) -> int:
    """The ``AVColorSpace`` code of a matrix name (2, unspecified, for any other)."""
    return _CODES.get(name, 2)


def stream_matrix(tag: str, width: int, height: int, pix_fmt: str | None = None) -> str:
    """The matrix a stream's pixels are in: its tag, else JPEG's (JFIF: BT.601) for JPEG's
    full-range ``yuvj`` formats, else by picture size as players guess."""
    if tag in _NAMES.values():
        return tag
    if (pix_fmt or "").startswith("yuvj"):
        return "smpte170m"
    return "bt709" if width >= 1280 or height > 576 else "smpte170m"


def sws_matrix(matrix: str) -> str:
    """The name swscale's ``in_color_matrix`` / ``out_color_matrix`` know a matrix by."""
    return _SWS[matrix]


def colour_range(tag: str, pix_fmt: str | None) -> str:
    """ "tv" (limited) or "pc" (full) as a decoder reads the pixels: the tag, else the format
    (JPEG's ``yuvj`` formats are full range; anything else unspecified is limited)."""
    if tag in ("tv", "pc"):
        return tag
    return "pc" if (pix_fmt or "").startswith("yuvj") else "tv"


def range_code(name: str) -> int:
    """The ``AVColorRange`` code of "tv" (1) or "pc" (2)."""
    return {"tv": 1, "pc": 2}[name]


_SWS_CODES = {"bt709": 1, "fcc": 4, "bt470bg": 5, "smpte170m": 5, "smpte240m": 7, "bt2020nc": 9, "bt2020c": 9}


def sws_colorspace(matrix: str) -> int:
    """swscale's code for a matrix (PyAV's ``reformat`` ``src_colorspace``/``dst_colorspace``)."""
    return _SWS_CODES[matrix]


def frame_colours(tag_matrix: int, tag_range: int, matrix: str, colour_range: str) -> tuple[int, int]:
    """(swscale matrix code, range code) a decoded frame is in: its own tags where it has them,
    else its stream's (``matrix``, ``colour_range``: resolved as ``stream_matrix`` does)."""
    own = matrix_name(tag_matrix)
    code = sws_colorspace(own if own != "unspecified" else matrix)
    return code, tag_range if tag_range in (1, 2) else range_code(colour_range)
