"""Media named by URL (``https://``, ``s3://``, ``gs://``, ``memory://``, ``file://``), read through
fsspec file objects that PyAV demuxes (``av.open(fileobj)``), so a render worker needs no copy.

The one seam between the media layer and remote files: ``input_for`` gives what ``av.open``
takes, ``stat_url`` and ``url_fingerprint`` what a local file's ``stat`` and ``relink.fingerprint``
give. A URL may have passed through ``pathlib.Path``, which folds ``//`` into ``/``; ``as_url``
recognises it either way (a scheme fsspec knows, then ``:/``), so paths need no new type.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass
from typing import IO, Any

from ..errors import MediaError

__all__ = ["UrlStat", "as_url", "input_for", "stat_url", "url_fingerprint"]

_CHUNK = 1 << 20  # as relink.fingerprint: size, first and last MiB
_FOLDED = re.compile(r"^(?:.*/)?([a-z][a-z0-9+.\-]*):/+(.*)$")


def _protocols() -> frozenset[str]:
    """URL schemes fsspec can open here (without it, none)."""
    try:
        from fsspec.registry import known_implementations  # type: ignore[import-untyped]
    except ImportError:
        return frozenset()
    return frozenset(known_implementations) - {"file", "local"} | {"file"}


def as_url(path: str | os.PathLike[str]) -> str | None:
    """The URL ``path`` names (also after ``Path`` folded its ``//``, or ``resolve()`` put a folder
    before it), or None for a local path."""
    text = os.fspath(path)
    m = _FOLDED.match(text)
    if m is None or m.group(1) not in _protocols():
        return None
    scheme, rest = m.groups()
    return f"file:///{rest.lstrip('/')}" if scheme == "file" else f"{scheme}://{rest}"


@dataclass(frozen=True)
class UrlStat:
    """What a remote file says of itself: its size and a version (ETag, mtime or generation)."""

    size: int
    version: str


def stat_url(url: str) -> UrlStat:
    """Size and version of the file at ``url``, without reading it; MediaError when it is not there."""
    fs, path = _fs(url)
    try:
        info = fs.info(path)
    except FileNotFoundError:
        raise MediaError(f"{url}: no such file") from None
    except OSError as exc:
        raise MediaError(f"{url}: cannot read ({exc})") from None
    version = next((str(info[k]) for k in ("ETag", "etag", "generation", "mtime", "LastModified", "created")
                    if info.get(k) is not None), "")  # fmt: skip
    if info.get("size") is None:
        raise MediaError(f"{url}: the server does not say how large the file is")
    return UrlStat(int(info["size"]), version)


def url_fingerprint(url: str) -> str:
    """``sha256:<hex>`` of size, first and last MiB: the same as a local copy's ``relink.fingerprint``."""
    size = stat_url(url).size
    with _open(url) as f:
        return stream_fingerprint(f, size)


def stream_fingerprint(f: IO[bytes], size: int) -> str:
    """``sha256:<hex>`` of ``size`` and the first and last MiB of the open file ``f`` (at its start)."""
    digest = hashlib.sha256(str(size).encode())
    digest.update(f.read(_CHUNK))
    if size > 2 * _CHUNK:
        f.seek(size - _CHUNK)
        digest.update(f.read(_CHUNK))
    elif size > _CHUNK:
        digest.update(f.read())
    return f"sha256:{digest.hexdigest()}"


def input_for(path: str | os.PathLike[str]) -> Any:
    """What ``av.open`` should read: a seekable fsspec file object for a URL, else the path as text.

    PyAV closes neither: the container's ``close`` leaves a file object open, so it is closed with
    the container's last reference (fsspec files close on garbage collection).
    """
    url = as_url(path)
    return os.fspath(path) if url is None else _open(url)


def _open(url: str) -> IO[bytes]:
    """A seekable binary file object on ``url`` (read-ahead blocks, as a demuxer reads)."""
    fs, path = _fs(url)
    try:
        f = fs.open(path, "rb", block_size=4 * _CHUNK, cache_type="readahead")
    except FileNotFoundError:
        raise MediaError(f"{url}: no such file") from None
    if isinstance(f, io.BytesIO):  # memory:// gives every opener its one stored BytesIO: a reader of our own
        return io.BytesIO(f.getvalue())
    return f  # type: ignore[no-any-return]


def _fs(url: str) -> tuple[Any, str]:
    """fsspec's filesystem for ``url`` and the path on it."""
    try:
        from fsspec.core import url_to_fs  # type: ignore[import-untyped]
    except ImportError:
        raise MediaError(f"{url}: reading URLs needs fsspec (pip install 'timeline_lab[dask]')") from None
    fs, path = url_to_fs(url)
    return fs, path
