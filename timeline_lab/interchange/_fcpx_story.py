"""A fix for otio-fcpx-xml-adapter 1.x: how its reader lays a sequence's story out on tracks.

Its reader placed every clip by frame counts at each clip's own rate (a 30 fps clip in a 24 fps
project left black and shifted what follows), counted from 0 instead of the sequence's ``tcStart``
(a project starting at 01:00:00:00 got an hour of black), read a ``<clip>``'s ``<audio lane="-1">``
as a second picture clip after its ``<video>``, dropped transitions, ``enabled="0"`` and the
sequence's duration, and sorted lanes as text. This lays the same elements out in exact seconds:
positions from ``tcStart``, a clip's own audio on its own lane, transitions as OTIO transitions
around their cut, switched-off clips disabled, the primary storyline as long as the sequence. Its
writer wrote no ``enabled``; now a switched-off clip (or a clip of a switched-off track) has
``enabled="0"``. Applied once, only when the adapter is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ._fcpx_rates import seconds
from ._otio_common import adapter_module

__all__ = ["PICTURE_ONLY", "fcpx_story_exact"]

_PLACED = ("video", "audio", "ref-clip", "asset-clip", "transition")
PICTURE_ONLY = "fcpx_picture_only"
"""Metadata on a ``<clip>``'s ``<video>``: picture only (a storyline's clips otherwise carry sound)."""


def fcpx_story_exact() -> None:
    """Patch the FCPX XML reader's layout and its writer's switches (idempotent)."""
    fcpx: Any = adapter_module("fcpx_xml")
    if fcpx is None:  # the interchange extra is not installed: nothing to fix
        return
    if getattr(fcpx.FcpxXml._squence_to_stack, "exact_story", False):
        return
    fcpx.FcpxXml._squence_to_stack = _sequence_to_stack
    fcpx.FcpxOtio._element_for_item = _switched(fcpx.FcpxOtio._element_for_item)
    fcpx.FcpxOtio._offset_based_on_parent = _offset_on_parent


@dataclass
class _Placed:
    lane: int
    at: Fraction
    """Seconds from the sequence's start."""
    order: int
    element: Any
    composable: Any


def _sequence_to_stack(self: Any, sequence: Any, name: str = "", source_range: Any = None) -> Any:
    """The sequence's story as OTIO tracks, one a lane, every item where its exact time says."""
    fmt = sequence.get("format")
    rate = Fraction(self._format_frame_rate(fmt)).limit_denominator(1001)
    origin = seconds(sequence.get("tcStart"))
    placed: list[_Placed] = []
    for n, el in enumerate(sequence.iter()):
        if el.tag not in _PLACED:
            continue
        timing = el if el.tag == "transition" else self._timing_clip(el)
        composable = None if el.tag == "transition" else self._build_composable(el, fmt)
        if composable is not None and "0" in (timing.get("enabled"), el.get("enabled")):
            composable.enabled = False
        if (
            composable is not None
            and el.tag == "video"
            and timing is not el
            and timing.find("audio") is not None
        ):
            composable.metadata[PICTURE_ONLY] = True  # its clip's sound is the <audio> beside it
        at = _at(self, timing, sequence) - origin
        placed.append(_Placed(_lane(self, el, timing), at, n, el, composable))
    stack = otio.schema.Stack(name=name, source_range=source_range)
    for lane in sorted({p.lane for p in placed}, key=lambda n: (n >= 0, abs(n))):  # -1, -2.., 0, 1..
        items = sorted((p for p in placed if p.lane == lane), key=lambda p: (p.at, p.order))
        kinds = [self._audio_only(p.element) for p in items if p.composable is not None]
        kind = otio.schema.TrackKind.Audio if kinds and all(kinds) else otio.schema.TrackKind.Video
        stack.append(_track(str(lane), kind, items, rate))
    _pad(stack, seconds(sequence.get("duration")), rate)
    return stack


_sequence_to_stack.exact_story = True  # type: ignore[attr-defined]


