"""Our own exports edited by another OTIO tool: where the file's values (a name, enabled, a trim,
the media, a speed or freeze, a transition's offsets, a marker's time) differ from what our
metadata would have written, the file's win; the metadata still brings what OTIO cannot say
(effects, keyframes, colour, transforms)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..model.items import Clip, SequenceClip, TextClip
from ..model.properties import Effect
from ..model.speed_ramp import SPEED, is_ramped
from ..model.time import RationalTime, TimeRange
from ..model.track import Track
from ..model.transition import Transition
from ._otio_common import exact
from ._otio_timecode import start_timecode
from .otio_export import held_start, time_effect

__all__ = ["edited_clip", "edited_sequence_clip", "edited_text", "edited_track", "edited_transition", "same"]

_SCALAR_TOLERANCE = 1e-9  # OTIO keeps a speed as a float: what we wrote comes back bit for bit

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
    """Our clip with the file's name, enabled flag, speed (or freeze) and trim where another tool
    changed them."""
    changes = _common(clip, child)
    clip = _edited_time(clip, child, r)  # first: the trim's source span counts at the file's speed
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


def _warp(fx: otio.schema.Effect | None) -> float | None:
    """A time effect as one number: its speed (negative: reversed; 1: none), None for a freeze."""
    if fx is None:
        return 1.0
    if isinstance(fx, otio.schema.FreezeFrame):
        return None
    scalar = float(fx.time_scalar)
    return None if scalar == 0 else scalar


def _file_warp(child: otio.schema.Clip) -> float | None:
    """The file's time effect on a clip as :func:`_warp` counts it (its first one)."""
    kinds = otio.schema.FreezeFrame | otio.schema.LinearTimeWarp
    warps = (fx for fx in child.effects if isinstance(fx, kinds))
    return _warp(next(warps, None))


def _edited_time(clip: Clip, child: otio.schema.Clip, r: Fraction) -> Clip:
    """Our clip at the file's speed, direction or freeze where another tool changed what we wrote
    (a ramp another tool retimed is that constant speed)."""
    ours, theirs = _warp(time_effect(clip, r)), _file_warp(child)
    if ours == theirs or (ours is not None and theirs is not None and abs(ours - theirs) < _SCALAR_TOLERANCE):
        return clip
    effects = [fx for fx in clip.effects if fx.kind not in ("freeze", "reverse")]
    keyframes = {k: v for k, v in clip.keyframes.items() if k != SPEED}
    speed = clip.speed if not is_ramped(clip) else Fraction(1)
    if theirs is None:  # OTIO's freeze holds its range's first frame
        effects.append(Effect(kind="freeze", params={"frame": 0}))
    else:
        speed = abs(Fraction(theirs).limit_denominator(1000))
        if theirs < 0:  # OTIO's reverse: the same span played backwards
            effects.append(Effect(kind="reverse"))
    return clip.model_copy(update={"effects": effects, "keyframes": keyframes, "speed": speed})


def edited_transition(tr: Transition, child: otio.schema.Transition, r: Fraction) -> Transition | None:
    """Our transition with the file's offsets either side of the cut where another tool changed
    them (None: the file makes it zero frames long)."""
    after, before = tr.handles(r)
    file_before = exact(child.in_offset).to_frames(r, "nearest")
    file_after = exact(child.out_offset).to_frames(r, "nearest")
    if (file_before, file_after) == (before, after):
        return tr
    if file_before + file_after == 0:
        return None
    duration = RationalTime.from_frames(file_before + file_after, r)
    return tr.model_copy(update={"duration": duration, "in_offset": RationalTime.from_frames(file_before, r)})


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
