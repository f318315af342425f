"""Finding a project's media again after it moved: by file name, confirmed by size and content.

A media file is recognised by a fingerprint of its size and its first and last MiB (SHA-256), cheap
enough to take for every clip. Two takes of the same length can share those (room tone at either
end), so when several files match, their whole contents are compared: copies of one file are the
same file, different ones are refused as ambiguous rather than one taken at random. Folders are
searched a few levels deep, hidden folders skipped.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from ..core.disk_memo import Memo
from ..errors import MediaError
from . import sequence
from .urls import as_url, stream_fingerprint, url_fingerprint

__all__ = ["find_media", "find_sequence", "fingerprint"]

_DEPTH = 4  # folders below a search root that are looked into


def fingerprint(path: str | os.PathLike[str]) -> str:
    """``sha256:<hex>`` of the file's size, first MiB and last MiB (cached by file identity)."""
    if (url := as_url(path)) is not None:
        return url_fingerprint(url)
    st = Path(path).stat()
    return _fingerprint(os.fspath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@lru_cache(maxsize=4096)
def _fingerprint(path: str, size: int, mtime: int, ctime: int, ino: int) -> str:
    # kept on disk too: opening a project checks each media file's fingerprint, and a project of
    # thousands of files would read 2 MiB of each again in every new process
    memo = Memo("fingerprints", ".txt", _FINGERPRINT_VERSION, path, size, mtime, ctime, ino)
    kept = memo.get()
    if kept is not None:
        return kept.decode("ascii")
    with Path(path).open("rb") as f:
        found = stream_fingerprint(f, size)
    memo.put(found.encode("ascii"))
    return found


_FINGERPRINT_VERSION = 1
"""Bumped when ``stream_fingerprint`` changes what it digests."""


def _content_hash(path: Path) -> str:
    """SHA-256 of the whole file (cached by file identity): what tells lookalikes apart."""
    st = path.stat()
    return _whole_hash(os.fspath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@lru_cache(maxsize=256)
def _whole_hash(path: str, _size: int, _mtime: int, _ctime: int, _ino: int) -> str:
    with Path(path).open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _candidates(name: str, folders: Iterable[Path], *, dirs: bool = False) -> Iterator[Path]:
    """Files (``dirs``: folders) called ``name`` in ``folders`` and their subfolders (nearest first).

    Linked folders are followed (a project's ``media`` link to a footage drive), each folder once
    by its (device, inode), so a link to a folder above it is no loop. Names are compared
    NFC-normalised: a file copied through macOS has its name in NFD, a project written elsewhere
    in NFC, and both spell the same name (size and fingerprint still confirm).
    """
    wanted = unicodedata.normalize("NFC", name)
    seen: set[tuple[int, int]] = set()
    for root in folders:
        level = [Path(root)]
        for _ in range(_DEPTH + 1):
            below: list[Path] = []
            for folder in level:
                try:
                    st = folder.stat()
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                try:
                    entries = sorted(os.scandir(folder), key=lambda e: e.name)
                except OSError:
                    if not dirs and (folder / name).is_file():
                        yield folder / name
                    continue
                for e in entries:
                    found = _is_dir(e) if dirs else _is_file(e)
                    if (e.name == name or unicodedata.normalize("NFC", e.name) == wanted) and found:
                        yield Path(e.path)
                below += [Path(e.path) for e in entries if not e.name.startswith(".") and _is_dir(e)]
            level = below


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Is the entry a folder, or a link to one?"""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Is the entry a file, or a link to one (a broken or unreadable one: no)?"""
    try:
        return entry.is_file()
    except OSError:
        return False


def find_media(
    name: str,
    size: int | None,
    print_: str | None,
    folders: Iterable[Path],
    *,
    check: Callable[[Path], bool] | None = None,
) -> Path | None:
    """The file called ``name`` under ``folders`` whose size and fingerprint match (the nearest,
    when every match has the same contents); None when there is none.

    Without a recorded fingerprint (projects saved before there was one) the name and size decide;
    ``check`` confirms a candidate another way (a detections table's SHA-256).
    Raises MediaError naming them when matching files differ: which one is the media is unknown.
    """
    matches: list[Path] = []
    for candidate in _candidates(name, folders):
        try:
            if size is not None and candidate.stat().st_size != size:
                continue
            if print_ is not None and fingerprint(candidate) != print_:
                continue
            if check is not None and not check(candidate):
                continue
        except OSError:
            continue
        resolved = candidate.resolve()
        if resolved not in matches:
            matches.append(resolved)
    if len(matches) < 2:
        return matches[0] if matches else None
    try:
        hashes = {m: _content_hash(m) for m in matches}
    except OSError as exc:
        raise MediaError(f"{name}: cannot compare the files that match it ({exc.strerror or exc})") from None
    if len(set(hashes.values())) == 1:  # copies of one file
        return matches[0]
    listed = "; ".join(str(m) for m in matches)
    what = "name, size and fingerprint" if print_ is not None else "name and size"
    raise MediaError(
        f"{name}: {len(matches)} different files match its {what}, so which one is the media "
        f"is unknown: {listed}. Relink with a folder that holds only the right one"
    )


def find_sequence(path: Path, folders: Iterable[Path]) -> Path | None:
    """The image sequence ``path`` named, found under ``folders`` after it moved: a folder of images
    by the folder's name, a pattern or glob (``shot_%04d.png``) in a folder of its folder's name
    holding matching images; None when there is none. Several with different images (names and
    sizes) are refused as ambiguous, each named, as files are."""
    pattern = not path.is_dir() and sequence.is_sequence(path)
    found: dict[Path, tuple[tuple[str, int], ...]] = {}
    for candidate in _candidates(path.parent.name if pattern else path.name, folders, dirs=True):
        target = candidate / path.name if pattern else candidate
        try:
            found.setdefault(target, tuple((f.name, f.stat().st_size) for f in sequence.files(target)))
        except (MediaError, OSError):
            continue
    if len(set(found.values())) > 1:
        listed = "; ".join(str(m) for m in found)
        raise MediaError(
            f"{path.name}: {len(found)} different image sequences match its name, so which one is the "
            f"media is unknown: {listed}. Relink with a folder that holds only the right one"
        )
    return next(iter(found), None)
