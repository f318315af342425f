"""Pictures the media bin sends the browser: a filmstrip per tile (its poster and hover scrub) and
exact source frames for the viewer, both from the media layer's cached previews and warm readers."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..media.previews import filmstrip
from ..model.time import RationalTime

if TYPE_CHECKING:
    from ..core.cache import CacheSet
    from ..media._decoder import ReaderPool

__all__ = ["VIEWER_WIDTH", "frame_png", "strip_message"]

TILES = 16
"""Frames a tile can scrub through on hover (the filmstrip's tiles, spread over the file)."""
TILE_HEIGHT = 72
VIEWER_WIDTH = 640
"""Width of the exact frames the source viewer shows when paused or when the browser cannot play."""


def strip_message(
    path: str, kind: str, *, caches: CacheSet | None = None
) -> tuple[dict[str, Any], list[bytes]]:
    """``({"kind": "thumb", path, tiles}, [sprite JPEG])`` for a tile; ``error`` says why there is none."""
    msg: dict[str, Any] = {"kind": "thumb", "path": path, "tiles": []}
    if kind not in ("video", "still"):
        return msg, []
    try:
        strip = filmstrip(path, count=1 if kind == "still" else TILES, height=TILE_HEIGHT, caches=caches)
    except Exception as exc:  # a thumbnail that cannot be made leaves the tile's facts; say why
        msg["error"] = f"{Path(path).name}: {exc}"
        return msg, []
    msg["tiles"] = [{"frame": t.frame, "x": t.x, "y": t.y, "w": t.w, "h": t.h} for t in strip.tiles]
    return msg, [strip.to_bytes("JPEG", quality=80)]


def frame_png(path: str, frame: int, rate: Fraction, *, readers: ReaderPool) -> bytes:
    """PNG of source frame ``frame`` (counted at the media ``rate``) exactly as decoded."""
    from PIL import Image

    rgb = readers.frame_at(path, RationalTime.from_frames(frame, rate), size=(VIEWER_WIDTH, None), rate=rate)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
