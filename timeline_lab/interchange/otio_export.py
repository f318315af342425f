"""Project -> OpenTimelineIO: exact times, our data as one JSON string in metadata: lossless re-import."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote

import opentimelineio as otio

from ..model.io import file_refs, relative_to
from ..model.items import Clip, Gap, SequenceClip, TextClip
from ..model.media_ref import WRITING, MediaReference
from ..model.project import Project
from ..model.speed_ramp import SPEED, is_ramped
from ..model.time import RationalTime, TimeRange
from ..model.track import Track
from ..model.transition import Transition
from ._otio_common import KEY, KINDS, OTIO_METADATA, ort, ortr, ours_as_metadata, start_time
from ._otio_foreign import restore
from ._otio_markers import marker_to_otio
from ._otio_media import numbering
from ._otio_timecode import start_timecode

__all__ = ["held_start", "time_effect", "to_otio"]


@dataclass(frozen=True)
class _Out:
    """How one export writes media: image sequences by their numbering or not, paths as ``written``."""

    image_sequences: bool
    written: Callable[[str], str]
    timecodes: dict[tuple[str, int | None, Fraction], RationalTime] = field(default_factory=dict)
    """Media start timecodes read so far, by file, stream and rate (each read once an export)."""

    def timecode(self, media: MediaReference) -> RationalTime:
        """The media's start timecode, probed once an export (thousands of clips show a few files)."""
        key = (media.path, media.video_stream, media.rate)
        if (found := self.timecodes.get(key)) is None:
            found = self.timecodes[key] = start_timecode(media)
        return found

    def ours(self, model: Any) -> dict[str, Any]:
        """A model as our metadata holds it, its media's and other files' paths as ``written``."""
        data: dict[str, Any] = model.model_dump(mode="json", context={WRITING: ({}, self.written)})
        for holder, key in file_refs(data if "tracks" in data else {"tracks": [{"items": [data]}]}):
            holder[key] = self.written(holder[key])
        return data

    def url(self, path: Path, folder: bool = False) -> str:
        """A file's URL: relative (percent-encoded) where it is under the file's folder, so the
        folder can move with its media as a ``.tlproj``'s can; else an absolute ``file://`` URL."""
        rel = self.written(str(path))
        if rel == str(path):
            return path.as_uri() + "/" * folder
        return quote(rel) + "/" * folder


def to_otio(
    project: Project, *, image_sequences: bool = False, base: Path | None = None
) -> otio.schema.Timeline:
    """An OTIO timeline; our exact data rides along in metadata so re-import is lossless.

    ``image_sequences``: image sequences as OTIO's ``ImageSequenceReference`` (for ``.otio`` files:
    any OTIO tool finds each frame by its number); else as their folder or pattern, the one path
    the EDL and FCP 7 XML writers can name (theirs crash on, or drop, a sequence reference).
    ``base``: the folder of the file written; media under it are named relative to it (as
    ``model.io`` writes a project file), so the folder can be copied or moved with its media.
    """
    out = _Out(image_sequences, relative_to(base))
    tl = otio.schema.Timeline(name=project.name)
    kept = project.metadata.get(OTIO_METADATA)
    for key, value in kept.items() if isinstance(kept, dict) else ():  # the tool it came from: as it was
        if key != KEY:
            tl.metadata[key] = value
    # the sequence rate for formats that keep no metadata of ours (FCP 7 XML writes it as timecode),
    # and the start timecode the timeline came with (an editor's 01:00:00:00)
    tl.global_start_time = ort(start_time(project.metadata, project.settings.frame_rate))
    tl.metadata[KEY] = ours_as_metadata(
        {
            "project": project.model_dump(mode="json", include={"id", "name", "settings", "metadata"}),
            "sequences": _sequences(project, out),
        }
    )
    for track in project.tracks:
        tl.tracks.append(restore(project, track.id, _otio_track(track, project, out)))
    tl.tracks.markers.extend(restore(project, m.id, marker_to_otio(m)) for m in project.markers)
    return tl


def _sequences(project: Project, out: _Out) -> dict[str, Any]:
    """What the tracks do not carry: the sequences' order, and whole those no track shows yet."""
    shown = {i.sequence for t in project.tracks for i in t.items if isinstance(i, SequenceClip)}
    unused = [out.ours(s) for s in project.sequences if s.id not in shown]
    return {"order": [s.id for s in project.sequences], "unused": unused}


def _otio_track(track: Track, project: Project, out: _Out) -> otio.schema.Track:
    """One track: its items and gaps in order, each transition beside the cut it sits on."""
    rate = project.settings.frame_rate
    ot = otio.schema.Track(name=track.name or track.id, kind=KINDS.get(track.kind, "Subtitle"))
    ot.enabled = track.enabled
    ot.metadata[KEY] = ours_as_metadata(track.model_dump(mode="json", exclude={"items", "transitions"}))
    into = {t.to_clip: t for t in track.transitions if t.from_clip is None}  # fades in from a gap
    out_of = {t.from_clip: t for t in track.transitions if t.from_clip is not None}
    for item in track.items_with_gaps():
        if isinstance(item, Gap):
            span = ort(item.duration)
            ot.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(ort(RationalTime(0, rate)), span)))
            continue
        if item.id in into:
            ot.append(restore(project, into[item.id].id, _otio_transition(into[item.id], rate)))
        made = (
            _otio_stack(item, project, out) if isinstance(item, SequenceClip) else _otio_item(item, rate, out)
        )
        ot.append(restore(project, item.id, made))
        if item.id in out_of:
            ot.append(restore(project, out_of[item.id].id, _otio_transition(out_of[item.id], rate)))
    return ot


