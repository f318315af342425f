"""A still image's pixels as one RGBA picture for the graph's buffer source.

8-bit RGBA PNGs (every title: ``compile.text_cache`` writes them) are read with FFmpeg's PNG
decoder, so a render need not import Pillow (~20 ms of a new process); any other image (JPEG,
palette or 16-bit PNG, APNG...) is read with Pillow as before (deep greyscale scaled to 8 bits
first, as FFmpeg does). What Pillow does not read (DPX, OpenEXR) and TIFFs with an orientation tag
(Pillow's reader turns those as it loads, the graph turns them again) are read with FFmpeg, as the
probe read them: every still reaches the graph as stored. A PNG stores its pixels losslessly:
both decoders give the same bytes, and the picture is built from the array either way. A PNG's
rows are checked before either decoder reads it (``png_rows``): neither refuses every broken one.
"""

from __future__ import annotations

import contextlib
import functools
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import av
import numpy as np

from ...errors import MediaError, RenderError
from ...media.colour import read_options
from ...media.probe import probe
from .png_rows import PILLOW_PIXELS, check_png_rows

if TYPE_CHECKING:
    import numpy.typing as npt
    import PIL.Image

__all__ = ["plain_rgba_png", "still_rgba"]

_PNG = b"\x89PNG\r\n\x1a\n"
_BITS_PER_SAMPLE, _SAMPLE_FORMAT = 258, 339
"""TIFF tags: a sample's depth; its kind (1 unsigned, 2 signed, 3 floating point)."""
_ORIENTATION = 0x0112
"""The EXIF/TIFF orientation tag."""
MAX_PIXELS = PILLOW_PIXELS
"""A larger picture goes to Pillow, which warns, or refuses it as a decompression bomb, as it did
before FFmpeg read titles."""


def plain_rgba_png(path: Path) -> bool:
    """An 8-bit RGBA PNG file without animation, of no more than ``MAX_PIXELS``: its pixels are the
    file's own bytes in any decoder. (Not a FIFO or device: read here, Pillow would find it empty.)"""
    if not _regular(path):
        return False
    try:
        with Path(path).open("rb") as f:
            return _plain(f)
    except OSError:  # Pillow says what is wrong with the file
        return False


def _regular(path: Path) -> bool:
    """A regular file (a FIFO or device read here would leave the decoder nothing)."""
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return False


def _plain(f: BinaryIO) -> bool:
    head = f.read(26)  # signature, then the IHDR chunk: length, type, width, height, depth, colour
    if len(head) < 26 or head[:8] != _PNG or head[12:16] != b"IHDR" or head[24:26] != b"\x08\x06":
        return False
    if int.from_bytes(head[16:20], "big") * int.from_bytes(head[20:24], "big") > MAX_PIXELS:
        return False
    f.seek(len(_PNG))
    while len(chunk := f.read(8)) == 8:  # the chunks before the image data
        kind = chunk[4:]
        if kind == b"acTL":  # an APNG: which frame a decoder shows is its own choice
            return False
        if kind == b"IDAT":
            return True
        f.seek(int.from_bytes(chunk[:4], "big") + 4, 1)  # the data and its CRC
    return False


def _decoded(path: Path) -> npt.NDArray[Any] | None:
    """The first picture FFmpeg decodes, as an RGBA array; None when it is not RGBA."""
    try:  # a file object and the PNG demuxer: no protocol or sequence pattern read into the name
        with Path(path).open("rb") as f, av.open(f, "r", format="png_pipe") as container:
            frame = next(container.decode(video=0))
    except (OSError, av.FFmpegError, StopIteration):
        return None
    return frame.to_ndarray() if frame.format.name == "rgba" else None


@functools.lru_cache(maxsize=256)
def _rows_whole(path: str, size: int, mtime_ns: int, inode: int) -> None:
    """``check_png_rows`` once per version of a file (a title is read again by every render)."""
    check_png_rows(Path(path))


def _eight_bit(im: PIL.Image.Image) -> PIL.Image.Image:
    """A 16-bit, 32-bit or float greyscale picture scaled to 8 bits as FFmpeg does: Pillow's own
    convert clips every value past 255, so a 16-bit scan came out white."""
    from PIL import Image

    if im.mode == "F":
        return Image.fromarray(_grey_bytes(np.asarray(im), None), "L")
    if im.mode != "I" and not im.mode.startswith("I;16"):
        return im
    tags = getattr(im, "tag_v2", {})  # a TIFF says its depth (12, 16, 32...) and if it is signed
    bits = max(2, _first(tags.get(_BITS_PER_SAMPLE, 16)) - (_first(tags.get(_SAMPLE_FORMAT, 1)) == 2))
    return Image.fromarray(_grey_bytes(np.asarray(im), bits), "L")  # (I;16B arrives big-endian)


