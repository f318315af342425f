"""FCP 7 XML items checked before otio-fcp-adapter 1.0.0 reads them, so a malformed one is named.

Its parser reads ``int(item.find("./start").text)`` and a transition's ``<alignment>`` unguarded:
an item without ``<start>`` failed as "'NoneType' object has no attribute 'text'", and ``<start>
-1`` (at a transition) with no transition beside it as "... no attribute 'find'", naming nothing.
Here the item (its tag, id and name) and the field are named; whatever else its parser trips on
in an item is named with the item too.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ProjectFileError
from ._otio_common import adapter_module

__all__ = ["check_fcp7_items"]


def _what(element: Any) -> str:
    """An element as an error names it: ``<clipitem id="c"> "a"``."""
    ident = element.get("id")
    name = element.findtext("./name")
    said = f" id={json.dumps(ident)}" if ident else ""
    return f"<{element.tag}{said}>" + (f" {json.dumps(name)}" if name else "")


def _whole(element: Any, field: str) -> int:
    """A child element's whole number, or an error naming the element and the field."""
    child = element.find(f"./{field}")
    if child is None or child.text is None:
        raise ProjectFileError(f"{_what(element)}: <{field}> is missing")
    try:
        return int(child.text.strip())
    except ValueError:
        raise ProjectFileError(f"{_what(element)}: <{field}> {child.text!r} is not a whole number") from None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _transition_beside(item: Any, transition: Any, field: str, side: str) -> None:
    """``<field>`` -1 places an item's edge at a transition's cut: that transition, readable."""
    if transition is None:
        msg = f"{_what(item)}: <{field}> -1 (at a transition's cut) with no <transitionitem> {side} it"
        raise ProjectFileError(msg)
    if transition.find("./alignment") is None:
        raise ProjectFileError(f"{_what(transition)}: <alignment> is missing")
    _whole(transition, "start")
    _whole(transition, "end")


def check_fcp7_items() -> None:
    """Patch the FCP 7 XML parser to check each track item before reading it (idempotent)."""
    fcp_xml: Any = adapter_module("fcp_xml")
    if fcp_xml is None:  # the interchange extra is not installed: nothing to check
        return
    parser: Any = fcp_xml.FCP7XMLParser
    original = parser.item_and_timing_for_element
    if getattr(original, "checks_items", False):
        return

    def item_and_timing_for_element(self: Any, item: Any, head: Any, tail: Any, context: Any) -> Any:
        if _whole(item, "start") == -1:
            _transition_beside(item, head, "start", "before")
        if _whole(item, "end") == -1:
            _transition_beside(item, tail, "end", "after")
        if item.tag == "transitionitem" and item.find("./alignment") is None:
            raise ProjectFileError(f"{_what(item)}: <alignment> is missing")
        for field in ("in", "out"):  # where given: a number of frames
            text = item.findtext(f"./{field}")
            if text is not None and not _number(text):
                raise ProjectFileError(f"{_what(item)}: <{field}> {text!r} is not a number")
        try:
            return original(self, item, head, tail, context)
        except ProjectFileError:
            raise
        except (AttributeError, TypeError, ValueError, KeyError, ZeroDivisionError) as exc:
            raise ProjectFileError(f"{_what(item)}: {type(exc).__name__}: {exc}") from None

    item_and_timing_for_element.checks_items = True  # type: ignore[attr-defined]
    parser.item_and_timing_for_element = item_and_timing_for_element
