"""``ctx.fs``: file access limited to a plugin's declared roots, checked on fully resolved paths."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from ..atomic import atomic_write_bytes
from ..fs import resolve_path
from .api import PermissionDenied

__all__ = ["ConfinedFS"]

Access = Literal["fs_read", "fs_write"]


class ConfinedFS:
    """Read under ``fs_read`` or ``fs_write`` roots, write under ``fs_write`` roots, nothing else.

    Paths (and roots) are resolved with symlinks followed before the check, and compared by whole
    path components, so ``..``, links leading outside and ``/data-evil`` vs ``/data`` are refused.
    Relative paths are taken from ``base`` (the workspace root).
    """

    def __init__(self, plugin: str, base: Path, read: Iterable[str], write: Iterable[str]) -> None:
        self.plugin = plugin
        self.base = base.resolve()
        self.write_roots = tuple(self._root(r) for r in write)
        self.read_roots = tuple(self._root(r) for r in read) + self.write_roots

    def _root(self, root: str) -> Path:
        return resolve_path(root, self.base)

    def path(self, path: str | os.PathLike[str], access: Access = "fs_read") -> Path:
        """The resolved path if ``access`` is granted for it, else :class:`PermissionDenied`."""
        raw = os.fspath(path)
        try:
            real = resolve_path(raw, self.base)
        except ValueError:
            raise PermissionDenied(f"plugin {self.plugin!r}: path {raw!r} contains a NUL byte") from None
        roots = self.write_roots if access == "fs_write" else self.read_roots
        if not any(real.is_relative_to(r) for r in roots):
            declared = [str(r) for r in roots] or "none"
            verb = "write" if access == "fs_write" else "read"
            msg = (
                f"plugin {self.plugin!r} may not {verb} {raw!r} (resolves to {real}): "
                f"needs {access} permission for a folder containing it (declared: {declared})"
            )
            raise PermissionDenied(msg)
        return real

    def exists(self, path: str | os.PathLike[str]) -> bool:
        """True if the readable ``path`` exists."""
        return self.path(path).exists()

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes:
        """Whole file contents."""
        return self.path(path).read_bytes()

    def read_text(self, path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
        """Whole file as text."""
        return self.read_bytes(path).decode(encoding)

    def listdir(self, path: str | os.PathLike[str]) -> list[str]:
        """Names in a readable folder, sorted."""
        return sorted(child.name for child in self.path(path).iterdir())

    def write_bytes(self, path: str | os.PathLike[str], data: bytes) -> Path:
        """Atomic write inside a write root (parents created, each one checked)."""
        target = self.path(path, "fs_write")
        self.mkdir(target.parent)
        return atomic_write_bytes(self.path(target, "fs_write"), data)

    def write_text(self, path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
        """Atomic text write inside a write root."""
        return self.write_bytes(path, text.encode(encoding))

    def mkdir(self, path: str | os.PathLike[str]) -> Path:
        """Create a folder (and parents) inside a write root."""
        target = self.path(path, "fs_write")
        missing = []
        p = target
        while not p.exists():
            missing.append(p)
            p = p.parent
        for p in reversed(missing):
            self.path(p, "fs_write").mkdir(exist_ok=True)
        return target

    def delete(self, path: str | os.PathLike[str]) -> None:
        """Remove one file inside a write root (folders are left alone on purpose)."""
        target = self.path(path, "fs_write")
        if target.is_dir():
            raise PermissionDenied(f"plugin {self.plugin!r}: refusing to delete folder {os.fspath(path)!r}")
        target.unlink()
