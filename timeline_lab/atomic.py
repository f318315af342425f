"""Every file timeline_lab writes appears whole or not at all, and never through a link.

An output is first written to a new file beside it, created with ``O_CREAT|O_EXCL`` (so a planted
``.part`` link or another writer's file is never used), then renamed onto the target. A target that
is a symbolic link or not a regular file is refused, so a rename never replaces a link or a device.

While it is written, the staging file is under an exclusive ``flock`` held by the process that made
it, which the kernel lets go when that process ends, however it ends. So the next staging for the
same target removes what a killed writer left (``<name>.XXXXXXXX.part`` siblings nobody holds)
and never a file another render is still writing.

Whoever can write the folder can swap the ``.part`` for a link between its creation and the rename.
So it is written through the descriptor that created it (:func:`write_path`: ``/proc/self/fd/N``,
which names that file whatever its name has become, and which FFmpeg can open again for faststart),
and :func:`commit` renames it only while its name still is that very file, refusing otherwise.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import TimelineLabError

__all__ = [
    "OutputError",
    "atomic_write_bytes",
    "check_not_source",
    "check_ours",
    "check_replaceable",
    "commit",
    "fd_name",
    "release",
    "same_file",
    "same_open",
    "staged",
    "staging_file",
    "write_path",
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


_NO_LINK = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_NEW = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NO_LINK
_PROBE = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NO_LINK  # NONBLOCK: a FIFO swapped in never blocks
_RANDOM = "[a-z0-9_]{8}"  # 8 random characters (hex now; tempfile.mkstemp's alphabet before)
_held: dict[str, int] = {}  # absolute path of a staging file of ours -> the descriptor holding its lock
_writing: set[str] = set()  # those written through /proc/self/fd: their descriptor stays until release()
_held_guard = threading.Lock()


def _flock(fd: int) -> bool | None:
    """Take the exclusive lock on ``fd`` without waiting: True, False when another open file holds
    it (another process's, or this one's), None where there are no locks (Windows, or a filesystem
    without ``flock``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no locks, so no clean-up either
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # ENOLCK, ENOTSUP...
        return None
    return True


def same_open(path: str | Path, fd: int) -> bool:
    """Is ``path`` still the file open as ``fd`` (not renamed away, removed or replaced)?"""
    try:
        here, there = os.lstat(path), os.fstat(fd)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _release_finished() -> None:
    """Let go of the locks on our staging files that have since been renamed into place or removed."""
    with _held_guard:
        for name, fd in list(_held.items()):
            if name not in _writing and not same_open(name, fd):
                os.close(fd)
                del _held[name]


def release(part: Path) -> None:
    """Let go of the lock on a staging file now (after renaming or removing it); idempotent."""
    key = str(Path(part).absolute())
    with _held_guard:
        held = _held.pop(key, None)
        _writing.discard(key)
    if held is not None:
        os.close(held)


def _remove_abandoned(target: Path) -> None:
    """Remove ``target``'s staging files that no live writer holds: what a killed render left.

    Only regular files named as we name them (``<name>.XXXXXXXX.part``, hidden or not) and not
    locked; never a link, a folder, another target's file or one being written.
    """
    ours = re.compile(rf"\.?{re.escape(target.name)}\.{_RANDOM}\.part")
    try:
        names = [Path(e.path) for e in os.scandir(target.parent) if ours.fullmatch(e.name)]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):  # gone meanwhile, not ours to open, not ours to remove
            if not stat.S_ISREG(os.lstat(name).st_mode):
                continue
            fd = os.open(name, _PROBE)
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode) and _flock(fd) is True and same_open(name, fd):
                    name.unlink()
            finally:
                os.close(fd)


def staging_file(target: Path, *, mode: int = 0o644, hidden: bool = False, replacing: bool = True) -> Path:
    """A new, empty file beside ``target`` that nobody else names, to be renamed onto it when done.

    Created with ``mode`` (less the umask) and no ``chmod`` afterwards, which a sandboxed plugin
    may not call. It stays locked as this process's until it is gone from that name (see
    :func:`release`); stale staging files of the same target are removed first. ``replacing``
    False: it will only take a free name (``commit(exclusive=True)``), so whatever is at
    ``target`` now (a link, a folder) is no reason to refuse.
    """
    target = Path(target)
    if replacing:
        check_replaceable(target)
    if not target.parent.is_dir():
        raise OutputError(f"{target}: folder {target.parent} does not exist")
    _release_finished()
    _remove_abandoned(target)
    prefix = f".{target.name}." if hidden else f"{target.name}."
    while True:
        name = target.parent / f"{prefix}{secrets.token_hex(4)}.part"
        try:
            fd = os.open(name, _NEW, mode)
        except FileExistsError:
            continue
        locked = _flock(fd)  # None: no locks on this system or filesystem, the descriptor still names it
        if locked is False or (locked and not same_open(name, fd)):
            os.close(fd)  # another staging took it for abandoned before we locked it: a new name
            continue
        with _held_guard:  # by absolute path: a later chdir must not make it look finished
            _held[str(name.absolute())] = fd
        return name


