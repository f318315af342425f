"""Our own exports edited by another OTIO tool: where the file's values (a name, enabled, a trim, a
marker's time) differ from what our metadata would have written, the file's win; the metadata
still brings what OTIO cannot say (effects, keyframes, colour, transforms)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..model.items import Clip, SequenceClip, TextClip
from ..model.speed_ramp import is_ramped
from ..model.time import RationalTime, TimeRange
from ..model.track import Track
from ._otio_common import exact
from ._otio_timecode import start_timecode
from .otio_export import held_start

__all__ = ["edited_clip", "edited_sequence_clip", "edited_text", "edited_track", "same"]

_TOLERANCE = Fraction(1, 100_000)  # seconds: OTIO's float times of our exact ones


def same(a: RationalTime, b: RationalTime) -> bool:
    """The same instant up to OTIO's float rounding."""
    return abs(a.to_seconds() - b.to_seconds()) < _TOLERANCE


def _common(item: Any, child: Any) -> dict[str, Any]:
    """The name and enabled flag the file says, where they differ from what we wrote."""
    changes: dict[str, Any] = {}
    if child.name != item.label():
        changes["name"] = child.name
    if bool(child.enabled) != item.enabled:
        changes["enabled"] = bool(child.enabled)
    return changes


def edited_clip(clip: Clip, child: otio.schema.Clip, r: Fraction) -> Clip:
    """Our clip with the file's name, enabled flag and trim where another tool changed them."""
    changes = _common(clip, child)
    src = child.source_range
    if src is not None:
        span = clip.source_range
        moved = exact(src.start_time) - _clock(clip, child) - held_start(clip, r)  # a slip or a head trim
        if not same(moved, RationalTime(0, 1)):
            span = TimeRange((span.start + moved).rescaled_to(span.start.rate), span.duration)
        if not is_ramped(clip) and not same(exact(src.duration), RationalTime.from_frames(clip.frames(r), r)):
            span = TimeRange(span.start, exact(src.duration).rescaled_to(span.start.rate) * clip.speed)
        if span != clip.source_range:
            changes["source_range"] = span
    return clip.model_copy(update=changes) if changes else clip


def _clock(clip: Clip, child: otio.schema.Clip) -> RationalTime:
    """Where the file's source times count from: the start its reference was written with."""
    avail = child.media_reference.available_range if child.media_reference is not None else None
    if avail is not None:
        return exact(avail.start_time) - clip.media.available_range.start
    return start_timecode(clip.media)


def edited_text(item: TextClip, child: otio.schema.Clip, r: Fraction) -> TextClip:
    """Our text clip with the file's name, enabled flag and length where another tool changed them."""
    changes = _common(item, child)
    length = exact(child.trimmed_range().duration)
    if not same(length, RationalTime.from_frames(item.frames(r), r)) and length.to_frames(r, "nearest") > 0:
        changes["duration"] = length.snapped(r)
    return item.model_copy(update=changes) if changes else item


def edited_sequence_clip(item: SequenceClip, child: Any, span: TimeRange) -> SequenceClip:
    """Our nested sequence's clip with the file's name, enabled flag and span (``span``) where
    another tool changed them."""
    changes = _common(item, child)
    if span != item.source_range:
        changes["source_range"] = span
    return item.model_copy(update=changes) if changes else item


def edited_track(track: Track, ot: otio.schema.Track) -> Track:
    """Our track with the file's name and enabled flag where another tool changed them."""
    if ot.name != (track.name or track.id):
        track.name = ot.name
    track.enabled = bool(ot.enabled)
    return track
