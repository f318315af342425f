"""Which YUV matrix and range a video's pixels are in, as a player reads them.

Why: the same YUV numbers are different colours under BT.601 and BT.709 (up to ~30 levels of
red or green). A file says which it uses in its colour tags; one that says nothing is read the
way players read it (mpv, and browsers for HD): BT.709 from 1280 wide or 577 lines up, BT.601
below. Every picture the render makes is BT.709 (``CANVAS_MATRIX``), tagged so.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import av

if TYPE_CHECKING:
    from av.filter.context import FilterContext

    from .info import VideoStreamInfo

__all__ = [
    "CANVAS_MATRIX",
    "HDR_TRANSFERS",
    "GamutMap",
    "colour_range",
    "gamut_options",
    "matrix_code",
    "matrix_name",
    "primaries_name",
    "range_code",
    "read_options",
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


def _frame_tags(frame: av.VideoFrame, vs: VideoStreamInfo) -> tuple[str, str]:
    """(matrix, range) a decoded frame is in: its own tags where it has them, else its stream's."""
    own = matrix_name(int(frame.colorspace))
    return own if own != "unspecified" else vs.matrix, {1: "tv", 2: "pc"}.get(
        int(frame.color_range), vs.range
    )


def read_options(frame: av.VideoFrame, vs: VideoStreamInfo) -> dict[str, int]:
    """PyAV ``reformat``/``to_ndarray`` options that read a YUV frame's colours as players do (its
    tags, else its stream's guess: PyAV alone reads untagged HD as BT.601, full range as limited);
    none for RGB and palette frames."""
    if frame.format.is_rgb or frame.format.has_palette:
        return {}
    matrix, rng = _frame_tags(frame, vs)
    return {"src_colorspace": sws_colorspace(matrix), "src_color_range": range_code(rng)}


def gamut_options(vs: VideoStreamInfo) -> str:
    """For HDR (PQ, HLG) or BT.2020 pictures, ``scale`` options that map them into BT.709 SDR
    (empty for any other).

    Why: phones record HDR by default (HLG, BT.2020); converting only the matrix leaves PQ or HLG
    signal values shown as SDR ones, a saturated red at 40-60% of itself. FFmpeg 8's scale maps
    primaries and transfer (tone mapping what lies past SDR white); a printed command with them
    needs FFmpeg >= 8 too. Other primaries (BT.601's, close to BT.709's) are left as players
    leave them.
    """
    transfer, primaries = vs.color_transfer, vs.color_primaries
    if transfer not in HDR_TRANSFERS and primaries != "bt2020":
        return ""
    if primaries == "unspecified":
        primaries = "bt2020"  # PQ and HLG come with BT.2020 (HDR10, HLG broadcast, phones)
    if transfer == "unspecified":
        transfer = "bt2020-10"
    return f":in_primaries={primaries}:in_transfer={transfer}:out_primaries=bt709:out_transfer=bt709"


class GamutMap:
    """Frames of one HDR or BT.2020 stream (``gamut_options``) mapped into BT.709 SDR limited range
    YUV of a given size, through FFmpeg's scale filter: the one place its colour management is
    (PyAV's ``reformat`` converts the matrix only). YUV, not RGB: its RGB output came out 10-15
    levels short of the same picture through YUV. The filter is kept while the frames' shape and
    the size asked for stay the same: setting its mapping up costs ~1.5 s, a frame ~10 ms."""

    def __init__(self, vs: VideoStreamInfo, pix_fmt: str = "yuv444p") -> None:
        self.vs, self.pix_fmt = vs, pix_fmt
        self._key: tuple[object, ...] | None = None
        self._ends: tuple[av.filter.Graph, FilterContext, FilterContext] | None = None
        self._lock = threading.Lock()

    def __call__(self, frame: av.VideoFrame, width: int, height: int) -> av.VideoFrame:
        shape = (frame.width, frame.height, frame.format.name, int(frame.colorspace), int(frame.color_range))
        key = (*shape, width, height)
        with self._lock:
            if key != self._key or self._ends is None:
                self._ends, self._key = self._build(frame, width, height), key
            _, src, sink = self._ends  # the graph is held with them: its filters die with it
            pts = frame.pts
            frame.pts = 0
            try:
                src.push(frame)
                out = sink.pull()
            finally:
                frame.pts = pts
        assert isinstance(out, av.VideoFrame)
        return out

    def _build(
        self, frame: av.VideoFrame, width: int, height: int
    ) -> tuple[av.filter.Graph, FilterContext, FilterContext]:
        vs = self.vs
        matrix, rng = _frame_tags(frame, vs)
        g = av.filter.Graph()
        size = f"video_size={frame.width}x{frame.height}"
        src = g.add("buffer", f"{size}:pix_fmt={frame.format.name}:pixel_aspect=1/1:time_base=1/1")
        scale = g.add(
            "scale",
            f"w={width}:h={height}:flags=area:in_color_matrix={sws_matrix(matrix)}:in_range={rng}"
            f":out_color_matrix={sws_matrix(CANVAS_MATRIX)}:out_range=tv{gamut_options(vs)}",
        )
        fmt, sink = g.add("format", self.pix_fmt), g.add("buffersink")
        src.link_to(scale)
        scale.link_to(fmt)
        fmt.link_to(sink)
        g.configure()
        return g, src, sink
