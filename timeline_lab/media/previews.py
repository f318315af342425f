"""Previews for the editor: exact frames, thumbnails, filmstrip sprites, proxies, waveforms, timeline frames.

Everything derived from a file is cached by content (:func:`~timeline_lab.media.keys.media_key`):
decoded results in memory, encoded bytes on disk under the cache root, so a notebook that
re-runs, or a kernel that restarts, does not decode again, and an edited file is never stale.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..core.cache import DEFAULT_CACHES, CacheSet, MemoryCache
from ..errors import MediaError
from ..model.time import RationalTime, TimeRange
from ._decoder import Frame, FrameReader, ReaderPool, TimeLike, close_readers, frame_at, output_size
from .keys import media_key
from .proxy import make_proxy, make_proxy_async, proxy_path
from .waveform import Waveform, waveform

if TYPE_CHECKING:
    from PIL import Image


__all__ = [
    "Filmstrip",
    "Frame",
    "FrameReader",
    "ReaderPool",
    "Tile",
    "Waveform",
    "close_readers",
    "filmstrip",
    "frame_at",
    "make_proxy",
    "make_proxy_async",
    "proxy_path",
    "thumbnail",
    "waveform",
]

_VERSION = 5  # frames counted from the stream start, upright (mirrored too), square pixels, colours
# as players show them, a picture of another shape midway kept in shape (media.fit)
_MAGIC = b"TLFS1"
MEMORY_BUDGET = 128 * 2**20
"""Bytes of decoded previews kept in memory, per cache set (each Studio has one)."""
DISK_BUDGET = 512 * 2**20


def _memory(caches: CacheSet | None) -> MemoryCache[str, Any]:
    """The decoded previews of ``caches`` (default: the process default, ``DEFAULT_CACHES``)."""
    return (caches if caches is not None else DEFAULT_CACHES).memory("previews", MEMORY_BUDGET)


def _disk_bytes(caches: CacheSet | None, key: str, make: Any) -> bytes:
    disk = (caches if caches is not None else DEFAULT_CACHES).disk("previews", size_limit=DISK_BUDGET)
    data: bytes = disk.get_or_compute(key, make)
    return data


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _open_image(data: bytes) -> Image.Image:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        rgb: Image.Image = img.convert("RGB")
        return rgb


def thumbnail(
    path: str | os.PathLike[str],
    t: TimeLike,
    width: int = 160,
    *,
    caches: CacheSet | None = None,
    readers: ReaderPool | None = None,
) -> Image.Image:
    """The frame on screen at ``t``, ``width`` pixels wide (display aspect kept); cached.

    ``caches`` and ``readers`` are a Studio's (``studio.services``); by default the process defaults.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width: must be a positive int, got {width!r}")
    at = t.to_json() if isinstance(t, RationalTime) else t
    key = media_key(path, kind="thumbnail", t=at, width=width, v=_VERSION)

    def render() -> bytes:
        return _png(_pil(frame_at(path, t, size=(width, None), readers=readers)))

    def load() -> Image.Image:
        return _open_image(_disk_bytes(caches, key, render))

    img: Image.Image = _memory(caches).get_or_compute(key, load)
    return img.copy()  # callers may draw on it; the cached one stays clean


def _pil(rgb: np.ndarray[Any, Any]) -> Image.Image:
    from PIL import Image

    return Image.fromarray(rgb)


@dataclass(frozen=True)
class Tile:
    """One filmstrip tile: the frame it shows and where it sits in the sprite (pixels)."""

    time: RationalTime
    frame: int
    x: int
    y: int
    w: int
    h: int

    def to_json(self) -> dict[str, Any]:
        """``{"time": {"value", "rate"}, "frame", "x", "y", "w", "h"}``."""
        return {
            "time": self.time.to_json(),
            "frame": self.frame,
            "x": self.x,
            "y": self.y,
            "w": self.w,
            "h": self.h,
        }


