"""An output folder (an image sequence) appears whole or not at all, and is never written through a link.

Why: whoever can write the parent folder can swap the staging folder for a link between its creation
and the last frame, so a muxer writing ``<staging>/frame_%04d.png`` by name would put the frames
wherever the link points, and a rename by name would move someone else's folder into place. The
staging folder is made with ``mkdir`` (a new name nobody else has), opened at once without following
links, and written through that descriptor (``/proc/self/fd/N/<name>``: the folder itself, whatever
its name has become); it is renamed, or removed, only while its name still is that folder.

A render to a frame pattern (``out/frame_%06d.png``) shares its folder with whatever else is there:
its frames are moved in one by one (:meth:`StagedFolder.commit_into`), each to a free name or over a
regular file an earlier render of the same pattern wrote, never through a link or over anything else.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from .atomic import OutputError, check_replaceable, fd_name, same_open

__all__ = ["StagedFolder"]

_OPEN = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_OPEN_THERE = (
    os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
)  # (a folder that is a link: the user's)
_NO_HARD_LINKS = (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EXDEV)


class StagedFolder:
    """A new folder beside ``target`` (``<name>.XXXXXXXX.part``), held open until committed or discarded."""

    def __init__(self, target: Path, *, replacing: bool = True) -> None:
        """``replacing`` False: the frames go into an existing folder (:meth:`commit_into`), so
        whatever is at ``target`` is no reason to refuse."""
        self.target = Path(target)
        if replacing:
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

    def commit_into(self, folder: Path, previous: Callable[[str], bool]) -> None:
        """Move the finished members into the existing ``folder``, beside what else is there.

        Each takes a free name, or replaces a regular file that ``previous`` names as an earlier
        render's (the same frame pattern); such files this render did not write are removed, so the
        folder holds one render's frames. Anything else at a member's name (a link, a folder, a file
        of another name) is never replaced: OutputError naming it, after the frames moved so far.
        """
        src = self._check()
        try:
            dst = os.open(folder, _OPEN_THERE)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write the frames there ({exc.strerror or exc})") from None
        try:
            mine = sorted(os.listdir(src))  # noqa: PTH208 (a descriptor)
            stale = {n for n in os.listdir(dst) if previous(n)} - set(mine)  # noqa: PTH208
            for name in mine:
                _place(src, dst, name, previous, folder)
            for name in sorted(stale):  # a longer earlier render's last frames
                with contextlib.suppress(FileNotFoundError):
                    if stat.S_ISREG(os.lstat(name, dir_fd=dst).st_mode):
                        os.unlink(name, dir_fd=dst)
        finally:
            os.close(dst)
        self.discard()  # the staging folder, empty now

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


def _place(src: int, dst: int, name: str, previous: Callable[[str], bool], folder: Path) -> None:
    """Move ``name`` from folder ``src`` to folder ``dst``: to a free name (a new hard link, never
    replacing), else over a regular file that ``previous`` accepts (a rename replaces a link planted
    meanwhile, never follows it)."""
    try:
        os.link(name, name, src_dir_fd=src, dst_dir_fd=dst, follow_symlinks=False)
    except FileExistsError:
        pass
    except OSError as exc:  # no hard links there (FAT, some network shares): rename onto a free name
        if exc.errno not in _NO_HARD_LINKS:
            raise OutputError(f"{folder / name}: cannot write ({exc.strerror or exc})") from None
    else:
        os.unlink(name, dir_fd=src)
        return
    try:
        there = os.lstat(name, dir_fd=dst).st_mode
    except FileNotFoundError:
        there = None
    if there is not None and not (stat.S_ISREG(there) and previous(name)):
        msg = f"{folder / name}: exists and is not a frame an earlier render wrote; it was left alone"
        raise OutputError(msg)
    try:
        os.rename(name, name, src_dir_fd=src, dst_dir_fd=dst)
    except OSError as exc:
        raise OutputError(f"{folder / name}: cannot write ({exc.strerror or exc})") from None