def _fd_of(part: Path) -> int:
    """The descriptor that created the staging file ``part``, or OutputError when it is not ours."""
    with _held_guard:
        fd = _held.get(str(Path(part).absolute()))
    if fd is None:
        raise OutputError(f"{part}: not a staging file this process is writing; nothing was renamed")
    return fd


def fd_name(fd: int) -> Path | None:
    """``/proc/self/fd/N``: a name for the open file ``fd`` itself, where the system has one."""
    via = Path(f"/proc/self/fd/{fd}")
    try:
        here, there = via.stat(), os.fstat(fd)
    except OSError:  # no /proc (macOS, Windows, a sandbox without it)
        return None
    return via if (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino) else None


def write_path(part: Path) -> Path:
    """The name to write the staging file ``part`` through: ``/proc/self/fd/N`` of the very file
    :func:`staging_file` created, so a link swapped in for ``part`` meanwhile is never followed
    (opened again by name, as FFmpeg's faststart does, it still is that file); ``part`` itself
    where there is no such name, and then only :func:`commit`'s check guards the rename.

    Only for this process (not a child's) and until :func:`release`, which closes the descriptor.
    """
    fd = _fd_of(part)
    via = fd_name(fd)
    if via is None:
        return Path(part)
    with _held_guard:
        _writing.add(str(Path(part).absolute()))  # its descriptor must outlive the name's changes
    return via


def _still(part: Path, fd: int, target: Path) -> None:
    """Refuse when the name ``part`` is no longer the file ``fd`` (a link or another file swapped in)."""
    if not same_open(part, fd):
        raise OutputError(
            f"{part}: the staging file of {target} was replaced while it was written (a link or "
            f"another file was put in its place); {target} was not written"
        )


def _undo_link(target: Path, fd: int) -> None:
    """After a rename: a link that another process swapped in just before it is removed, refused."""
    try:
        if same_open(target, fd) or not stat.S_ISLNK(os.lstat(target).st_mode):
            return  # ours, or another writer's regular file renamed there after ours: theirs to keep
        target.unlink()  # the link itself, never what it points to
    except OSError:
        return  # gone meanwhile
    raise OutputError(f"{target}: a link was swapped in for its staging file as it was renamed; removed")


def _link_new(part: Path, fd: int, target: Path) -> None:
    """Give the open file ``fd`` the new name ``target`` (FileExistsError when taken)."""
    via = fd_name(fd)
    try:
        if via is not None:  # the open file itself (linkat follows only with a folder descriptor)
            flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
            folder = os.open(target.parent, flags)  # (a folder that is a link is the user's choice)
            try:
                os.link(via, target.name, dst_dir_fd=folder, follow_symlinks=True)
            finally:
                os.close(folder)
        else:
            _still(part, fd, target)
            os.link(part, target, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as exc:  # no hard links there (FAT, some network shares): reserve, then rename
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EXDEV):
            raise
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_LINK, 0o600))
        _still(part, fd, target)
        os.replace(part, target)
    part.unlink(missing_ok=True)


def commit(part: Path, target: Path, *, exclusive: bool = False) -> None:
    """Put the finished staging file ``part`` at ``target`` and let go of its lock.

    Only while the name ``part`` still is the very file :func:`staging_file` made: a link or another
    file swapped in for it is refused (OutputError naming both) and neither it nor ``target`` is
    touched. ``exclusive``: only where no file is (FileExistsError otherwise), never replacing one.
    """
    part, target = Path(part), Path(target)
    fd = _fd_of(part)
    if exclusive:
        _link_new(part, fd, target)
    else:
        _still(part, fd, target)
        check_replaceable(target)  # again: a link may have been planted there while we wrote
        os.replace(part, target)
    _undo_link(target, fd)
    release(part)


@contextlib.contextmanager
def staged(target: Path, *, mode: int = 0o644, hidden: bool = True) -> Iterator[Path]:
    """Yield the name to write a staging file for ``target`` through (:func:`write_path`); it is
    renamed onto ``target`` when the block ends (:func:`commit`), removed if it raises."""
    target = Path(target)
    part = staging_file(target, mode=mode, hidden=hidden)
    try:
        yield write_path(part)
        commit(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        release(part)


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> Path:
    """Write via a new temp file in the same folder + fsync + rename: readers never see half a file.

    ``mode`` None keeps the permissions of the file replaced (a private 0600 or group-shared 0660
    project stays so; a save reset them to 0644), and is 0644 for a new file.
    """
    target = Path(path)
    keep = _existing_mode(target) if mode is None else None
    use = mode if mode is not None else 0o644 if keep is None else keep | 0o600  # (writable to fill)
    try:
        with staged(target, mode=use) as part, part.open("wb") as fh:
            if keep is not None:  # the mode exactly, whatever the umask (a sandbox may refuse: as made)
                with contextlib.suppress(OSError):
                    os.fchmod(fh.fileno(), keep)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:  # disk full, read-only folder...: say which file, keep the old one
        raise OSError(
            exc.errno, f"{target}: cannot save ({exc.strerror or exc}); the previous file is kept"
        ) from exc
    return target


def _existing_mode(target: Path) -> int | None:
    """The permission bits of the regular file ``target`` (not through a link), else None."""
    try:
        st = target.lstat()
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) & 0o777 if stat.S_ISREG(st.st_mode) else None  # (no set-id bits)
