"""What each FCPX story element becomes in OTIO, for ``_fcpx_story``'s layout.

The adapter (otio-fcpx-xml-adapter 1.x) knew only asset-clips, ref-clips and a ``<clip>``'s
``<video>``/``<audio>``: a title or a multicam vanished, a generator or a sync-clip crashed it, and
``srcEnable``, ``audioStart``/``audioDuration``, ``<timeMap>`` and ``<chapter-marker>`` were
ignored. Here a title is a text clip (a noted gap when it holds no text), a generator or any
element we do not know is a gap noted by name, a multicam shows its active angles, a clip's sound
is kept apart from its picture where Final Cut keeps it apart, and a time map is a speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..model.items import TextClip
from ..model.properties import TextStyle
from ..model.time import RationalTime
from ._fcpx_rates import seconds
from ._fcpx_timemap import retime
from ._fcpx_volume import sound_level
from ._otio_common import KEY

__all__ = ["PICTURE_ONLY", "Piece", "pieces"]

PICTURE_ONLY = "fcpx_picture_only"
"""Metadata on a clip whose sound plays elsewhere (a ``<clip>``'s ``<audio>``, ``srcEnable="video"``,
a split ``audioStart``) or nowhere: picture only (a storyline's clips otherwise carry sound)."""


@dataclass
class Piece:
    """One OTIO item of an element and where it plays."""

    composable: Any
    at: Fraction
    """Seconds on the sequence's clock (``tcStart`` not yet taken off)."""
    lane: int
    sound: bool = False
    """On a sound track (sound only); else on a picture track."""
    window: tuple[Fraction, Fraction] | None = field(default=None)
    """The span of the timeline it may show (a container's bounds), trimmed to it."""


def pieces(self: Any, el: Any, timing: Any, fmt: str, at: Fraction, lane: int) -> list[Piece]:
    """The OTIO items an element plays as, at ``at`` on ``lane``."""
    if el.tag == "ref-clip":
        nested = _from_tc_start(self, el, self._build_composable(el, fmt))
        return [Piece(nested, at, lane, sound=el.get("srcEnable") == "audio")]
    if el.tag == "title":
        return [Piece(_title(self, el, fmt), at, lane)]
    if el.tag == "mc-clip":
        return _multicam(self, el, fmt, at, lane)
    asset = self._asset_by_id(el.get("ref")) if el.get("ref") else None
    if asset is None:
        what = "generator" if el.tag == "video" else f"<{el.tag}> element"
        timed = (
            el if el.get("duration") else next((c for c in el if c.get("duration")), el)
        )  # an audition's pick
        gap = _gap(self, timed, fmt, _effect_kind(self, el, what))
        gap.name = el.get("name") or gap.name
        return [Piece(gap, at, lane)]
    found = _media_pieces(self, el, timing, fmt, asset, at, lane)
    for p in found:
        sound_level([timing, el] if el is not timing else [el], p.composable)
    return found


def _from_tc_start(self: Any, el: Any, nested: otio.schema.Stack) -> otio.schema.Stack:
    """A compound clip's span counted from its sequence's first frame, as its stack is laid out: a
    ``<ref-clip>``'s ``start`` is on the compound's clock, which starts at its ``tcStart`` (no ``start``:
    its head)."""
    media = self._compound_clip_by_id(el.get("ref"))
    sequence = media.find("sequence") if media is not None else None
    origin = seconds(sequence.get("tcStart")) if sequence is not None else Fraction(0)
    if not origin:
        return nested
    src = nested.source_range
    rate = Fraction(src.start_time.rate).limit_denominator(1001)
    into = seconds(el.get("start")) - origin if el.get("start") else Fraction(0)
    first = otio.opentime.RationalTime(math.floor(into * rate + Fraction(1, 2)), float(rate))
    nested.source_range = otio.opentime.TimeRange(first, src.duration)
    return nested


def _media_pieces(
    self: Any, el: Any, timing: Any, fmt: str, asset: Any, at: Fraction, lane: int
) -> list[Piece]:
    """A clip of an asset: its picture and sound together, or apart where Final Cut has them apart."""
    clip = _clip(self, el, timing, fmt)
    enable = timing.get("srcEnable") or el.get("srcEnable") or "all"
    audio_only = el.tag == "audio" or asset.get("hasVideo", "1") == "0" or enable == "audio"
    if audio_only:
        sound, sound_at = _sound_span(clip, timing, at)
        return [Piece(sound, sound_at, lane, sound=True)]
    if enable == "video":
        clip.metadata[PICTURE_ONLY] = True
        return [Piece(clip, at, lane)]
    expanded = timing.get("audioStart") is not None or timing.get("audioDuration") is not None
    if not expanded or asset.get("hasAudio") == "0":  # (the adapter's own writer says 0 of every asset)
        return [Piece(clip, at, lane)]
    sound, sound_at = _sound_span(clip.deepcopy(), timing, at)  # expanded audio: a J or L cut
    del sound.markers[:]  # (the picture keeps them)
    clip.metadata[PICTURE_ONLY] = True
    return [Piece(clip, at, lane), Piece(sound, sound_at, lane, sound=True)]


def _sound_span(clip: Any, timing: Any, at: Fraction) -> tuple[Any, Fraction]:
    """``clip`` over the span its sound plays (``audioStart``/``audioDuration``, on the clip's own
    clock as ``start`` is), and where on the timeline that span starts."""
    start, length = seconds(timing.get("start")), seconds(timing.get("duration"))
    a_start = seconds(timing.get("audioStart")) if timing.get("audioStart") else start
    a_length = (
        seconds(timing.get("audioDuration")) if timing.get("audioDuration") else start + length - a_start
    )
    if (a_start, a_length) == (start, length):
        return clip, at
    src = clip.source_range
    rate = Fraction(src.start_time.rate).limit_denominator(1001)
    begin = src.start_time + otio.opentime.RationalTime(float((a_start - start) * rate), float(rate))
    clip.source_range = otio.opentime.TimeRange(
        begin, otio.opentime.RationalTime(float(a_length * rate), float(rate))
    )
    return clip, at + a_start - start


def _clip(self: Any, el: Any, timing: Any, fmt: str) -> otio.schema.Clip:
    """An asset's clip over its timing element's range, retimed by its ``<timeMap>``, with its markers."""
    asset_format = self._format_id_for_clip(el, fmt)
    clip = otio.schema.Clip(
        name=timing.get("name") or el.get("name") or "",
        media_reference=self._reference_from_id(el.get("ref"), fmt),
        source_range=_source_range(self, el, timing, asset_format, fmt),
    )
    retime(self, clip, timing, asset_format)
    if el is timing or el.tag == "video":  # a <clip>'s markers once, on its picture
        markers(self, clip, timing, fmt)
    return clip


def _source_range(self: Any, el: Any, timing: Any, asset_format: str, fmt: str) -> otio.opentime.TimeRange:
    """The media span ``timing`` shows: its start on the asset's own clock and frames (a 25 fps
    file's frame 7 is ``7/25s`` on any timeline: rounded on the sequence's frames it was frame 6),
    its length on the sequence's frames. A ``<clip>``'s ``<video>``/``<audio>`` plays its asset
    from its ``start`` at its ``offset`` on the clip's clock (Final Cut: both the asset's timecode)."""
    start = seconds(timing.get("start"))
    if el is not timing:
        start += seconds(el.get("start")) - seconds(el.get("offset"))
    asset = self._asset_by_id(el.get("ref")) if el.get("ref") else None
    sound = asset is not None and asset.get("format") is None and asset.get("hasVideo", "0") == "0"
    rate = _sample_rate(asset) if sound else None  # sound-only media has no format: its samples
    rate = rate or Fraction(self._format_frame_rate(asset_format)).limit_denominator(1001)
    first = otio.opentime.RationalTime(math.floor(start * rate + Fraction(1, 2)), float(rate))
    return otio.opentime.TimeRange(first, self._time_range(timing, fmt).duration)


def _sample_rate(asset: Any) -> Fraction | None:
    """An asset's ``audioRate`` (``48000``, or ``48k`` as sequences write it); None when not given."""
    text = (asset.get("audioRate") or "").strip().lower()
    try:
        return Fraction(text[:-1]) * 1000 if text.endswith("k") else Fraction(text) if text else None
    except (ValueError, ZeroDivisionError):
        return None


def markers(self: Any, item: Any, timing: Any, fmt: str) -> None:
    """The element's own markers (not its connected clips'), chapter markers as point markers."""
    for m in timing:
        if m.tag == "marker":
            item.markers.append(self._marker(m, fmt))
        elif m.tag == "chapter-marker":
            start = self._time_range(m, fmt).start_time
            item.markers.append(
                otio.schema.Marker(
                    name=m.get("value", ""),
                    marked_range=otio.opentime.TimeRange(start, otio.opentime.RationalTime(0, start.rate)),
                    color=otio.schema.MarkerColor.ORANGE,  # Final Cut draws chapter markers orange
                    metadata={"fcpx": {"chapter": True}},
                )
            )


def _effect_kind(self: Any, el: Any, what: str) -> str:
    """``FCPX generator "Custom"``: what a gap stands for, named as the file names it."""
    effect = self.fcpx_xml.find(f"./resources/effect[@id='{el.get('ref')}']") if el.get("ref") else None
    name = (effect.get("name") if effect is not None else None) or el.get("name") or ""
    return f'FCPX {what} "{name}"' if name else f"FCPX {what}"


def _gap(self: Any, el: Any, fmt: str, kind: str) -> otio.schema.Clip:
    """A clip that shows nothing (the import notes it by ``kind`` and keeps its length as a gap)."""
    clip = otio.schema.Clip(
        name=el.get("name") or "",
        media_reference=otio.schema.GeneratorReference(generator_kind=kind),
        source_range=otio.opentime.TimeRange(duration=self._time_range(el, fmt).duration),
    )
    markers(self, clip, el, fmt)
    return clip


def _title(self: Any, el: Any, fmt: str) -> otio.schema.Clip:
    """A title as our text clip (its text, centred; Motion's own styling is not kept), or a noted gap."""
    text = "\n".join("".join(t.itertext()).strip() for t in el.findall("text")).strip()
    if not text:
        return _gap(self, el, fmt, _effect_kind(self, el, "title (no text)"))
    clip = _gap(self, el, fmt, _effect_kind(self, el, "title"))
    rate = Fraction(self._format_frame_rate(fmt)).limit_denominator(1001)
    length = RationalTime.from_frames(max(1, clip.source_range.duration.to_frames()), rate)
    ours = TextClip(name=el.get("name") or "", text=text, duration=length, y=0.5, style=TextStyle())
    clip.metadata[KEY] = {"item": ours.model_dump(mode="json")}
    return clip


def _multicam(self: Any, el: Any, fmt: str, at: Fraction, lane: int) -> list[Piece]:
    """A multicam clip's active video angle (and its audio angle, where another), trimmed to the clip."""
    media = self.fcpx_xml.find(f"./resources/media[@id='{el.get('ref')}']")
    multicam = media.find("multicam") if media is not None else None
    sources = {s.get("srcEnable", "all"): s.get("angleID") for s in el.findall("mc-source")}
    video = sources.get("all") or sources.get("video")
    audio = sources.get("all") or sources.get("audio")
    found: list[Piece] = []
    window = (at, at + seconds(el.get("duration")))
    origin = at - seconds(el.get("start"))  # multicam time 0 on the sequence's clock
    for angle_id, enable in ((video, "video"), (audio, "audio")) if video != audio else ((video, "all"),):
        angle = (
            multicam.find(f"mc-angle[@angleID='{angle_id}']") if multicam is not None and angle_id else None
        )
        for child in angle if angle is not None else ():
            asset = self._asset_by_id(child.get("ref")) if child.get("ref") else None
            if child.tag not in ("asset-clip", "video", "audio") or asset is None:
                continue
            for p in _media_pieces(
                self, child, child, fmt, asset, origin + seconds(child.get("offset")), lane
            ):
                if enable == "video":
                    if p.sound:
                        continue  # this angle's sound: the audio angle plays instead
                    p.composable.metadata[PICTURE_ONLY] = True
                elif enable == "audio" and not p.sound:
                    if p.composable.metadata.get(PICTURE_ONLY):
                        continue  # its sound is a piece of its own
                    p.sound = True  # the audio angle's clip: its sound only
                sound_level([el, child], p.composable)
                p.composable.name = el.get("name") or p.composable.name
                p.window = window
                found.append(p)
    if not any(not p.sound for p in found):
        kind = (
            f'FCPX multicam clip (angle "{video}" not found)'
            if video
            else "FCPX multicam clip (no video angle)"
        )
        found.insert(0, Piece(_gap(self, el, fmt, kind), at, lane))
    else:
        markers(self, next(p for p in found if not p.sound).composable, el, fmt)
    return found
