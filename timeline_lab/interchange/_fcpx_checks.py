"""An FCPX document checked before otio-fcpx-xml-adapter 1.x reads it, each fault named by element.

The adapter met a bad value with whatever Python raised on the way ("not enough values to unpack"
for ``frameDuration="0s"``, "maximum recursion depth exceeded" for a compound clip that shows itself)
and read a dangling ``ref`` as a gap. Here a time that is not one, a negative duration, a frame
duration that is not positive, a lane that is not a number, a missing required attribute, a ``ref``
or ``format`` naming no resource and compound clips that show themselves are refused, naming the
element, its attribute and its id (the import adds the file).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ._fcpx_rates import seconds

__all__ = ["MAX_NESTING", "check_document", "checked_reader"]

MAX_NESTING = 100
"""Compound clips in compound clips, at most (Final Cut's own projects nest a few)."""

_TIMES = ("offset", "start", "duration", "tcStart", "audioStart", "audioDuration")
_PLACED = ("asset-clip", "ref-clip", "mc-clip", "sync-clip", "clip", "gap", "title", "transition")
"""Story elements that must say how long they are."""
_REFERRING = ("asset-clip", "ref-clip", "mc-clip", "title", "video", "audio")
"""Story elements whose ``ref`` names a resource (an asset, a compound or multicam, an effect)."""


class FcpxDocumentError(ValueError):
    """An FCPX document the reader cannot use, naming the element (the import names the file)."""


def checked_reader(fcpx: Any) -> None:
    """Patch the adapter's reader to check the document first (idempotent)."""
    reader = fcpx.FcpxXml
    if getattr(reader.to_otio, "checked", False):
        return
    original = reader.to_otio

    def to_otio(self: Any) -> Any:
        check_document(self.fcpx_xml)
        return original(self)

    to_otio.checked = True  # type: ignore[attr-defined]
    reader.to_otio = to_otio


def check_document(root: Any) -> None:
    """Raise FcpxDocumentError naming the first element the reader could not use."""
    resources = root.find("resources")
    ids = {e.get("id"): e for e in (resources if resources is not None else ())}
    for el in root.iter():
        for attr in _TIMES:
            if el.get(attr) is not None:
                t = _time(el, attr)
                if attr.endswith(("duration", "Duration")) and t < 0:
                    raise FcpxDocumentError(f'{_named(el)}: {attr}="{el.get(attr)}" is negative')
        if el.tag == "timept":
            _time(el, "time")
            _time(el, "value")
        if el.tag == "format" and el.get("frameDuration") is not None and _time(el, "frameDuration") <= 0:
            raise FcpxDocumentError(
                f'{_named(el)}: frameDuration="{el.get("frameDuration")}" is not positive'
            )
        if el.get("lane") is not None and not el.get("lane", "").strip().lstrip("-").isdigit():
            raise FcpxDocumentError(f'{_named(el)}: lane="{el.get("lane")}" is not a whole number')
        if el.tag in _PLACED and el.get("duration") is None:
            raise FcpxDocumentError(f"{_named(el)}: has no duration")
        if el.tag in _REFERRING and el.get("ref") is not None and el.get("ref") not in ids:
            raise FcpxDocumentError(f'{_named(el)}: ref="{el.get("ref")}" names no resource')
        fmt = el.get("format")
        if fmt is not None and (fmt not in ids or ids[fmt].tag != "format"):
            raise FcpxDocumentError(f'{_named(el)}: format="{fmt}" names no <format>')
        if el.tag == "sequence":
            _sequence_format(el, ids)
    _no_cycles(ids)


def _time(el: Any, attr: str) -> Fraction:
    """The element's time attribute, or FcpxDocumentError naming it."""
    text = el.get(attr)
    try:
        return seconds(text)
    except (ValueError, ZeroDivisionError):
        msg = f'{_named(el)}: {attr}="{text}" is not a time (such as "1001/30000s" or "3600s")'
        raise FcpxDocumentError(msg) from None


def _sequence_format(sequence: Any, ids: dict[str, Any]) -> None:
    """A sequence's format gives its frame rate: it must be named and have a frame duration."""
    fmt = ids.get(sequence.get("format"))
    if fmt is None:
        raise FcpxDocumentError(f"{_named(sequence)}: has no format (its frame rate)")
    if fmt.get("frameDuration") is None:
        raise FcpxDocumentError(f"{_named(fmt)}: a sequence's format has no frameDuration (its frame rate)")


def _no_cycles(ids: dict[str, Any]) -> None:
    """No compound clip (``<media>``) may show itself, directly or through others, nor nest deeper
    than MAX_NESTING (the reader recurses once a level)."""
    shows = {
        mid: [c.get("ref") for c in media.iter() if c.tag in ("ref-clip", "mc-clip") and c.get("ref") in ids]
        for mid, media in ids.items()
        if media.tag == "media"
    }
    depth: dict[str, int] = {}
    for root in shows:
        path, todo = [root], [iter(shows[root])]
        while todo:
            ref = next(todo[-1], None)
            if ref is None:  # every compound this one shows is done
                mid = path.pop()
                todo.pop()
                depth[mid] = 1 + max((depth[r] for r in shows[mid] if r in depth), default=0)
                if depth[mid] > MAX_NESTING:
                    raise FcpxDocumentError(
                        f"{_named(ids[mid])}: nests compound clips over {MAX_NESTING} deep"
                    )
            elif ref in path:
                loop = " -> ".join([*path[path.index(ref) :], ref])
                raise FcpxDocumentError(f"{_named(ids[ref])}: shows itself ({loop})")
            elif ref not in depth and ref in shows:
                path.append(ref)
                todo.append(iter(shows[ref]))


def _named(el: Any) -> str:
    """How a message names an element: ``FCPX <asset-clip name="a" ref="r2">``."""
    attrs = " ".join(f'{k}="{el.get(k)}"' for k in ("id", "name", "ref") if el.get(k) is not None)
    return f"FCPX <{el.tag}{' ' + attrs if attrs else ''}>"
