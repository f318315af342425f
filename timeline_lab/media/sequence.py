"""Image sequences (``frames/%05d.png``, ``shots/*.jpg``, a folder of images) as one video stream.

FFmpeg's image2 demuxer reads them: frame ``k`` is the k-th file (in number or name order) at
pts ``k`` in ``1/rate``. A sequence has no rate of its own, so whoever opens one says which
(the clip's media rate); every opener goes through :func:`open_args` so probe, frame access,
render and the printed ffmpeg command read the same frames.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import NotRequired, TypedDict

from ..core.cache import file_stamp
from ..errors import MediaError
from ..fs import MEDIA_EXTENSIONS

__all__ = ["DEFAULT_RATE", "cli_args", "files", "identity", "is_sequence", "open_args"]

DEFAULT_RATE = Fraction(25)
"""The rate a sequence is read at when none is given (image2's own default)."""
IMAGE_SUFFIXES = MEDIA_EXTENSIONS["image"] - {".gif"}
"""Still-image files a folder sequence is made of (a GIF is a clip of its own)."""
_PRINTF = re.compile(r"%0?(\d*)d")


def is_sequence(path: str | os.PathLike[str]) -> bool:
    """True for a printf pattern, a glob of images, or a folder (never for a plain file)."""
    p = Path(path)
    if p.is_dir():
        return True
    if p.exists():
        return False
    return bool(_PRINTF.search(p.name) or glob.has_magic(p.name))


def _glob(path: Path) -> str:
    """The glob a sequence means: the folder's images of its most common kind, or the pattern."""
    if path.is_dir():
        kinds: dict[str, int] = {}
        for f in path.iterdir():
            if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file():
                kinds[f.suffix] = kinds.get(f.suffix, 0) + 1
        if not kinds:
            kinds_text = "/".join(sorted(IMAGE_SUFFIXES))
            msg = f"{path}: is a directory, not a media file (nor a folder of {kinds_text} images)"
            raise MediaError(msg)
        suffix = max(kinds, key=lambda k: kinds[k])
        return f"{glob.escape(str(path))}{os.sep}*{suffix}"
    return str(path)


def files(path: str | os.PathLike[str]) -> list[Path]:
    """The images of a sequence in frame order; MediaError when there are none."""
    p = Path(path)
    m = _PRINTF.search(p.name)
    if m and not p.is_dir():
        width = int(m.group(1) or 0)
        digits = rf"\d{{{width}}}" if width else r"\d+"
        rx = re.compile(re.escape(p.name[: m.start()]) + f"({digits})" + re.escape(p.name[m.end() :]) + "$")
        found = [(int(x.group(1)), f) for f in _listing(p.parent) if (x := rx.match(f.name))]
        found.sort()
        out = [f for _, f in found]
        if out:  # image2 reads numbers in a row: a hole would end (or break) the clip unseen
            first = found[0][0]
            n = next((i for i, (k, _) in enumerate(found) if k != first + i), len(found))
            if n < len(found):
                number = str(first + n).zfill(width)
                missing = p.name[: m.start()] + number + p.name[m.end() :]
                msg = f"{path}: image {missing} is missing; a numbered sequence cannot have gaps (use a glob)"
                raise MediaError(msg)
    else:
        # the same POSIX glob image2 expands (Path.glob takes no absolute pattern)
        out = sorted(Path(f) for f in glob.glob(_glob(p)) if Path(f).is_file())  # noqa: PTH207
    if not out:
        raise MediaError(f"{path}: image sequence has no images")
    return out


def _listing(folder: Path) -> list[Path]:
    try:
        return [f for f in folder.iterdir() if f.is_file()]
    except OSError as exc:
        reason = exc.strerror or exc
        raise MediaError(f"{folder}: cannot list the image sequence's folder ({reason})") from None


def _start_number(path: Path) -> int:
    m = _PRINTF.search(path.name)
    assert m is not None
    first = files(path)[0].name
    return int(first[m.start() : len(first) - (len(path.name) - m.end())])


class OpenArgs(TypedDict):
    """Keyword arguments for ``av.open``: a file's, or an image sequence's (format and options)."""

    file: str
    format: NotRequired[str]
    options: NotRequired[dict[str, str]]


def open_args(path: str | os.PathLike[str], rate: Fraction | None) -> OpenArgs:
    """Keyword arguments for ``av.open`` that read the sequence at ``rate`` (default 25)."""
    p = Path(path)
    options = {"framerate": _q(rate or DEFAULT_RATE)}
    if _PRINTF.search(p.name) and not p.is_dir():
        options.update(pattern_type="sequence", start_number=str(_start_number(p)))
        url = str(p)
    else:
        options.update(pattern_type="glob")
        url = _glob(p)
    return {"file": url, "format": "image2", "options": options}


def cli_args(path: str | os.PathLike[str], rate: Fraction | None) -> list[str]:
    """The same reading for the ffmpeg CLI: options before ``-i``."""
    args = open_args(path, rate)
    out: list[str] = ["-f", "image2"]
    for key, value in args["options"].items():
        out += [f"-{key}", value]
    return [*out, "-i", args["file"]]


def identity(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """(images, total bytes, stamp of every image's name, size, mtime, ctime and inode): changes
    whenever any image does, even one rewritten in place with its old size and mtime."""
    h = hashlib.sha256()
    images = files(path)
    total = 0
    for f in images:
        try:
            st = f.stat()
        except OSError as exc:
            raise MediaError(
                f"{f}: cannot read an image of the sequence {path} ({exc.strerror or exc})"
            ) from None
        stamp, size = file_stamp(st)
        total += size
        h.update(f"{f.name}\0{stamp}\0{size}\0{st.st_ino}\0{st.st_dev}\n".encode("utf-8", "surrogateescape"))
    return len(images), total, int.from_bytes(h.digest()[:8], "big")


def _q(rate: Fraction) -> str:
    r = Fraction(rate)
    return f"{r.numerator}/{r.denominator}"
