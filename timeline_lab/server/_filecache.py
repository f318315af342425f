"""Open descriptors and constant headers per registered file, so a range request costs one ``lstat``.

``open_verified`` opens, ``fstat``s and closes the file on every request; under load that path walk
and the header formatting are a large share of a 1 MiB response. ``FileCache`` keeps the verified
descriptor of each registered version and re-proves on every request, with one ``lstat`` of the
canonical path (plus the symlink check for a registration made through a link), that the path still
names that same inode at that same version (dev, inode, size, mtime, ctime, link count): a rewrite,
truncation, replacement, removal or move of the file, or a swapped symlink, is refused (410) exactly
as before, and the descriptor is closed once no response is still sending from it.
"""

from __future__ import annotations

import os
import stat
import threading
from collections import OrderedDict

from tornado.httputil import HTTPHeaders

from ._errors import MediaGoneError
from ._media import MediaFile, OpenMedia, open_verified
from ._ranges import http_date

__all__ = ["CachedMedia", "FileCache"]

_Key = tuple[str, str, int, int, int, int, int]
_Version = tuple[int, int, int, int, int, int]  # dev, ino, size, mtime_ns, ctime_ns, nlink


def _key(f: MediaFile) -> _Key:
    """A registration's identity: two tokens of one version share a descriptor."""
    return (f.path, f.source, f.dev, f.ino, f.size, f.mtime_ns, f.ctime_ns)


def _version(st: os.stat_result) -> _Version:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_nlink)


class CachedMedia(OpenMedia):
    """A shared verified descriptor with its precomputed headers; ``FileCache.open`` hands it out held,
    and leaving its ``with`` block lets it go (the descriptor outlives an eviction while held)."""

    __slots__ = ("_cache", "_users", "etag", "evicted", "head_block", "headers", "version")

    def __init__(self, opened: OpenMedia, version: _Version, cache: FileCache) -> None:
        super().__init__(opened.file, opened.fd)
        f = opened.file
        self.version = version
        self.etag = f.etag
        self.headers: tuple[tuple[str, str], ...] = (  # in the order the handler sets them
            ("Accept-Ranges", "bytes"),
            ("ETag", self.etag),
            ("Last-Modified", http_date(f.last_modified)),
            ("Cache-Control", "private, no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        )
        named = HTTPHeaders(dict(self.headers))  # Tornado's spelling of the names ("Etag")
        self.head_block = "".join(f"{k}: {v}\r\n" for k, v in named.get_all())  # the same, encoded
        self._cache = cache
        self._users = 0
        self.evicted = False

    def __enter__(self) -> CachedMedia:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cache.lock:
            self._users -= 1
            done = self.evicted and self._users == 0
        if done:
            super().close()

    def close(self) -> None:
        """Evict: the descriptor is closed now, or when the last response sending from it ends."""
        with self._cache.lock:
            self.evicted = True
            done = self._users == 0
        if done:
            super().close()


class FileCache:
    """Verified descriptors by registration, least recently used evicted past ``size``."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.lock = threading.Lock()
        self._entries: OrderedDict[_Key, CachedMedia] = OrderedDict()

    def open(self, file: MediaFile) -> CachedMedia:
        """The verified descriptor of ``file``, held until its ``with`` block ends; MediaGoneError when it
        changed since registration."""
        key = _key(file)
        with self.lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                entry._users += 1
        if entry is not None:
            if self._still(entry):
                return entry
            entry.__exit__()
            self._drop(key, entry)
            raise MediaGoneError("registered file changed since registration")
        self._sweep()
        opened = open_verified(file)
        try:
            version = _version(os.fstat(opened.fd))
        except OSError:  # pragma: no cover - fstat on a fresh descriptor
            opened.close()
            raise MediaGoneError("registered file cannot be read") from None
        entry = CachedMedia(opened, version, self)
        entry._users = 1
        with self.lock:
            old = self._entries.pop(key, None)
            self._entries[key] = entry
            over = [self._entries.popitem(last=False)[1] for _ in range(len(self._entries) - self.size)]
        for stale in [old, *over]:
            if stale is not None:
                stale.close()
        return entry

    def _still(self, entry: CachedMedia) -> bool:
        """The path names the cached inode at the cached version (and a registered link still leads to it)."""
        f = entry.file
        if f.source != f.path:
            try:
                if os.path.realpath(f.source, strict=True) != f.path:
                    return False
            except OSError:
                return False
        try:
            st = os.lstat(f.path)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and _version(st) == entry.version

    def _sweep(self) -> None:
        """On a miss (rare), close the descriptors of files changed or removed since: a deleted render's
        disk space is not held until its entry ages out."""
        with self.lock:
            entries = list(self._entries.items())
        for key, entry in entries:
            if not self._still(entry):
                self._drop(key, entry)

    def _drop(self, key: _Key, entry: CachedMedia) -> None:
        with self.lock:
            if self._entries.get(key) is entry:
                del self._entries[key]
        entry.close()

    def clear(self, *, stopped: bool = False) -> None:
        """Close every descriptor; in-flight responses finish first unless the server has ``stopped``
        (its loop is gone, so nothing can still be sending and nothing else would close them)."""
        with self.lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            entry.close()
            if stopped:
                OpenMedia.close(entry)

    def __len__(self) -> int:
        with self.lock:
            return len(self._entries)