def _grey_bytes(values: npt.NDArray[Any], bits: int | None) -> npt.NDArray[np.uint8]:
    """Deep grey values as 8 bits, as FFmpeg's scale does: ``bits`` full scale to 255, rounding down
    (None: floating point, 0..1 is black..white)."""
    if bits is None:
        floats = np.nan_to_num(values.astype(np.float64))
        return cast("npt.NDArray[np.uint8]", np.clip(floats * 255 + 0.5, 0, 255).astype(np.uint8))
    top = np.clip(values.astype(np.int64), 0, None) * 255 // (2**bits - 1)
    return cast("npt.NDArray[np.uint8]", np.clip(top, 0, 255).astype(np.uint8))


def _deep_grey(frame: av.VideoFrame) -> npt.NDArray[np.uint8] | None:
    """A decoded greyscale picture of more than 8 bits as ``_eight_bit`` makes Pillow's (FFmpeg's
    own conversion rounds some levels up); None for any other picture."""
    fmt = frame.format
    if not fmt.name.startswith("gray") or len(fmt.components) != 1 or fmt.components[0].bits <= 8:
        return None
    values = frame.to_ndarray()
    return _grey_bytes(values, None if values.dtype.kind == "f" else fmt.components[0].bits)


def _first(value: Any) -> int:
    """A TIFF tag's first value (Pillow gives one per sample)."""
    return int(value[0] if isinstance(value, tuple) else value)


def still_rgba(path: Path) -> av.VideoFrame:
    """The image at ``path`` as an RGBA picture (no timestamps set); a PNG's rows are checked first."""
    with contextlib.suppress(OSError):  # missing or unreadable: the decoder below says so
        st = Path(path).stat()
        if stat.S_ISREG(st.st_mode):  # (a FIFO read here would leave the decoder nothing)
            _rows_whole(str(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    rgba = _decoded(path) if plain_rgba_png(path) else None
    if rgba is None:
        rgba = _pillow_rgba(path)
    if rgba is None:
        rgba = _ffmpeg_rgba(path)
    return av.VideoFrame.from_ndarray(rgba, format="rgba")


def _pillow_rgba(path: Path) -> npt.NDArray[Any] | None:
    """The picture as Pillow reads it; None for what FFmpeg reads instead: a format Pillow does not
    know (DPX, OpenEXR), and a TIFF with an orientation tag, which Pillow's reader turns as it loads
    (garbling an RGBA one turned a quarter) while the graph turns every still by the probe's."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            if im.format == "TIFF" and im.getexif().get(_ORIENTATION, 1) != 1:
                return None
            return np.asarray(_eight_bit(im).convert("RGBA"))
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, ImportError):  # (ImportError: an Image.open patched to add plugins)
        return None
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        MemoryError,  # a chunk whose length field claims gigabytes
    ) as exc:  # broken, foreign, huge
        raise RenderError(f"still image {path}: cannot be read: {exc}") from None


def _ffmpeg_rgba(path: Path) -> npt.NDArray[Any]:
    """The first picture FFmpeg decodes, as stored, in RGBA (a YUV one read as players do)."""
    try:  # a file object: no sequence pattern read into the name
        with Path(path).open("rb") as f, av.open(f, "r") as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > MAX_PIXELS:
                msg = f"still image {path}: cannot be read: {width}x{height} pixels is more than {MAX_PIXELS}"
                raise RenderError(msg)
            frame = next(container.decode(stream))
            grey = _deep_grey(frame)
            if grey is not None:
                return np.dstack([grey, grey, grey, np.full_like(grey, 255)])
            vs = None if frame.format.is_rgb or frame.format.has_palette else probe(path).primary_video
            options = read_options(frame, vs) if vs is not None else {}
            return frame.to_ndarray(channel_last=True, format="rgba", **options)
    except FileNotFoundError:
        raise
    except (OSError, av.FFmpegError, IndexError, StopIteration, MediaError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or "no picture"
        raise RenderError(f"still image {path}: cannot be read: {reason}") from None