@dataclass(frozen=True, eq=False)
class Filmstrip:
    """Thumbnails tiled into one sprite image, with an index that says which frame each tile is."""

    sprite: Image.Image
    tiles: tuple[Tile, ...]

    @property
    def nbytes(self) -> int:
        """Bytes of pixels held (for cache budgets)."""
        w, h = self.sprite.size
        return w * h * 3

    def index(self) -> list[dict[str, Any]]:
        """Per-tile JSON (see :meth:`Tile.to_json`), in time order."""
        return [t.to_json() for t in self.tiles]

    def to_json(self) -> dict[str, Any]:
        """Sprite size and the tile index, for the timeline widget."""
        w, h = self.sprite.size
        return {"width": w, "height": h, "tiles": self.index()}

    def to_bytes(self, format: Literal["JPEG", "PNG", "WEBP"] = "JPEG", quality: int = 85) -> bytes:
        """The sprite encoded for the browser."""
        buf = io.BytesIO()
        if format == "PNG":
            self.sprite.save(buf, format="PNG", compress_level=1)
        else:
            self.sprite.save(buf, format=format, quality=quality)
        return buf.getvalue()

    def _pack(self) -> bytes:
        meta = json.dumps(self.index()).encode()
        return _MAGIC + len(meta).to_bytes(4, "big") + meta + _png(self.sprite)

    @classmethod
    def _unpack(cls, data: bytes) -> Filmstrip:
        if not data.startswith(_MAGIC):
            raise MediaError("filmstrip cache entry is damaged")
        n = int.from_bytes(data[5:9], "big")
        index = json.loads(data[9 : 9 + n])
        tiles = tuple(
            Tile(RationalTime.from_json(d["time"]), d["frame"], d["x"], d["y"], d["w"], d["h"]) for d in index
        )
        return cls(_open_image(data[9 + n :]), tiles)


def _span(reader: FrameReader, within: TimeRange | None) -> tuple[Fraction, Fraction]:
    """Seconds of media time the strip spans: 0 is the first frame, as readers count (not the
    stream's start offset, 1.4 s in an MPEG-TS)."""
    duration = reader.video.duration
    end = None if duration is None else duration.to_seconds()
    if within is None:
        if end is None:
            raise MediaError(f"{reader.path}: duration unknown, pass range= to make a filmstrip")
        return Fraction(0), end
    lo, hi = within.start.to_seconds(), within.end_exclusive().to_seconds()
    if not (0 <= lo < hi and (end is None or hi <= end)):
        raise MediaError(f"{reader.path}: filmstrip range {within} is outside the media (0 to {end} s)")
    return lo, hi


def _make_filmstrip(path: Path, count: int, height: int, within: TimeRange | None) -> Filmstrip:
    from PIL import Image

    with FrameReader(path) as reader:
        lo, hi = _span(reader, within)
        size = output_size(reader.video, (None, height))
        assert size is not None
        w, h = size
        columns = max(1, min(count, 16384 // w))  # JPEG/WebP cap a side at 16k-64k pixels
        rows = -(-count // columns)
        sprite = Image.new("RGB", (columns * w, rows * h))
        tiles = []
        rate = reader.frame_rate or Fraction(1, reader.video.time_base)
        for i in range(count):
            at = lo + (hi - lo) * i / count
            frame = reader.read(RationalTime.from_seconds(at, rate), size=(w, h))
            x, y = (i % columns) * w, (i // columns) * h
            sprite.paste(frame.image(), (x, y))
            tiles.append(Tile(frame.time, frame.index, x, y, w, h))
    return Filmstrip(sprite, tuple(tiles))


def filmstrip(
    path: str | os.PathLike[str],
    count: int = 20,
    height: int = 72,
    *,
    range: TimeRange | None = None,
    caches: CacheSet | None = None,
) -> Filmstrip:
    """``count`` thumbnails ``height`` pixels high, evenly spread over ``range`` (default: all); cached.

    Tile ``i`` shows the frame on screen at ``start + i * duration / count``. ``caches``: a
    Studio's (``studio.services.caches``); by default the process default.
    """
    for name, value in (("count", count), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: must be a positive int, got {value!r}")
    span = None if range is None else [range.start.to_json(), range.duration.to_json()]
    key = media_key(path, kind="filmstrip", count=count, height=height, range=span, v=_VERSION)
    p = Path(path)

    def load() -> Filmstrip:
        make = lambda: _make_filmstrip(p, count, height, range)._pack()  # noqa: E731
        return Filmstrip._unpack(_disk_bytes(caches, key, make))

    strip: Filmstrip = _memory(caches).get_or_compute(key, load)
    return strip
