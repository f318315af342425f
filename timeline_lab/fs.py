"""Paths users, plugins and HTTP clients type: what kind of file they name, and confinement to a root.

One confinement rule for the whole package (plugins' ``ctx.fs``, the Lab's JSON routes): a path is
resolved with every symlink followed, then compared with the root by whole path components.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from pathlib import Path
from typing import Literal

from .errors import TimelineLabError

__all__ = [
    "MEDIA_EXTENSIONS",
    "MediaType",
    "WorkspaceError",
    "WorkspaceEscape",
    "is_regular_file",
    "media_type_of",
    "resolve_inside",
    "resolve_path",
]

MediaType = Literal["video", "audio", "image", "project", "other", "directory"]

MEDIA_EXTENSIONS: dict[str, frozenset[str]] = {
    "video": frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mxf", ".ts", ".mts", ".mpg"}),
    "audio": frozenset({".wav", ".mp3", ".aac", ".m4a", ".flac", ".ogg", ".opus", ".aif", ".aiff"}),
    "image": frozenset(
        {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".exr", ".tga", ".dpx"}
    ),
    "project": frozenset({".tlproj", ".otio"}),
}
"""Known extensions per media type; anything else falls back to ``mimetypes``."""


class WorkspaceError(TimelineLabError):
    """A path that cannot be used where it was given."""


class WorkspaceEscape(WorkspaceError):
    """A path that resolves (``..``, absolute, symlink) to somewhere outside the workspace root."""


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Is ``path`` (its links followed) a regular file? A FIFO or a device named like a project or
    a notebook would block whoever opens it to read: a kernel, or the Jupyter server's event loop."""
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except (OSError, ValueError):
        return False


def media_type_of(path: str | os.PathLike[str]) -> MediaType:
    """Classify by extension first (fast, predictable), then by the platform's mimetypes table."""
    suffix = Path(path).suffix.lower()
    for kind, exts in MEDIA_EXTENSIONS.items():
        if suffix in exts:
            return kind  # type: ignore[return-value]
    guessed, _ = mimetypes.guess_type(Path(path).name)
    major = (guessed or "").split("/", 1)[0]
    return major if major in ("video", "audio", "image") else "other"  # type: ignore[return-value]


def resolve_path(path: str | os.PathLike[str], base: Path) -> Path:
    """``path`` (``~`` expanded; relative ones from ``base``) with every symlink resolved.

    Raises ValueError for a NUL byte, which no file name can hold.
    """
    raw = os.fspath(path)
    if "\x00" in raw:
        raise ValueError(f"path {raw!r}: NUL byte in path")
    p = Path(raw).expanduser()
    return (p if p.is_absolute() else base / p).resolve(strict=False)


def resolve_inside(root: Path, path: str | os.PathLike[str]) -> Path:
    """Resolve ``path`` (relative to ``root``, symlinks followed) and refuse it unless it stays inside.

    ``root`` must already be resolved; ``..``, absolute paths and links leading outside are refused.
    """
    raw = os.fspath(path)
    try:
        real = resolve_path(raw, root)
    except ValueError as exc:
        raise WorkspaceEscape(str(exc)) from None
    if not real.is_relative_to(root):
        raise WorkspaceEscape(f"path {raw!r} resolves to {real}, outside the workspace {root}")
    return real
