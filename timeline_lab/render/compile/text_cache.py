"""Where a title's drawing is cached: a content-addressed PNG per text, style and canvas.

Apart from ``text.py`` (the drawing) so that a render whose titles are all cached does not import
Pillow's drawing modules (~15 ms of a new process's start); the key needs only Pillow's version.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import PIL  # the package alone (its version): Image, ImageDraw and ImageFont load when drawing

from ...atomic import atomic_write_bytes

if TYPE_CHECKING:
    from ...model.items import TextClip

__all__ = ["font_stamp", "text_cache_dir", "text_image"]

# bump when the drawing in text.py changes, so cached PNGs from older code are not reused
_RENDER_VERSION = 1


def text_cache_dir() -> Path:
    """Where text PNGs go: ``$TIMELINE_LAB_CACHE/text``, else the per-user cache folder."""
    root = os.environ.get("TIMELINE_LAB_CACHE")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("timeline_lab")
    return Path(root).expanduser() / "text"


def font_stamp(font: str | None) -> tuple[str, int, int] | None:
    """A font file's resolved path, size and mtime: what says it changed (None: no such file)."""
    if font is None:
        return None
    file = Path(font).expanduser()
    try:
        st = file.stat()
    except OSError:
        return None
    return (str(file.resolve()), st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


def _cache_key(clip: TextClip, canvas: tuple[int, int]) -> str:
    """sha256 of every input that changes pixels (not timing, id, name or fades)."""
    inputs = {
        "v": _RENDER_VERSION,
        "pillow": PIL.__version__,
        "text": clip.text,
        "style": clip.style.model_dump(mode="json"),
        "font_file": font_stamp(clip.style.font),
        "canvas": list(canvas),
        "x": clip.x,
        "y": clip.y,
        "opacity": clip.opacity,
    }
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def text_image(clip: TextClip, canvas: tuple[int, int], cache_dir: Path | None = None) -> Path:
    """The clip's RGBA PNG in a content-addressed cache, so unchanged text is drawn only once.

    The clip's opacity is baked in; its fades are not (apply them to the overlay stream).
    """
    folder = Path(cache_dir) if cache_dir is not None else text_cache_dir()
    path = folder / f"{_cache_key(clip, canvas)}.png"
    if path.is_file():
        return path
    from .text import render_text  # Pillow's drawing modules: only when the PNG is not cached

    image = render_text(clip.text, clip.style, canvas, clip.x, clip.y, clip.opacity)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, buf.getvalue())