def _at(self: Any, el: Any, sequence: Any) -> Fraction:
    """Where ``el`` starts, in seconds on the sequence's clock (``tcStart`` not yet taken off)."""
    parent = self.child_parent_map.get(el)
    offset = seconds(el.get("offset"))
    if parent is None or parent is sequence:
        return offset
    if parent.tag == "spine":
        holder = self.child_parent_map.get(parent)
        if holder is sequence or holder is None:
            return offset
        # a secondary storyline: on the clip it hangs from (as the adapter read it)
        return _at(self, self._timing_clip(holder), sequence) + offset
    return _at(self, parent, sequence) + offset - seconds(parent.get("start"))


def _lane(self: Any, el: Any, timing: Any) -> int:
    """The lane an element plays on: its own (a clip's ``<audio lane="-1">``), its storyline's, its clip's."""
    if el is not timing and el.get("lane") is not None:
        return int(el.get("lane"))
    if el.tag == "audio" and timing.find("video") is not None:  # a clip's own sound, under its picture
        return -1
    parent = self.child_parent_map.get(timing)
    if parent is not None and parent.tag == "spine" and parent.get("lane") is not None:
        return int(parent.get("lane"))
    return int(timing.get("lane", "0"))


def _track(name: str, kind: str, items: list[_Placed], rate: Fraction) -> otio.schema.Track:
    """One lane's items in time order, gaps where time is empty, transitions around their cut."""
    track, end = otio.schema.Track(name=name, kind=kind), Fraction(0)
    for p in items:
        if p.composable is None:  # a transition: its span either side of the cut it sits on
            span = seconds(p.element.get("duration"))
            before, after = max(end - p.at, Fraction(0)), max(p.at + span - end, Fraction(0))
            if len(track) and before + after > 0:
                track.append(_transition(p.element, before, after, rate))
            continue
        if p.at > end:
            track.append(
                otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=_time(p.at - end, rate)))
            )
            end = p.at
        track.append(p.composable)
        length = p.composable.trimmed_range().duration
        end += Fraction(length.value).limit_denominator(1_000_000) / Fraction(length.rate).limit_denominator(
            1001
        )
    return track


def _transition(el: Any, before: Fraction, after: Fraction, rate: Fraction) -> otio.schema.Transition:
    name = el.get("name") or ""
    kind = otio.schema.TransitionTypes.SMPTE_Dissolve if "dissolve" in name.lower() else name
    return otio.schema.Transition(
        name=name, transition_type=kind, in_offset=_time(before, rate), out_offset=_time(after, rate)
    )


def _time(secs: Fraction, rate: Fraction) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(float(secs * rate), float(rate))


def _pad(stack: otio.schema.Stack, duration: Fraction, rate: Fraction) -> None:
    """The primary storyline (lane 0, else the first) lasting the sequence's duration."""
    if not len(stack) or duration <= 0:
        return
    track = next((t for t in stack if t.name == "0"), stack[0])
    missing = _time(duration, rate) - stack.duration().rescaled_to(float(rate))
    if missing.value > 1e-6:
        track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=missing)))


_MICROSECONDS = 1_000_000.0
"""A clock the writer's ``from_rational_time`` turns back into the exact fraction (its frame times
were rounded at the sequence rate: a source start between frames moved a connected clip a frame)."""


def _offset_on_parent(
    self: Any, child: Any, parent: Any, default_format_id: str
) -> otio.opentime.RationalTime:
    """A connected clip's offset on its parent's clock, exactly (was rounded to whole frames)."""
    secs = seconds(child.get("offset")) - seconds(parent.get("offset")) + seconds(parent.get("start"))
    return otio.opentime.RationalTime(float(secs * Fraction(_MICROSECONDS)), _MICROSECONDS)


def _switched(original: Any) -> Any:
    """The writer's element, ``enabled="0"`` where the item or its track is switched off."""

    def element_for_item(
        self: Any, item: Any, lane: Any, ref_only: bool = False, compound: bool = False
    ) -> Any:
        element = original(self, item, lane, ref_only=ref_only, compound=compound)
        parent = item.parent()
        off = not getattr(item, "enabled", True) or (parent is not None and not parent.enabled)
        if element is not None and off:
            element.set("enabled", "0")
        return element

    return element_for_item
