"""The shared sealing key and revocation list: files in the Jupyter runtime dir, the only channel
between a kernel (which registers) and the Jupyter server (which serves)."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ._errors import ServerError

__all__ = [
    "KEY_NAME",
    "KEY_SIZE",
    "REVOKED_NAME",
    "RevocationList",
    "load_or_create_key",
    "marker_path",
]

KEY_NAME = "timeline_lab_media.key"
REVOKED_NAME = "timeline_lab_media.revoked"
KEY_SIZE = 32
MARKER_PREFIX = "timeline_lab_media-"
_COMPACT_AT = 64 * 1024  # bytes; past this, an append also drops expired lines


def marker_path(runtime_dir: Path, pid: int) -> Path:
    """Where the Jupyter server with ``pid`` announces the extension (its kernels know that pid)."""
    return runtime_dir / f"{MARKER_PREFIX}{pid}.json"


def _check_private(path: Path, st: os.stat_result) -> None:
    """Refuse a key others can read or replace: it would let them forge tokens."""
    if sys.platform == "win32":  # pragma: no cover - NTFS ACLs, not mode bits
        return
    if st.st_uid != os.getuid() or st.st_mode & 0o077 or not stat.S_ISREG(st.st_mode):
        msg = f"{path}: key file must be a regular file owned by this user with mode 0600"
        raise ServerError(msg)


def _read_key(path: Path) -> bytes | None:
    """The key, None if absent; a short file (a writer mid-creation) is retried briefly."""
    for _ in range(50):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return None
        try:
            _check_private(path, os.fstat(fd))
            data = os.read(fd, KEY_SIZE + 1)
        finally:
            os.close(fd)
        if len(data) == KEY_SIZE:
            return data
        if len(data) > KEY_SIZE:
            break
        time.sleep(0.01)
    msg = f"{path}: key file is not {KEY_SIZE} bytes; delete it to make a new one"
    raise ServerError(msg)


def load_or_create_key(path: Path) -> bytes:
    """Read the key, or create it atomically (0600, all-or-nothing) if this side needs it first."""
    key = _read_key(path)
    if key is not None:
        return key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_new(tmp, secrets.token_bytes(KEY_SIZE))
    try:
        # link() publishes the complete file and fails if another side won the race: then use theirs.
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError:  # pragma: no cover - file systems without hard links
        with contextlib.suppress(FileExistsError):
            _write_new(path, tmp.read_bytes())
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    key = _read_key(path)
    if key is None:  # pragma: no cover - deleted between create and read
        msg = f"{path}: key file vanished while being created"
        raise ServerError(msg)
    return key


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never overwrite) with mode 0600 and ``data``, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


class RevocationList:
    """Ids of sealed tokens unregistered before expiry; appended by kernels, read by the server."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._ids: dict[str, float] = {}

    def _reload(self) -> dict[str, float]:
        """Re-read only when the file changed (one stat per lookup)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._seen, self._ids = None, {}
            return self._ids
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        if sig != self._seen:
            self._ids = dict(self._parse(self.path.read_text("ascii", errors="replace")))
            self._seen = sig
        return self._ids

    @staticmethod
    def _parse(text: str) -> Iterator[tuple[str, float]]:
        """Lines ``<id> <expiry>``; anything else is skipped."""
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                yield parts[0], float(parts[1])

    def is_revoked(self, token_id: str) -> bool:
        """True if a kernel unregistered this token (expired entries are harmless: expiry wins)."""
        with self._lock:
            return token_id in self._reload()

    def revoke(self, entries: Iterable[tuple[str, float]]) -> None:
        """Append ``(id, expiry)`` pairs; compact the file when it grows (under a lock file)."""
        lines = "".join(f"{tid} {int(exp) + 1}\n" for tid, exp in entries)
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock, _locked(self.path.with_name(self.path.name + ".lock")):
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, lines.encode("ascii"))
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if size > _COMPACT_AT:
                now = self._clock()
                keep = [(t, e) for t, e in self._parse(self.path.read_text("ascii", "replace")) if e > now]
                tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
                tmp.write_text("".join(f"{t} {int(e)}\n" for t, e in keep), "ascii")
                os.chmod(tmp, 0o600)
                os.replace(tmp, self.path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock between processes (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