def _otio_item(item: Clip | TextClip, rate: Fraction, out: _Out) -> otio.schema.Clip:
    """A clip (a text clip has no media), with our exact item in its metadata."""
    span = ort(RationalTime.from_frames(item.frames(rate), rate))
    if isinstance(item, Clip):
        # source times on the media's own clock (its start timecode), as EDL and XML readers take them
        tc, avail = out.timecode(item.media), item.media.available_range
        ref = _reference(item.media, ortr(TimeRange(avail.start + tc, avail.duration)), out)
        # OTIO places a clip by its source duration: the clip's whole frames at the project rate
        # (at the media rate a conformed clip is no whole number of frames: 36.99999999999999)
        src = otio.opentime.TimeRange(ort(held_start(item, rate) + tc), span)
        clip = otio.schema.Clip(name=item.label(), media_reference=ref, source_range=src)
        if (warp := time_effect(item, rate)) is not None:
            clip.effects.append(warp)
    else:
        clip = otio.schema.Clip(
            name=item.label(), source_range=otio.opentime.TimeRange(ort(RationalTime(0, rate)), span)
        )
    clip.enabled = item.enabled
    clip.metadata[KEY] = ours_as_metadata({"item": out.ours(item)})
    return clip


def time_effect(item: Clip, rate: Fraction) -> otio.schema.Effect | None:
    """The OTIO time effect a clip is written with (None: plain speed 1), so an import can tell
    whether another tool changed it."""
    if _frozen(item) is not None:  # OTIO's freeze holds its range's first frame: the held one
        return otio.schema.FreezeFrame()
    if is_ramped(item):
        return _ramp_warp(item, rate)
    if item.speed != 1 or _reversed(item):
        scalar = -item.speed if _reversed(item) else item.speed  # OTIO's reverse: a negative speed
        return otio.schema.LinearTimeWarp(time_scalar=float(scalar))
    return None


def _reference(media: MediaReference, available: otio.opentime.TimeRange, out: _Out) -> Any:
    """The media as OTIO names it: a file, or an image sequence by its numbering (a folder's URL
    alone names no frame any OTIO reader can find), a folder where its files are not numbered."""
    numbered = numbering(Path(media.path)) if media.sequence and out.image_sequences else None
    if numbered is None:
        return otio.schema.ExternalReference(target_url=out.url(Path(media.path)), available_range=available)
    return otio.schema.ImageSequenceReference(
        target_url_base=out.url(numbered.folder, folder=True),
        name_prefix=numbered.prefix,
        name_suffix=numbered.suffix,
        start_frame=numbered.start,
        frame_step=1,
        rate=float(media.rate),
        frame_zero_padding=numbered.padding,
        available_range=available,
    )


def _frozen(item: Clip) -> int | None:
    """The clip frame an enabled freeze holds (None: no freeze)."""
    fx = next((fx for fx in item.effects if fx.kind == "freeze" and fx.enabled), None)
    return int(fx.params.get("frame", 0)) if fx is not None else None


def held_start(item: Clip, rate: Fraction) -> RationalTime:
    """Where the clip's source range starts for OTIO: its start, or the frame a freeze holds."""
    start, frame = item.source_range.start, _frozen(item)
    if not frame:
        return start
    frame = min(frame, item.frames(rate) - 1)  # as the render holds it
    return start + RationalTime.from_seconds(Fraction(frame) / rate * item.speed, start.rate)


def _reversed(item: Clip) -> bool:
    """Played backwards (an enabled reverse effect)."""
    return any(fx.kind == "reverse" and fx.enabled for fx in item.effects)


def _ramp_warp(item: Clip, rate: Fraction) -> otio.schema.LinearTimeWarp:
    """A ramp for other apps: its mean speed (the same span in the same time), the curve in metadata.

    A ramp whose keyframes all hold one value is that constant speed exactly.
    """
    curve = item.keyframes[SPEED]
    if len({kf.value for kf in curve}) == 1:
        mean = curve[0].value
    else:
        mean = float(item.source_range.duration.to_seconds() * rate / item.frames(rate))
    warp = otio.schema.LinearTimeWarp(name="speed ramp", time_scalar=mean)
    warp.metadata[KEY] = {"speed": json.dumps([kf.model_dump(mode="json") for kf in curve])}
    return warp


def _otio_stack(item: SequenceClip, project: Project, out: _Out) -> otio.schema.Stack:
    """A nested sequence as OTIO nests one: a Stack of its tracks, trimmed to the span shown."""
    rate, seq = project.settings.frame_rate, project.sequence(item.sequence)
    span = ort(RationalTime.from_frames(item.frames(rate), rate))
    stack = otio.schema.Stack(
        name=item.label(), source_range=otio.opentime.TimeRange(ort(item.source_range.start), span)
    )
    for track in seq.tracks:
        stack.append(restore(seq, track.id, _otio_track(track, seq, out)))
    stack.markers.extend(restore(seq, m.id, marker_to_otio(m)) for m in seq.markers)  # in its own time
    stack.enabled = item.enabled
    stack.metadata[KEY] = ours_as_metadata(
        {
            "item": item.model_dump(mode="json"),
            "sequence": seq.model_dump(mode="json", include={"id", "name", "settings", "metadata"}),
        }
    )
    return stack


def _otio_transition(tr: Transition, rate: Fraction) -> otio.schema.Transition:
    """OTIO's transition: ``in_offset`` before the cut, ``out_offset`` after it."""
    after, before = tr.handles(rate)
    return otio.schema.Transition(
        name=tr.kind,
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=ort(RationalTime.from_frames(before, rate)),
        out_offset=ort(RationalTime.from_frames(after, rate)),
        metadata={KEY: ours_as_metadata(tr.model_dump(mode="json"))},
    )
