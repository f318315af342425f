"""Every file timeline_lab writes appears whole or not at all, and never through a link.

An output is first written to a new file beside it, created with ``O_CREAT|O_EXCL`` (so a planted
``.part`` link or another writer's file is never used), then renamed onto the target. A target that
is a symbolic link or not a regular file is refused, so a rename never replaces a link or a device.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import TimelineLabError

__all__ = [
    "OutputError",
    "atomic_write_bytes",
    "check_not_source",
    "check_ours",
    "check_replaceable",
    "same_file",
    "staged",
    "staging_file",
]


class OutputError(TimelineLabError):
    """An output that may not be written where asked: a link, a device, or a missing folder."""


def check_replaceable(target: Path, *, folder_ok: bool = False) -> None:
    """Refuse a target that is a symbolic link or not a regular file (nor a folder, when allowed)."""
    try:
        st = Path(target).lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{target}: is a symbolic link; timeline_lab never writes through one")
    if not (stat.S_ISREG(st.st_mode) or (folder_ok and stat.S_ISDIR(st.st_mode))):
        raise OutputError(f"{target}: is not a regular file; refusing to replace it")


def same_file(a: Path, b: Path) -> bool:
    """Do two paths name one file (another spelling, ``..``, a symbolic or a hard link)?"""
    try:
        return Path(a).resolve() == Path(b).resolve() or Path(a).samefile(b)
    except OSError:  # one of them does not exist (a new output): not the same file
        return False


def check_not_source(target: Path, sources: Iterable[Path], what: str) -> None:
    """Refuse ``target`` when it is one of ``sources`` however spelled: writing would destroy it."""
    for src in sources:
        if same_file(target, src):
            raise OutputError(f"{target}: is {what} ({src}); write to another file")


def check_ours(target: Path, ours: Callable[[Path], bool], what: str, *, overwrite: bool = False) -> None:
    """Refuse to replace an existing file unless ``ours`` says it is one we wrote (``what``), it is
    empty (nothing to lose: a name reserved with ``O_EXCL``), or ``overwrite`` says the user means
    it; a link or a device is refused even then."""
    check_replaceable(target)
    if overwrite or not target.exists() or target.stat().st_size == 0 or ours(target):
        return
    raise OutputError(f"{target}: exists and is not {what}; move it away or pass overwrite=True")


_NEW = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def staging_file(target: Path, *, mode: int = 0o644, hidden: bool = False) -> Path:
    """A new, empty file beside ``target`` that nobody else names, to be renamed onto it when done.

    Created with ``mode`` (less the umask) and no ``chmod`` afterwards, which a sandboxed plugin
    may not call.
    """
    target = Path(target)
    check_replaceable(target)
    if not target.parent.is_dir():
        raise OutputError(f"{target}: folder {target.parent} does not exist")
    prefix = f".{target.name}." if hidden else f"{target.name}."
    while True:
        name = target.parent / f"{prefix}{secrets.token_hex(4)}.part"
        try:
            os.close(os.open(name, _NEW, mode))
        except FileExistsError:
            continue
        return name


@contextlib.contextmanager
def staged(target: Path, *, mode: int = 0o644, hidden: bool = True) -> Iterator[Path]:
    """Yield a staging file for ``target``; renamed onto it when the block ends, removed if it raises."""
    target = Path(target)
    part = staging_file(target, mode=mode, hidden=hidden)
    try:
        yield part
        check_replaceable(target)  # again: a link may have been planted while we wrote
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes, mode: int = 0o644) -> Path:
    """Write via a new temp file in the same folder + fsync + rename: readers never see half a file."""
    target = Path(path)
    try:
        with staged(target, mode=mode) as part, part.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:  # disk full, read-only folder...: say which file, keep the old one
        raise OSError(
            exc.errno, f"{target}: cannot save ({exc.strerror or exc}); the previous file is kept"
        ) from exc
    return target
