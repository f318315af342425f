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

from ._fcpx_assets import describe_fcpx_assets
from ._fcpx_checks import checked_reader
from ._fcpx_items import PICTURE_ONLY, pieces
from ._fcpx_media import media_rep
from ._fcpx_rates import seconds
from ._fcpx_spine import spine_fixes
from ._fcpx_volume import volume_written
from ._otio_common import adapter_module

__all__ = ["PICTURE_ONLY", "fcpx_story_exact"]

_PLACED = ("video", "audio", "ref-clip", "asset-clip", "title", "mc-clip", "transition")
_CONTAINERS = ("clip", "sync-clip")
"""Elements whose contents play on their own clock, within their bounds."""
_HOLDERS = ("gap", "spine", *_CONTAINERS)
"""Elements that play nothing themselves (their contents and connected clips play)."""
_SKIPPED = ("mc-clip",)
"""Placed elements whose children are not placed as themselves (a multicam's ``mc-source``)."""


FCPX_FORMAT = "timeline_lab_fcpx_format"
"""Stack metadata: the FCPX sequence format's frame size (the project's size on import)."""


def fcpx_story_exact() -> None:
    """Patch the FCPX XML reader's layout and its writer's switches (idempotent)."""
    fcpx: Any = adapter_module("fcpx_xml")
    if fcpx is None:  # the interchange extra is not installed: nothing to fix
        return
    describe_fcpx_assets()
    spine_fixes(fcpx)
    checked_reader(fcpx)
    volume_written(fcpx)
    if getattr(fcpx.FcpxXml._squence_to_stack, "exact_story", False):
        return
    fcpx.FcpxXml._squence_to_stack = _sequence_to_stack
    fcpx.FcpxXml._reference_from_id = media_rep(fcpx.FcpxXml._reference_from_id)
    fcpx.FcpxOtio._element_for_item = _switched(fcpx.FcpxOtio._element_for_item)
    fcpx.FcpxOtio._offset_based_on_parent = _offset_on_parent


@dataclass
class _Placed:
    lane: int
    sound: bool
    at: Fraction
    """Seconds from the sequence's start."""
    order: int
    element: Any
    composable: Any


def _sequence_to_stack(self: Any, sequence: Any, name: str = "", source_range: Any = None) -> Any:
    """The sequence's story as OTIO tracks, one a lane (and kind), every item where its exact time says."""
    fmt = sequence.get("format")
    rate = Fraction(self._format_frame_rate(fmt)).limit_denominator(1001)
    origin = seconds(sequence.get("tcStart"))
    placed: list[_Placed] = []
    skipped: set[Any] = set()
    for n, el in enumerate(sequence.iter()):
        parent = self.child_parent_map.get(el)
        if parent in skipped or (parent is not None and parent.tag in _SKIPPED and el.get("lane") is None):
            skipped.add(el)
            continue
        if not _is_story(self, el, sequence):
            continue
        if el.tag not in _PLACED:  # an element we do not know: a gap, noted by name; not its contents
            skipped.add(el)
        timing = _timing(self, el)
        lane = _lane(self, el, timing)
        at = _at(self, timing, sequence) - origin
        if el.tag == "transition":
            placed.append(_Placed(lane, False, at, n, el, None))
            continue
        window = _window(self, el, sequence, origin)
        for p in pieces(self, el, timing, fmt, at, lane):
            off = "0" in (timing.get("enabled"), el.get("enabled"))
            p.composable.enabled = p.composable.enabled and not off
            if el.tag == "video" and timing is not el and timing.find("audio") is not None:
                p.composable.metadata[PICTURE_ONLY] = True  # its clip's sound is the <audio> beside it
            bounds = _meet(window, p.window)
            shown = _trimmed(p.composable, p.at, bounds, rate) if bounds else p.at
            if shown is not None:
                placed.append(_Placed(p.lane, p.sound, shown, n, el, p.composable))
    stack = otio.schema.Stack(name=name, source_range=source_range)
    for lane, sound in sorted(
        {(p.lane, p.sound) for p in placed}, key=lambda k: (k[0] >= 0, abs(k[0]), k[1])
    ):
        items = sorted(
            (p for p in placed if (p.lane, p.sound) == (lane, sound)), key=lambda p: (p.at, p.order)
        )
        both = any(p.lane == lane and p.sound != sound and p.composable is not None for p in placed)
        name = f"{lane} sound" if sound and both else str(lane)
        kind = otio.schema.TrackKind.Audio if sound else otio.schema.TrackKind.Video
        for k, part in enumerate(_apart(items) if sound else [items]):
            stack.append(_track(name if k == 0 else f"{name} {k + 1}", kind, part, rate))
    _pad(stack, seconds(sequence.get("duration")), rate)
    size = self._format_by_id(fmt) if fmt else None
    if size is not None and size.get("width") and size.get("height"):  # the sequence's frame size
        stack.metadata[FCPX_FORMAT] = {"width": size.get("width"), "height": size.get("height")}
    return stack


