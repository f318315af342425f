"""Image sequences (``frames/%05d.png``, ``shots/*.jpg``, a folder of images) as one video stream.

FFmpeg's image2 demuxer reads them: frame ``k`` is the k-th file (in number order: ``frame_2``
before ``frame_10``, as ``%d`` counts, for a glob or folder too) at pts ``k`` in ``1/rate``. A
sequence has no rate of its own, so whoever opens one says which (the clip's media rate); every
opener goes through :func:`open_args` so probe, frame access, render and the printed ffmpeg command
read the same frames.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import NotRequired, TypedDict

from ..core.cache import file_stamp
from ..errors import MediaError
from ..fs import MEDIA_EXTENSIONS

__all__ = ["DEFAULT_RATE", "Numbering", "cli_args", "files", "identity", "is_sequence", "numbering",
           "open_args"]  # fmt: skip

DEFAULT_RATE = Fraction(25)
"""The rate a sequence is read at when none is given (image2's own default)."""
IMAGE_SUFFIXES = MEDIA_EXTENSIONS["image"] - {".gif"}
"""Still-image files a folder sequence is made of (a GIF is a clip of its own)."""
_PRINTF = re.compile(r"%0?(\d*)d")
_NUMBERED = re.compile(r"^(.*?)(\d+)(\D*)$")


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
        spellings: dict[str, set[str]] = {}
        for f in path.iterdir():
            if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file():  # .png and .PNG are one kind
                kinds[f.suffix.lower()] = kinds.get(f.suffix.lower(), 0) + 1
                spellings.setdefault(f.suffix.lower(), set()).add(f.suffix)
        if not kinds:
            kinds_text = "/".join(sorted(IMAGE_SUFFIXES))
            msg = f"{path}: is a directory, not a media file (nor a folder of {kinds_text} images)"
            raise MediaError(msg)
        suffix = max(kinds, key=lambda k: kinds[k])
        if len(spellings[suffix]) == 1:  # (image2 guesses the decoder from it where it cannot probe)
            return f"{glob.escape(str(path))}{os.sep}*{glob.escape(spellings[suffix].pop())}"
        either = "".join(f"[{c}{c.upper()}]" if c.isalpha() else glob.escape(c) for c in suffix)
        return f"{glob.escape(str(path))}{os.sep}*{either}"
    return str(path)


def files(path: str | os.PathLike[str]) -> list[Path]:
    """The images of a sequence in frame order; MediaError when there are none."""
    p = Path(path)
    m = _PRINTF.search(p.name)
    if m and not p.is_dir():
        width = int(m.group(1) or 0)
        rx = re.compile(re.escape(p.name[: m.start()]) + r"(\d+)" + re.escape(p.name[m.end() :]) + "$")
        found = [  # the names printf writes: %03d is 007 and 1000
            (int(x.group(1)), f)
            for f in _listing(p.parent)
            if (x := rx.match(f.name)) and x.group(1) == str(int(x.group(1))).zfill(width)
        ]
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
        # the same POSIX glob image2 expands (Path.glob takes no absolute pattern), in number order
        out = sorted((Path(f) for f in glob.glob(_glob(p)) if Path(f).is_file()), key=_natural)  # noqa: PTH207
        _check_case_twins(path, out)
    if not out:
        raise MediaError(f"{path}: image sequence has no images")
    return out


def _natural(f: Path) -> tuple[list[str | int], str]:
    """Number order: the name's runs of digits compared as numbers (``frame_2`` before ``frame_10``)."""
    runs = re.split(r"(\d+)", f.name)  # text at even places, digits at odd ones
    return [int(r) if i % 2 else r for i, r in enumerate(runs)], f.name


def _check_case_twins(path: str | os.PathLike[str], images: list[Path]) -> None:
    """Refuse images whose names differ only in case (``f_001.png``, ``f_001.PNG``): which is meant?"""
    seen: dict[tuple[Path, str], Path] = {}
    for f in images:
        twin = seen.setdefault((f.parent, f.name.lower()), f)
        if twin is not f:
            msg = f"{path}: images {twin.name} and {f.name} differ only in case; rename or remove one"
            raise MediaError(msg)


@dataclass(frozen=True)
class Numbering:
    """How an image sequence's files are named: ``<folder>/<prefix><number><suffix>``, numbers in a row
    from ``start``, ``padding`` digits (0: as many as the number needs): OTIO's ImageSequenceReference."""

    folder: Path
    prefix: str
    suffix: str
    start: int
    padding: int


def numbering(images: list[Path]) -> Numbering | None:
    """The numbering that names ``images`` in this order: one folder, prefix and suffix, numbers in
    a row, one width or none padded; None where they are named otherwise (no printf pattern, and no
    OTIO image sequence, can find them by number)."""
    parts = [m.groups() if (m := _NUMBERED.match(f.name)) else None for f in images]
    named = [x for x in parts if x is not None]
    if (
        not images
        or len(named) != len(images)
        or len({(x[0], x[2]) for x in named}) != 1
        or len({f.parent for f in images}) != 1
    ):
        return None
    numbers = [int(x[1]) for x in named]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    first = named[0][1]
    width = len(first) if first.startswith("0") else 0  # 007: %03d (which writes 1000 as 1000)
    if any(x[1] != str(n).zfill(width) for x, n in zip(named, numbers, strict=True)):
        return None  # padded to differing widths
    return Numbering(images[0].parent, named[0][0], named[0][2], numbers[0], width)


def _printf(images: list[Path]) -> tuple[str, int] | None:
    """The printf name (``%`` in the text doubled) and first number that read ``images`` in this
    order (``numbering``); None where no pattern does."""
    if (named := numbering(images)) is None:
        return None
    digits = f"%0{named.padding}d" if named.padding else "%d"
    prefix, suffix = (x.replace("%", "%%") for x in (named.prefix, named.suffix))
    return prefix + digits + suffix, named.start


def _escaped_folder(folder: Path) -> str:
    """A folder as the start of an image2 printf pattern: its ``%`` doubled (``100% done``)."""
    return str(folder).replace("%", "%%") + os.sep


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
        return {"file": _escaped_folder(p.parent) + p.name, "format": "image2", "options": options}
    images = files(p)
    numbered = _printf(images)
    if numbered is not None:  # printf reads exactly these files, in number order
        name, start = numbered
        options.update(pattern_type="sequence", start_number=str(start))
        return {"file": _escaped_folder(images[0].parent) + name, "format": "image2", "options": options}
    if images != sorted(images, key=os.fsencode):  # image2's glob reads them in byte order of their paths
        first, second = next((a, b) for a, b in itertools.pairwise(images) if os.fsencode(a) > os.fsencode(b))
        msg = f"{path}: FFmpeg reads {second.name} before {first.name} (by name, not number); "
        raise MediaError(msg + "pad the numbers with zeros or give a printf pattern")
    options.update(pattern_type="glob")
    return {"file": _glob(p), "format": "image2", "options": options}


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
