"""A fix for otio-fcp-adapter 1.0.0: it reads a sequence without its length and without its switches.

Its parser keeps a clip's or track's ``<enabled>FALSE</enabled>`` only as metadata (the OTIO item
stays enabled, so a clip switched off in Final Cut Pro 7 or Premiere renders), and ignores the
sequence's ``<duration>`` (left unread upstream), so the empty time after the last clip is lost. This reads
both: switched-off items and tracks disabled, the first track padded with a gap to the duration.
Applied once, only when the adapter is installed.
"""

from __future__ import annotations

from typing import Any

import opentimelineio as otio

from ._otio_common import adapter_module

__all__ = ["disabled_from_metadata", "read_sequences_whole"]


def read_sequences_whole() -> None:
    """Patch the FCP 7 XML parser so sequences keep their duration and switched-off items (idempotent)."""
    fcp_xml: Any = adapter_module("fcp_xml")
    if fcp_xml is None:  # the interchange extra is not installed: nothing to fix
        return
    parser: Any = fcp_xml.FCP7XMLParser
    original = parser.timeline_for_sequence
    if getattr(original, "reads_whole_sequences", False):
        return

    def timeline_for_sequence(self: Any, sequence_element: Any, context: Any) -> Any:
        timeline = original(self, sequence_element, context)
        rate = fcp_xml._rate_from_context(context.context_pushing_element(sequence_element))
        _padded(timeline, sequence_element.findtext("./duration"), rate)
        disabled_from_metadata(timeline.tracks)
        return timeline

    timeline_for_sequence.reads_whole_sequences = True  # type: ignore[attr-defined]
    parser.timeline_for_sequence = timeline_for_sequence


def _padded(timeline: otio.schema.Timeline, duration: str | None, rate: float) -> None:
    """The first track lasting the sequence's ``<duration>`` frames (a trailing gap where it is shorter)."""
    try:
        frames = int(float(duration or ""))
    except ValueError:
        return
    if not len(timeline.tracks) or frames <= 0:
        return
    first = timeline.tracks[0]
    missing = otio.opentime.RationalTime(frames, rate) - timeline.tracks.duration().rescaled_to(rate)
    if missing.value > 0:
        first.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=missing)))


def disabled_from_metadata(stack: otio.schema.Stack) -> None:
    """Every track and item the file switched off (``<enabled>FALSE</enabled>``), disabled."""
    for obj in [stack, *stack.find_children()]:
        flag = obj.metadata.get("fcp_xml", {}).get("enabled") if hasattr(obj, "enabled") else None
        if isinstance(flag, str) and flag.strip().upper() == "FALSE":
            obj.enabled = False