_sequence_to_stack.exact_story = True  # type: ignore[attr-defined]


def _is_story(self: Any, el: Any, sequence: Any) -> bool:
    """An element that plays on the timeline: a storyline's, a container's, or connected (``lane``)."""
    if el.tag in _HOLDERS or el is sequence:
        return False
    parent = self.child_parent_map.get(el)
    if el.tag in ("video", "audio") and parent is not None and parent.tag == "clip":
        return True
    if parent is not None and parent.tag == "spine":
        return True
    return (el.tag in _PLACED and el.tag != "transition") or (
        el.get("lane") is not None and el.get("offset") is not None and el.get("duration") is not None
    )


def _timing(self: Any, el: Any) -> Any:
    """The element whose ``offset``/``start``/``duration`` time ``el``: a ``<clip>`` for its own
    ``<video>``/``<audio>``, else ``el`` itself."""
    parent = self.child_parent_map.get(el)
    if el.tag in ("video", "audio") and parent is not None and parent.tag == "clip":
        return parent
    return el


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
        if parent.get("lane") is None:  # a container's own storyline (a sync-clip's): on its clock
            return _at(self, holder, sequence) + offset - seconds(holder.get("start"))
        # a secondary storyline: its offset on the clock of the clip it hangs from, its children from 0
        timing = _timing(self, holder)
        hung = seconds(parent.get("offset")) - seconds(timing.get("start"))
        return _at(self, timing, sequence) + hung + offset
    return _at(self, parent, sequence) + offset - seconds(parent.get("start"))


def _window(self: Any, el: Any, sequence: Any, origin: Fraction) -> tuple[Fraction, Fraction] | None:
    """The span the containers around ``el`` show (a sync-clip shows its contents within its bounds;
    a clip connected to a ``<clip>``, on a lane of its own, may run past it, as to any clip)."""
    window = None
    child, holder = el, self.child_parent_map.get(el)
    while holder is not None and holder is not sequence:
        connected = (
            holder.tag == "clip" and child.get("lane") is not None and child.tag not in ("video", "audio")
        )
        if holder.tag in _CONTAINERS and not connected:
            at = _at(self, holder, sequence) - origin
            window = _meet(window, (at, at + seconds(holder.get("duration"))))
        child, holder = holder, self.child_parent_map.get(holder)
    return window


def _meet(
    a: tuple[Fraction, Fraction] | None, b: tuple[Fraction, Fraction] | None
) -> tuple[Fraction, Fraction] | None:
    if a is None or b is None:
        return a or b
    return max(a[0], b[0]), min(a[1], b[1])


def _trimmed(item: Any, at: Fraction, window: tuple[Fraction, Fraction], rate: Fraction) -> Fraction | None:
    """Trim ``item`` (at ``at``) to ``window``: where it then starts, None where nothing is left."""
    length = _seconds(item.trimmed_range().duration)
    lo, hi = max(at, window[0]), min(at + length, window[1])
    if hi <= lo:
        return None
    if (lo, hi) != (at, at + length):
        src = item.trimmed_range()
        r = Fraction(src.start_time.rate).limit_denominator(1001)
        scale = next((abs(Fraction(fx.time_scalar)) for fx in item.effects if hasattr(fx, "time_scalar")), 1)
        start = src.start_time + otio.opentime.RationalTime(float((lo - at) * scale * r), float(r))
        item.source_range = otio.opentime.TimeRange(
            start, otio.opentime.RationalTime(float((hi - lo) * r), float(r))
        )
    return lo


def _seconds(t: otio.opentime.RationalTime) -> Fraction:
    return Fraction(t.value).limit_denominator(1_000_000) / Fraction(t.rate).limit_denominator(1001)


def _apart(items: list[_Placed]) -> list[list[_Placed]]:
    """Sound clips that overlap (a J cut's sound over the clip before) on tracks of their own."""
    tracks: list[list[_Placed]] = []
    ends: list[Fraction] = []
    for p in items:
        k = next((i for i, end in enumerate(ends) if p.at >= end), len(ends))
        if k == len(ends):
            tracks.append([])
            ends.append(Fraction(0))
        tracks[k].append(p)
        if p.composable is not None:
            ends[k] = p.at + _seconds(p.composable.trimmed_range().duration)
    return tracks


def _lane(self: Any, el: Any, timing: Any) -> int:
    """The lane an element plays on: its own (a clip's ``<audio lane="-1">``), its storyline's, its clip's."""
    if el is not timing and el.get("lane") is not None:
        return int(el.get("lane"))
    if el.tag == "audio" and timing.find("video") is not None:  # a clip's own sound, under its picture
        return -1
    if timing.get("lane") is not None:
        return int(timing.get("lane"))
    parent = self.child_parent_map.get(timing)
    if parent is not None and parent.tag == "spine":
        if parent.get("lane") is not None:
            return int(parent.get("lane"))
        holder = self.child_parent_map.get(parent)
        if holder is not None and holder.tag in _CONTAINERS:
            return _lane(self, holder, holder)
    return 0


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
