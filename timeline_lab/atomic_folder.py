"""An output folder (an image sequence) appears whole or not at all, and is never written through a link.

Why: whoever can write the parent folder can swap the staging folder for a link between its creation
and the last frame, so a muxer writing ``<staging>/frame_%04d.png`` by name would put the frames
wherever the link points, and a rename by name would move someone else's folder into place. The
staging folder is made with ``mkdir`` (a new name nobody else has), opened at once without following
links, and written through that descriptor (``/proc/self/fd/N/<name>``: the folder itself, whatever
its name has become); it is renamed, or removed, only while its name still is that folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from pathlib import Path

from .atomic import OutputError, check_replaceable, fd_name, same_open

__all__ = ["StagedFolder"]

_OPEN = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class StagedFolder:
    """A new folder beside ``target`` (``<name>.XXXXXXXX.part``), held open until committed or discarded."""

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        check_replaceable(self.target, folder_ok=True)
        if not self.target.parent.is_dir():
            raise OutputError(f"{self.target}: folder {self.target.parent} does not exist")
        while True:
            self.part = self.target.parent / f"{self.target.name}.{secrets.token_hex(4)}.part"
            try:
                self.part.mkdir(mode=0o755)
            except FileExistsError:
                continue
            break
        fd = os.open(self.part, _OPEN)  # a link swapped in since the mkdir: refused (ELOOP/ENOTDIR)
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or os.listdir(fd):  # noqa: PTH208 (a descriptor)
            os.close(fd)
            raise OutputError(f"{self.part}: the staging folder of {self.target} was replaced before use")
        self.fd: int | None = fd

    def write_path(self, name: str) -> Path:
        """Where a writer puts the member ``name``: inside the very folder made, never through a link."""
        assert self.fd is not None, "the staging folder was committed or discarded"
        via = fd_name(self.fd)
        return (via if via is not None else self.part) / name

    def _check(self) -> int:
        """The folder's descriptor, while ``part`` still names that folder; OutputError otherwise."""
        fd = self.fd
        if fd is None or not same_open(self.part, fd):
            raise OutputError(
                f"{self.part}: the staging folder of {self.target} was replaced while it was written (a "
                f"link or another folder was put in its place); {self.target} was not written"
            )
        return fd

    def commit(self) -> None:
        """Swap the finished folder in; a folder at ``target`` is only removed once the new one is there."""
        self._check()
        check_replaceable(self.target, folder_ok=True)  # again: a link may have been planted meanwhile
        old = None
        if os.path.lexists(self.target):
            old = self.target.parent / f"{self.target.name}.{secrets.token_hex(4)}.old"
            self.target.rename(old)  # a fresh name: never one planted there
        try:
            self.part.rename(self.target)
        except OSError:
            if old is not None:
                old.rename(self.target)  # put the previous one back
            raise
        self._close()
        if old is not None and stat.S_ISDIR(os.lstat(old).st_mode):
            shutil.rmtree(old, ignore_errors=True)
        elif old is not None:
            old.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove what was partly written, only while ``part`` is still the folder made; idempotent."""
        fd = self.fd
        if fd is None:
            return
        # through the descriptor: what is in the folder made, only
        for name in os.listdir(fd):  # noqa: PTH208 (a descriptor)
            with contextlib.suppress(OSError):
                if stat.S_ISDIR(os.lstat(name, dir_fd=fd).st_mode):
                    shutil.rmtree(name, dir_fd=fd)
                else:
                    os.unlink(name, dir_fd=fd)
        with contextlib.suppress(OSError):
            if same_open(self.part, fd):
                self.part.rmdir()
            elif self.part.is_symlink():  # a link planted at our name: removed, never followed
                self.part.unlink()
        self._close()

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
