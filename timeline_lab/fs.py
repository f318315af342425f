"""Workspace-scoped file operations, so no path a user or plugin types can reach outside the root."""

from __future__ import annotations

import builtins
import json
import mimetypes
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from .atomic import atomic_write_bytes
from .errors import TimelineLabError

__all__ = [
    "MEDIA_EXTENSIONS",
    "EntryInfo",
    "MediaType",
    "TrashEntry",
    "Workspace",
    "WorkspaceError",
    "WorkspaceEscape",
    "media_type_of",
    "resolve_inside",
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

TRASH = ".trash"


class WorkspaceError(TimelineLabError):
    """A workspace operation that cannot be done (missing file, target exists, bad trash id)."""


class WorkspaceEscape(WorkspaceError):
    """A path that resolves (``..``, absolute, symlink) to somewhere outside the workspace root."""


def media_type_of(path: str | os.PathLike[str]) -> MediaType:
    """Classify by extension first (fast, predictable), then by the platform's mimetypes table."""
    suffix = Path(path).suffix.lower()
    for kind, exts in MEDIA_EXTENSIONS.items():
        if suffix in exts:
            return kind  # type: ignore[return-value]
    guessed, _ = mimetypes.guess_type(Path(path).name)
    major = (guessed or "").split("/", 1)[0]
    return major if major in ("video", "audio", "image") else "other"  # type: ignore[return-value]


def resolve_inside(root: Path, path: str | os.PathLike[str], *, follow_final: bool = True) -> Path:
    """Resolve ``path`` (relative to ``root``, symlinks followed) and refuse it unless it stays inside.

    ``root`` must already be resolved. With ``follow_final=False`` a final symlink that points inside
    is returned as the link itself (so ``delete``/``move`` act on the link, not on its target).
    """
    raw = os.fspath(path)
    if "\x00" in raw:
        raise WorkspaceEscape(f"path {raw!r}: NUL byte in path")
    candidate = Path(raw) if Path(raw).is_absolute() else root / raw
    real = candidate.resolve(strict=False)
    if not real.is_relative_to(root):
        raise WorkspaceEscape(f"path {raw!r} resolves to {real}, outside the workspace {root}")
    if follow_final or candidate.name in ("", ".", "..") or not candidate.is_symlink():
        return real
    parent = candidate.parent.resolve(strict=False)
    if not parent.is_relative_to(root):
        raise WorkspaceEscape(f"path {raw!r}: its folder {parent} is outside the workspace {root}")
    return parent / candidate.name


@dataclass(frozen=True)
class EntryInfo:
    """What a file browser shows: relative path, size, modification time, media type."""

    path: PurePosixPath
    size: int
    mtime: datetime
    media_type: MediaType

    @property
    def is_dir(self) -> bool:
        """True for folders."""
        return self.media_type == "directory"


@dataclass(frozen=True)
class TrashEntry:
    """One deleted item: ``id`` to restore it, where it came from and when it was deleted."""

    id: str
    original: PurePosixPath
    deleted_at: datetime


class Workspace:
    """A folder whose files the app may touch; every path is resolved and confined to ``root``.

    Relative paths are taken from the root; absolute paths are accepted only if they resolve
    inside it. Symlinks are followed: one that stays inside works (``delete``/``move`` act on the
    link itself); one leading outside is refused for every operation, delete included. Deleting
    moves to ``<root>/.trash/`` under a timestamped id, restorable with :meth:`restore`. Checks
    happen before each operation; a path swapped for a symlink between the check and the
    operation (a race with another local process) is not defended against.
    """

    def __init__(self, root: str | os.PathLike[str], *, create: bool = False) -> None:
        base = Path(root).expanduser()
        if create:
            base.mkdir(parents=True, exist_ok=True)
        if not base.is_dir():
            raise WorkspaceError(f"workspace root {base} is not a folder")
        self.root = base.resolve(strict=True)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    # -- paths ---------------------------------------------------------------------------------
    def resolve(self, path: str | os.PathLike[str] = ".") -> Path:
        """The absolute, symlink-free path for ``path``; raises :class:`WorkspaceEscape` outside."""
        return resolve_inside(self.root, path)

    def relative(self, path: str | os.PathLike[str]) -> PurePosixPath:
        """Root-relative, ``/``-separated form (stable across platforms, good for project files)."""
        return PurePosixPath(self.resolve(path).relative_to(self.root).as_posix())

    def _entry(self, path: str | os.PathLike[str], *, follow: bool = False) -> Path:
        """A path an operation will change: inside, not the root, not in the trash."""
        p = resolve_inside(self.root, path, follow_final=follow)
        if p == self.root:
            raise WorkspaceError(f"path {os.fspath(path)!r} is the workspace root itself")
        if p.relative_to(self.root).parts[0] == TRASH:
            raise WorkspaceError(f"path {os.fspath(path)!r} is inside {TRASH}/; use restore()")
        return p

    def _trash_dir(self) -> Path:
        """The trash folder, refused if someone replaced it with a link leading outside."""
        return resolve_inside(self.root, TRASH)

    # -- reading -------------------------------------------------------------------------------
    def exists(self, path: str | os.PathLike[str]) -> bool:
        """True if ``path`` exists inside the workspace (escapes still raise)."""
        return self.resolve(path).exists()

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes:
        """Whole file contents."""
        p = self._existing(path)
        return p.read_bytes()

    def read_text(self, path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
        """Whole file as text."""
        return self.read_bytes(path).decode(encoding)

    def metadata(self, path: str | os.PathLike[str]) -> EntryInfo:
        """Size, mtime (UTC) and media type of one file or folder."""
        return self._info(self._existing(path))

    def list(self, path: str | os.PathLike[str] = ".", *, hidden: bool = False) -> builtins.list[EntryInfo]:
        """Entries of one folder, folders first then by name; symlinks leading outside are skipped."""
        folder = self._existing(path)
        if not folder.is_dir():
            raise WorkspaceError(f"path {os.fspath(path)!r} is not a folder")
        out = [
            info
            for child in folder.iterdir()
            if (hidden or not child.name.startswith(".")) and (info := self._maybe_info(child))
        ]
        return sorted(out, key=lambda e: (not e.is_dir, e.path.name.lower(), e.path.name))

    def search(
        self,
        pattern: str = "**/*",
        *,
        name: str | None = None,
        media_type: MediaType | None = None,
        under: str | os.PathLike[str] = ".",
    ) -> builtins.list[EntryInfo]:
        """Files matching a glob (relative to ``under``), a case-insensitive name substring and a type."""
        if Path(pattern).is_absolute() or ".." in PurePosixPath(pattern.replace("\\", "/")).parts:
            raise WorkspaceEscape(f"search pattern {pattern!r} must be relative and without '..'")
        base = self._existing(under)
        needle = name.lower() if name else None
        out: builtins.list[EntryInfo] = []
        for hit in sorted(base.glob(pattern)):
            rel = hit.relative_to(base)
            if any(part.startswith(".") for part in rel.parts):
                continue  # hidden files and the trash
            info = self._maybe_info(hit)
            if info is None or (needle and needle not in hit.name.lower()):
                continue
            if media_type is not None and info.media_type != media_type:
                continue
            out.append(info)
        return out

    # -- writing -------------------------------------------------------------------------------
    def write_bytes(self, path: str | os.PathLike[str], data: bytes, *, parents: bool = True) -> Path:
        """Atomic write (temp file + fsync + rename): readers never see half a file."""
        target = self._entry(path, follow=True)  # a link that stays inside is written through
        if parents:
            self.mkdir(target.parent.relative_to(self.root).as_posix() or ".")
        elif not target.parent.is_dir():
            raise WorkspaceError(f"path {os.fspath(path)!r}: folder {target.parent} does not exist")
        return atomic_write_bytes(target, data)

    def write_text(self, path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
        """Atomic text write."""
        return self.write_bytes(path, text.encode(encoding))

    def mkdir(self, path: str | os.PathLike[str], *, exist_ok: bool = True) -> Path:
        """Create a folder and its missing parents; each parent is re-checked as it is created."""
        target = self.resolve(path)
        missing: list[Path] = []
        p = target
        while not p.exists() and p != self.root:
            missing.append(p)
            p = p.parent
        if not missing and not exist_ok:
            raise WorkspaceError(f"folder {os.fspath(path)!r} already exists")
        for p in reversed(missing):
            self.resolve(p).mkdir(exist_ok=True)
        if not target.is_dir():
            raise WorkspaceError(f"path {os.fspath(path)!r} exists and is not a folder")
        return target

    def move(
        self, src: str | os.PathLike[str], dst: str | os.PathLike[str], *, overwrite: bool = False
    ) -> Path:
        """Rename/move inside the workspace; refuses to replace an existing target unless asked."""
        source = self._entry(src)
        if not source.exists() and not source.is_symlink():
            raise WorkspaceError(f"cannot move {os.fspath(src)!r}: no such file or folder")
        target = self._entry(dst)
        if target.is_dir() and not target.is_symlink():
            target = target / source.name
            self._entry(target)
        if (target.exists() or target.is_symlink()) and (not overwrite or target.is_dir()):
            raise WorkspaceError(f"cannot move {os.fspath(src)!r}: {os.fspath(dst)!r} already exists")
        if source.is_dir() and target.is_relative_to(source):
            raise WorkspaceError(f"cannot move folder {os.fspath(src)!r} into itself")
        self.mkdir(target.parent)
        os.replace(source, target)
        return target

    # -- trash ---------------------------------------------------------------------------------
    def delete(self, path: str | os.PathLike[str]) -> TrashEntry:
        """Move a file or folder to ``.trash/<timestamp>-<random>/`` so it can be restored."""
        source = self._entry(path)
        if not source.exists() and not source.is_symlink():
            raise WorkspaceError(f"cannot delete {os.fspath(path)!r}: no such file or folder")
        now = datetime.now(UTC)
        entry_id = f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"
        trash = self._trash_dir()
        slot = trash / entry_id
        slot.mkdir(parents=True)
        original = PurePosixPath(source.relative_to(self.root).as_posix())
        info = {"original": str(original), "deleted_at": now.isoformat()}
        atomic_write_bytes(trash / f"{entry_id}.json", json.dumps(info).encode())
        os.replace(source, slot / source.name)
        return TrashEntry(entry_id, original, now)

    def trash(self) -> builtins.list[TrashEntry]:
        """Deleted items, oldest first."""
        folder = self._trash_dir()
        if not folder.is_dir():
            return []
        out = []
        for meta in sorted(folder.glob("*.json")):
            try:
                data = json.loads(meta.read_text("utf-8"))
                out.append(
                    TrashEntry(
                        meta.stem,
                        PurePosixPath(data["original"]),
                        datetime.fromisoformat(data["deleted_at"]),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise WorkspaceError(f"trash record {meta} is unreadable: {exc}") from None
        return out

    def restore(self, entry_id: str, to: str | os.PathLike[str] | None = None) -> Path:
        """Put a deleted item back where it was (or at ``to``); refuses to overwrite anything."""
        entry = next((e for e in self.trash() if e.id == entry_id), None)
        if entry is None:
            raise WorkspaceError(f"no trash entry {entry_id!r}")
        target = self._entry(to if to is not None else entry.original)
        if target.exists() or target.is_symlink():
            raise WorkspaceError(f"cannot restore {entry_id!r}: {target} already exists")
        slot = self._trash_dir() / entry_id
        items = builtins.list(slot.iterdir()) if slot.is_dir() else []
        if len(items) != 1:
            raise WorkspaceError(f"trash entry {entry_id!r} is damaged: expected one item in {slot}")
        self.mkdir(target.parent)
        os.replace(items[0], target)
        slot.rmdir()
        (slot.parent / f"{entry_id}.json").unlink()
        return target

    def empty_trash(self) -> int:
        """Delete the trash for good; returns how many items went."""
        n = len(self.trash())
        folder = self._trash_dir()
        if folder.is_dir():
            shutil.rmtree(folder)
        return n

    # -- helpers -------------------------------------------------------------------------------
    def _existing(self, path: str | os.PathLike[str]) -> Path:
        p = self.resolve(path)
        if not p.exists():
            raise WorkspaceError(f"no such file or folder: {os.fspath(path)!r} (in {self.root})")
        return p

    def _info(self, p: Path) -> EntryInfo:
        st = p.stat()
        kind: MediaType = "directory" if p.is_dir() else media_type_of(p)
        rel = PurePosixPath(p.relative_to(self.root).as_posix())
        return EntryInfo(rel, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC), kind)

    def _maybe_info(self, p: Path) -> EntryInfo | None:
        """Info for a listed child, or None when it is a link leading outside or a dangling link."""
        try:
            real = resolve_inside(self.root, p)
        except WorkspaceEscape:
            return None
        if not real.exists():
            return None
        info = self._info(real)
        rel = PurePosixPath(p.relative_to(self.root).as_posix())
        return EntryInfo(rel, info.size, info.mtime, info.media_type)
