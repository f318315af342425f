"""What a token grants: one canonical file at one version, re-verified on every open."""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ._errors import MediaGoneError, ServerError

__all__ = ["MediaFile", "OpenMedia", "guess_type", "open_verified", "snapshot"]

# mimetypes' table depends on the host's /etc/mime.types; media types must not.
_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".ogv": "video/ogg",
    ".ts": "video/mp2t",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".vtt": "text/vtt",
    ".json": "application/json",
}
_MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(;[ \w.+=\"-]*)?", re.ASCII)
# O_NONBLOCK: a path swapped for a FIFO must not block the event loop in open().
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def guess_type(path: str) -> str:
    """Content-Type from the extension, fixed for media so browsers pick the right decoder."""
    ext = Path(path).suffix.lower()
    return _TYPES.get(ext) or mimetypes.guess_type(path, strict=False)[0] or "application/octet-stream"


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A registered file at the version it had when registered (identity = dev, inode, size, mtime, ctime)."""

    path: str  # canonical: symlinks resolved at registration
    source: str  # absolute path as given (may be a symlink); must still resolve to ``path``
    size: int
    mtime_ns: int
    ino: int
    dev: int
    expires: float | None  # unix time, None = until unregistered
    content_type: str
    ctime_ns: int = 0  # inode change time: a same-size rewrite with its mtime put back still moves it

    @property
    def etag(self) -> str:
        """Strong validator of this exact version; a digest, so it reveals neither path nor inode."""
        return _etag(self.dev, self.ino, self.size, self.mtime_ns, self.ctime_ns, self.path)

    @property
    def last_modified(self) -> int:
        """Whole seconds, as HTTP dates carry them."""
        return self.mtime_ns // 1_000_000_000

    def expired(self, now: float) -> bool:
        """True once the expiry has passed."""
        return self.expires is not None and now >= self.expires


@functools.lru_cache(maxsize=1024)
def _etag(dev: int, ino: int, size: int, mtime_ns: int, ctime_ns: int, path: str) -> str:
    """Cached: every request of a file asks for it (and a sealed token's entry is rebuilt per request).

    The change time is in it too: after a same-size rewrite with the mtime put back, a new token's
    ETag must differ, or a browser would revalidate its cached copy of the old bytes with a 304."""
    ident = f"{dev}:{ino}:{size}:{mtime_ns}:{ctime_ns}:{path}"
    return '"' + hashlib.blake2b(ident.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest() + '"'


def snapshot(path: str | os.PathLike[str], *, expires: float | None, content_type: str | None) -> MediaFile:
    """Canonicalize and stat a file at registration; only regular files can be registered."""
    if content_type is not None and not _MEDIA_TYPE.fullmatch(content_type):
        msg = f"{os.fspath(path)!r}: content_type {content_type!r} is not a media type"
        raise ValueError(msg)
    source = os.path.abspath(os.fspath(path))  # noqa: PTH100 - absolute, symlinks kept (resolve() follows them)
    try:
        canonical = os.path.realpath(source, strict=True)
        st = Path(canonical).stat()
    except OSError as exc:
        msg = f"{source!r}: cannot register: {exc.strerror or exc}"
        raise ServerError(msg) from None
    if not stat.S_ISREG(st.st_mode):
        msg = f"{source!r}: cannot register: not a regular file"
        raise ServerError(msg)
    return MediaFile(
        path=canonical,
        source=source,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        ino=st.st_ino,
        dev=st.st_dev,
        expires=expires,
        content_type=content_type or guess_type(canonical),
        ctime_ns=st.st_ctime_ns,
    )


class OpenMedia:
    """An open descriptor of the verified file; reads are positional so no seek state is shared."""

    __slots__ = ("fd", "file")

    def __init__(self, file: MediaFile, fd: int) -> None:
        self.file = file
        self.fd = fd

    def read(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes at ``offset`` (short only if the file shrank while served)."""
        if hasattr(os, "pread"):
            return os.pread(self.fd, size, offset)
        os.lseek(self.fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
        return os.read(self.fd, size)  # pragma: no cover

    def __enter__(self) -> OpenMedia:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the descriptor (idempotent)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def open_verified(file: MediaFile) -> OpenMedia:
    """Open the registered file and prove (on the open descriptor) that it is still that version."""
    if file.source != file.path:
        try:
            now_points_to = os.path.realpath(file.source, strict=True)
        except OSError:
            now_points_to = None
        if now_points_to != file.path:
            raise MediaGoneError("registered symlink was retargeted or removed")
    try:
        fd = os.open(file.path, _OPEN_FLAGS)
    except OSError:
        raise MediaGoneError("registered file was removed") from None
    try:
        st = os.fstat(fd)
    except OSError:  # pragma: no cover - fstat on a fresh descriptor
        os.close(fd)
        raise MediaGoneError("registered file cannot be read") from None
    same = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == (
        file.dev,
        file.ino,
        file.size,
        file.mtime_ns,
    ) and (not file.ctime_ns or st.st_ctime_ns == file.ctime_ns)
    if not (stat.S_ISREG(st.st_mode) and same):
        os.close(fd)
        raise MediaGoneError("registered file changed since registration")
    return OpenMedia(file, fd)
