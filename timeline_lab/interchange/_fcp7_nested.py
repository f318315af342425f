"""A fix for otio-fcp-adapter 1.0.0: it reads a nested ``<sequence>`` without its tracks.

Its parser builds a nested sequence's stack from the ``<sequence>`` element's own children, where
there are no ``<video>``/``<audio>`` elements (they sit in its ``<media>``), so every compound clip
of a Final Cut Pro 7 / Premiere XML file comes back empty and renders black. The top level is read
from ``<media>``; this makes nested sequences read the same way. Applied once, only when the
adapter is installed, and only to elements the parser would otherwise read as empty.
"""

from __future__ import annotations

from typing import Any

from ._otio_common import adapter_module

__all__ = ["read_nested_sequences_fully"]


def read_nested_sequences_fully() -> None:
    """Patch the FCP 7 XML parser so a nested sequence's tracks are read (idempotent)."""

    fcp_xml: Any = adapter_module("fcp_xml")
    if fcp_xml is None:  # the interchange extra is not installed: nothing to fix
        return
    parser: Any = fcp_xml.FCP7XMLParser
    original = parser.stack_for_element
    if getattr(original, "reads_nested_media", False):
        return

    def stack_for_element(self: Any, element: Any, context: Any) -> Any:
        if element is not None and element.tag == "sequence":
            media = self._derefed_element(element.find("./media"))
            if media is not None:
                stack = original(self, media, context)
                stack.name = fcp_xml._name_from_element(element) or ""
                return stack
        return original(self, element, context)

    stack_for_element.reads_nested_media = True  # type: ignore[attr-defined]
    parser.stack_for_element = stack_for_element
