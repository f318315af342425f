"""A fix for otio-fcp-adapter 1.0.0: it reads a clip's markers off the clock of the clip's times.

In Final Cut Pro 7 and Premiere XML a clip marker's ``<in>`` counts from the media's first frame,
while the parser puts the clip's source range on the media's timecode clock (its ``<in>`` plus the
file's start timecode). A marker on a camera file starting at 01:00:00:00 then fell an hour before
what the clip shows and was left out. This moves each clip marker onto the clip's clock (the
media's available range starts at that timecode). Applied once, only when the adapter is installed.
"""

from __future__ import annotations

from typing import Any

import opentimelineio as otio

from ._otio_common import adapter_module

__all__ = ["read_clip_markers_on_timecode"]


def read_clip_markers_on_timecode() -> None:
    """Patch the FCP 7 XML parser so clip markers are timed as the clip's source range (idempotent)."""
    fcp_xml: Any = adapter_module("fcp_xml")
    if fcp_xml is None:  # the interchange extra is not installed: nothing to fix
        return
    parser: Any = fcp_xml.FCP7XMLParser
    original = parser.clip_for_element
    if getattr(original, "times_markers_on_timecode", False):
        return

    def clip_for_element(
        self: Any, clipitem_element: Any, item_range: Any, start_offset: Any, context: Any
    ) -> Any:
        item = original(self, clipitem_element, item_range, start_offset, context)
        ref = getattr(item, "media_reference", None)
        avail = ref.available_range if ref is not None else None
        if isinstance(item, otio.schema.Clip) and avail is not None and avail.start_time.value:
            for m in item.markers:
                rng = m.marked_range
                start = rng.start_time + avail.start_time.rescaled_to(rng.start_time.rate)
                m.marked_range = otio.opentime.TimeRange(start, rng.duration)
        return item

    clip_for_element.times_markers_on_timecode = True  # type: ignore[attr-defined]
    parser.clip_for_element = clip_for_element
