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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import PIL  # the package alone (its version): Image, ImageDraw and ImageFont load when drawing

from ...atomic import atomic_write_bytes

if TYPE_CHECKING:
    from PIL import Image

    from ...model.items import TextClip

_T = TypeVar("_T")

__all__ = ["DEFAULT_FONT", "font_stamp", "moving_text_image", "text_cache_dir", "text_image"]

# bump when the drawing in text.py changes, so cached PNGs from older code are not reused
_RENDER_VERSION = 2

DEFAULT_FONT = Path(__file__).parent / "fonts" / "DejaVuSans.ttf"
"""The title font when a style names none: DejaVu Sans, shipped with the package (licence beside it)."""

Size = tuple[int, int]


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


def _cache_key(clip: TextClip, canvas: Size, **drawn: object) -> str:
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
        **{k: v for k, v in drawn.items() if v},
    }
    try:
        blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # what saving refuses too (model.io): no font draws such a character
        from ...errors import RenderError

        field = "text" if not _utf8(clip.text) else "style"  # (repr escapes the surrogate)
        msg = f"title {clip.label()!r} (clip {clip.id}): {field}: holds an unpaired surrogate"
        raise RenderError(f"{msg} (a damaged character UTF-8 cannot store); retype it") from None
    return hashlib.sha256(blob).hexdigest()


def _utf8(text: str) -> bool:
    """True when ``text`` can be written as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_image(
    clip: TextClip,
    canvas: Size,
    cache_dir: Path | None = None,
    *,
    full: Size | None = None,
    wrap: bool = False,
) -> Path:
    """The clip's canvas-sized RGBA PNG in a content-addressed cache, so unchanged text is drawn once.

    ``full``: the project's size when ``canvas`` is a preview's smaller one: the title is drawn at
    the project's size and shrunk, so a preview shows the render's title shrunk. ``wrap``: break
    lines to the title-safe width (subtitles). The clip's opacity is baked in; its fades are not.
    """
    folder = Path(cache_dir) if cache_dir is not None else text_cache_dir()
    big = full if full is not None and full != canvas else None
    path = folder / f"{_cache_key(clip, canvas, full=big, wrap=wrap)}.png"
    if path.is_file():
        return path
    from .text import render_text  # Pillow's drawing modules: only when the PNG is not cached

    image = _titled(
        clip,
        lambda: render_text(clip.text, clip.style, big or canvas, clip.x, clip.y, clip.opacity, wrap=wrap),
    )
    if big is not None:
        from .text import shrink

        image = shrink(image, 0, 0, big, canvas)[0]
    return _save(folder, path, image)


def moving_text_image(
    clip: TextClip,
    canvas: Size,
    sweep: tuple[int, int, int, int],
    cache_dir: Path | None = None,
    *,
    full: Size | None = None,
    wrap: bool = False,
) -> tuple[Path, tuple[int, int, int, int]]:
    """A moving title's block (``text.render_block``) as a cached PNG, and where it lies on
    ``canvas`` at the clip's own x/y: (left, top, width, height). ``sweep``: its least and most
    shift in x, then y, in pixels of ``full`` (the project's size; None: ``canvas``)."""
    folder = Path(cache_dir) if cache_dir is not None else text_cache_dir()
    big = full if full is not None and full != canvas else None
    key = _cache_key(clip, canvas, full=big, wrap=wrap, sweep=list(sweep))
    path, where = folder / f"{key}.png", folder / f"{key}.json"
    if path.is_file() and where.is_file():
        left, top, width, height = json.loads(where.read_text())
        return path, (left, top, width, height)
    from .text import render_block

    image, left, top = _titled(
        clip,
        lambda: render_block(
            clip.text, clip.style, big or canvas, clip.x, clip.y, clip.opacity, sweep, wrap=wrap
        ),
    )
    if big is not None:
        from .text import shrink

        image, left, top = shrink(image, left, top, big, canvas)
    _save(folder, path, image)
    atomic_write_bytes(where, json.dumps([left, top, *image.size]).encode())
    return path, (left, top, *image.size)


def _titled(clip: TextClip, draw: Callable[[], _T]) -> _T:
    """``draw()``, its errors naming the title they come from."""
    from ...errors import RenderError

    try:
        return draw()
    except (RenderError, ValueError, OSError, RuntimeError) as exc:
        raise RenderError(f"title {clip.label()!r} (clip {clip.id}): {exc}") from None


def _save(folder: Path, path: Path, image: Image.Image) -> Path:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, buf.getvalue())
