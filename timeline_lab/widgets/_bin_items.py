"""What the media bin shows per file: probe facts for a tile, a folder's media files, search and sort.

Pure but for probing: the widget keeps the items and asks :func:`select` which to show, so the
kernel (not the widget's JavaScript) decides what a search or a filter matches.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from ..fs import media_type_of
from ..media.reference import reference_from_info
from ..model.media_ref import MediaReference

__all__ = [
    "KINDS",
    "SORTS",
    "USAGES",
    "BinItem",
    "error_item",
    "probe_item",
    "scan_folder",
    "select",
    "with_usage",
]

log = logging.getLogger(__name__)

ItemKind = Literal["video", "audio", "still", "error"]
KINDS: tuple[ItemKind, ...] = ("video", "audio", "still", "error")
"""The kinds of tile a filter can keep (``error``: files that are not readable media)."""
USAGES = ("all", "used", "unused")
"""Which files by use in the project: all of them, those a clip shows, or those none does."""
SORTS = ("name", "duration", "kind", "size")
"""Orders the bin can show: by name, by length (longest first), by kind, by file size (largest first)."""
_MEDIA = ("video", "audio", "image")


@dataclass(frozen=True)
class BinItem:
    """One tile: a file's probe facts as the browser shows them (times are frames at ``tc_rate``)."""

    path: str
    name: str
    kind: ItemKind
    frames: int = 0
    tc_rate: tuple[int, int] = (25, 1)
    fps: str = ""
    width: int = 0
    height: int = 0
    codec: str = ""
    audio: str = ""
    bytes: int = 0
    error: str = ""
    used: bool = False

    def to_json(self) -> dict[str, Any]:
        """The tile's traits (``tc_rate`` as a list, the shape the timecode formatter takes)."""
        data = asdict(self)
        data["tc_rate"] = list(self.tc_rate)
        return data


def error_item(path: str | Path, message: str) -> BinItem:
    """A tile that names the file and says why it cannot be used (never a traceback)."""
    p = Path(path)
    return BinItem(path=str(p), name=p.name, kind="error", error=message)


def _fps(rate: Fraction) -> str:
    return str(int(rate)) if rate.denominator == 1 else f"{float(rate):.3f}".rstrip("0").rstrip(".")


def probe_item(
    path: str | Path, *, display_rate: Fraction = Fraction(25)
) -> tuple[BinItem, MediaReference | None]:
    """Probe ``path`` once: the tile and the MediaReference a clip of it keeps; an error tile if unusable.

    ``display_rate``: the rate audio-only durations are shown at (the project's).
    """
    from ..media.probe import probe

    p = Path(path).resolve()
    try:
        info = probe(p)
        ref = reference_from_info(info)
    except Exception as exc:  # any reason a file is not usable media becomes a tile saying so
        log.debug("media bin: %s is not usable media", p, exc_info=True)
        reason = str(exc).replace(str(p), p.name) or type(exc).__name__
        return error_item(p, reason if reason.startswith(p.name) else f"{p.name}: {reason}"), None
    video, sound = info.primary_video, info.primary_audio
    audio = f"{sound.codec} {sound.sample_rate // 1000} kHz {sound.channels} ch" if sound else ""
    size = p.stat().st_size if p.is_file() else info.size_bytes
    common: dict[str, Any] = {"path": str(p), "name": p.name, "audio": audio, "bytes": size}
    if ref.still and video is not None:
        item = BinItem(
            kind="still", width=ref.width or 0, height=ref.height or 0, codec=video.codec, **common
        )
        return item, ref
    total = ref.available_range.duration.to_frames(ref.rate)
    if video is not None:
        rate = ref.rate
        item = BinItem(
            kind="video",
            frames=total,
            tc_rate=(rate.numerator, rate.denominator),
            fps=_fps(rate),
            width=ref.width or 0,
            height=ref.height or 0,
            codec=video.codec,
            **common,
        )
        return item, ref
    shown = Fraction(total) / ref.rate * display_rate
    tc = (display_rate.numerator, display_rate.denominator)
    item = BinItem(kind="audio", frames=int(shown), tc_rate=tc, codec=sound.codec if sound else "", **common)
    return item, ref


def scan_folder(folder: str | Path, *, recursive: bool = False) -> list[Path]:
    """The media files in ``folder`` (video, audio, images by extension; hidden files skipped), sorted."""
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        from ..errors import MediaError

        raise MediaError(f"media bin: {root} is not a folder")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in filenames:
            if not name.startswith(".") and media_type_of(name) in _MEDIA:
                found.append(Path(dirpath) / name)
    return sorted(found)


def with_usage(items: Iterable[BinItem], used: set[str]) -> list[BinItem]:
    """The items with ``used`` set from the paths the project's clips show."""
    return [
        item if item.used == (item.path in used) else replace(item, used=item.path in used) for item in items
    ]


def select(
    items: Sequence[BinItem],
    *,
    query: str = "",
    kinds: Sequence[str] = KINDS,
    usage: str = "all",
    sort: str = "name",
) -> list[str]:
    """Paths of the items to show, in order: names containing every word of ``query`` (any case),
    of one of ``kinds``, used or unused as ``usage`` says, ordered by ``sort``."""
    if usage not in USAGES:
        raise ValueError(f"usage: must be one of {USAGES}, got {usage!r}")
    if sort not in SORTS:
        raise ValueError(f"sort: must be one of {SORTS}, got {sort!r}")
    words = query.lower().split()
    kept = [
        item
        for item in items
        if item.kind in kinds
        and all(w in item.name.lower() for w in words)
        and (usage == "all" or item.used == (usage == "used"))
    ]
    by_name = sorted(kept, key=lambda i: (i.name.lower(), i.path))
    if sort == "duration":
        by_name.sort(key=lambda i: -Fraction(i.frames) / Fraction(*i.tc_rate))
    elif sort == "kind":
        by_name.sort(key=lambda i: KINDS.index(i.kind))
    elif sort == "size":
        by_name.sort(key=lambda i: -i.bytes)
    return [i.path for i in by_name]
