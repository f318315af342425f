"""OpenTimelineIO -> project, with OpenTimelineIO's own time mapping; what cannot be made is noted."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
from pydantic import ValidationError

from ..errors import ProjectFileError, first_error
from ..model.io import rebase
from ..model.items import Clip, Item, SequenceClip, TextClip
from ..model.keyframes import Keyframe
from ..model.marker import Marker
from ..model.media_ref import MediaReference
from ..model.project import Project
from ..model.properties import Effect
from ..model.settings import ProjectSettings
from ..model.time import RationalTime, TimeRange
from ..model.track import Track
from ..model.transition import Transition
from ._fcp7_levels import audio_level
from ._fcpx_story import FCPX_FORMAT, PICTURE_ONLY
from ._fcpx_volume import VOLUME as FCPX_VOLUME
from ._otio_common import (
    KEY,
    MAX_PICTURE_RATE,
    OTIO_METADATA,
    START_TIME,
    exact,
    exact_rate,
    foreign_metadata,
    our_data,
)
from ._otio_edits import edited_clip, edited_sequence_clip, edited_text, edited_track, edited_transition
from ._otio_foreign import keep, keep_parts
from ._otio_markers import left_out, marker_from_otio, shifted
from ._otio_media import Relink, media_for, named_file, shows_nothing
from ._otio_timecode import clock_origin
from .otio_checks import check_times

__all__ = ["from_otio"]

log = logging.getLogger(__name__)

_NEXT = "__next__"
"""A transition's ``to_clip`` until the item after it is imported (then that item's id)."""


def from_otio(
    tl: otio.schema.Timeline,
    *,
    rate: Fraction | None = None,
    base: Path | None = None,
    search: Sequence[Path] = (),
    picture_only: bool = True,
) -> Project:
    """A project from an OTIO timeline whose media references are local files.

    ``picture_only``: a foreign clip on a picture track is picture only (its sound, if any, is a
    clip on a sound track), as in OTIO, EDLs, FCP 7 XML and AAF; False where a picture clip also
    carries its sound (Final Cut Pro X's clips in the storyline).

    The frame rate is ``rate``, else the rate of ``global_start_time`` (how editors export the
    sequence rate), else the most common clip rate; relative media paths are taken from ``base``.
    Media that is not where the timeline says is looked for by name in ``base`` and ``search``
    (size and fingerprint too, for our own files); what is still missing is one MediaError.
    """
    check_times(tl)

    ours = (our_data(tl) or {}).get("project")
    if ours:
        project = Project.model_validate(ours)
    else:
        guess = rate or _guess_rate(tl)
        project = Project(name=tl.name or "Imported", settings=ProjectSettings(frame_rate=guess))
        if kept := foreign_metadata(tl):  # another tool's (Resolve's, a pipeline's): written back on export
            project.metadata[OTIO_METADATA] = kept
    _keep_start_time(project, tl)
    r = project.settings.frame_rate
    run = _Import(r, base, {}, [], Relink([*([base] if base is not None else []), *search]), picture_only)
    _add_tracks(project, tl.tracks, run, "tracks", tl.tracks.source_range)
    _refuse_missing(run.relink)
    if run.silenced:  # exact, not an approximation: said once, the clips' volume 0 shows it
        log.warning(
            "%s: %d clip(s) on picture tracks imported silent (volume 0): in the file a picture track's "
            "clip is picture only, its sound is the sound tracks' clips",
            tl.name,
            run.silenced,
        )
    if ours:
        _restore_sequences(project, (our_data(tl) or {}).get("sequences") or {}, base)
    _stack_markers(project, tl.tracks, run)
    _sort_markers(project)
    notes = run.notes  # what the import approximates or leaves out, said once
    if not ours and not _size_from_file(project, tl):
        _size_from_media(project, run.media)
    if notes:
        project.metadata["import_notes"] = notes  # kept with the project, and logged once
        log.warning("%s: %d thing(s) not imported exactly: %s", tl.name, len(notes), "; ".join(notes))
    project.history.clear()
    project.validate_timeline()
    return project


def _keep_start_time(project: Project, tl: otio.schema.Timeline) -> None:
    """The timeline's start timecode (``global_start_time``: 01:00:00:00 from most editors), kept
    exactly in the project's metadata for the export to write back (the file's, which wins)."""
    start = tl.global_start_time
    if start is not None and start.value != 0:
        project.metadata[START_TIME] = exact(start).to_json()
    else:
        project.metadata.pop(START_TIME, None)


@dataclass
class _Import:
    """What one import carries down into nested sequences: the rate, where media are, what it noted."""

    rate: Fraction
    base: Path | None
    media: dict[Path, MediaReference]
    notes: list[str]
    relink: Relink
    picture_only: bool = True
    """A picture track's foreign clip plays no sound (see ``from_otio``)."""
    silenced: int = 0
    """Foreign clips with sound imported silent from picture tracks (said once, in one note)."""
    timecodes: dict[tuple[str, int | None], RationalTime] = field(default_factory=dict)
    """Media start timecodes read so far, by file and stream (each read once an import)."""


def _refuse_missing(relink: Relink) -> None:
    """Every media file neither where the timeline says nor found again, in one error."""
    if (refused := relink.refusal()) is not None:
        raise refused


def _add_tracks(project: Project, stack: Any, run: _Import, where: str, shown: Any = None) -> None:
    """Each OTIO track of ``stack`` (a timeline's, or a nested sequence's) as a track of ``project``;
    ``shown``: the stack's own source_range (a trimmed timeline), what part of its time is shown."""
    for n, ot in enumerate(stack):
        if not isinstance(ot, otio.schema.Track):
            run.notes.append(f"{where}[{n}]: a {type(ot).__name__} directly in a stack is left out")
            continue
        _add_track(project, ot, run, f"{where}[{n}]", _window(ot, shown))


def _add_track(project: Project, ot: otio.schema.Track, run: _Import, where: str, window: Any) -> None:
    """One OTIO track as a track of ``project``, showing from 0 the ``window`` of its own time (a
    trimmed track shows part of it); None: all of it in its own time (a track nested in a track is
    a sequence of the track's own time, which the clip showing it trims)."""
    kind = "audio" if ot.kind == otio.schema.TrackKind.Audio else "video"
    data = our_data(ot)
    track = (
        edited_track(Track.model_validate(data), ot)
        if data
        else Track(kind=kind, name=ot.name, enabled=bool(ot.enabled))
    )
    project.add_track(track=track)
    keep(project, track.id, ot)
    if window is None:
        _fill(project, track, ot, run, where)
        _add_markers(project, ot.markers, run.rate)  # already in the sequence's time
    else:
        _fill(project, track, _cut(ot, window, run, where), run, where)
        _shifted_markers(project, ot.markers, window, run, where)


def _window(ot: otio.schema.Track, shown: Any) -> Any:
    """The part of a track's own time its stack shows from 0: its own trimmed range (its
    source_range, else all it holds), moved by the stack's ``shown`` range and as long, if any."""
    own = ot.trimmed_range()
    if shown is None:
        return own
    return otio.opentime.TimeRange(own.start_time + shown.start_time, shown.duration)


def _cut(ot: otio.schema.Track, window: Any, run: _Import, where: str) -> otio.schema.Track:
    """The track as ``window`` shows it from 0 (OpenTimelineIO's ``track_trimmed_to_range``): its
    time before and past what it holds as gaps, a transition cut through by the edge left out (noted)."""
    held, own = ot.available_range(), ot.trimmed_range()  # what its children span; what it shows
    if window == held == own:
        return ot  # nothing cut (a track trimmed shorter than it holds is cut even so)
    zero = otio.opentime.RationalTime(0, window.start_time.rate)
    lo = max(window.start_time, held.start_time, own.start_time)
    hi = min(window.end_time_exclusive(), held.end_time_exclusive(), own.end_time_exclusive())
    if hi <= lo:
        out = otio.schema.Track(name=ot.name, kind=ot.kind)
    else:
        visible = otio.opentime.TimeRange(lo, hi - lo)
        whole = ot.deepcopy()
        spans = whole.range_of_all_children()
        for m, child in reversed(list(enumerate(whole))):
            if isinstance(child, otio.schema.Transition) and (
                visible.intersects(spans[child]) and not visible.contains(spans[child])
            ):
                run.notes.append(f"{where}[{m}]: a transition cut through by the track's range is left out")
                del whole[m]
        out = otio.algorithms.track_trimmed_to_range(whole, visible)
        out.source_range = None
    if (lead := min(lo, window.end_time_exclusive()) - window.start_time) > zero:
        out.insert(0, otio.schema.Gap(source_range=otio.opentime.TimeRange(zero, lead)))
    if (tail := window.end_time_exclusive() - max(hi, lo)) > zero:
        out.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(zero, tail)))
    return out


def _shifted_markers(project: Project, markers: Any, window: Any, run: _Import, where: str) -> None:
    """Markers in a track's (or the timeline stack's) own time where ``window`` of it shows them."""
    origin, length = exact(window.start_time), exact(window.duration)
    for m in markers:
        marker = shifted(m, origin, RationalTime(0, run.rate), Fraction(1), length, run.rate)
        _keep_marker(project, marker, m, where, run)


def _stack_markers(project: Project, stack: Any, run: _Import) -> None:
    """The timeline's own markers: in its time, or in its stack's where that stack is trimmed."""
    if stack.source_range is None:
        _add_markers(project, stack.markers, run.rate)
    else:
        _shifted_markers(project, stack.markers, stack.source_range, run, "tracks")


def _keep_marker(project: Project, marker: Marker | None, m: Any, where: str, run: _Import) -> None:
    if marker is None:
        run.notes.append(left_out(m, where))
    else:
        project.markers.append(marker)
        keep(project, marker.id, m)


def _add_markers(project: Project, markers: Any, r: Fraction) -> None:
    """Markers already in ``project``'s own time (a timeline's, a nested stack's), their metadata kept."""
    for m in markers:
        marker = marker_from_otio(m, r)
        project.markers.append(marker)
        keep(project, marker.id, m)


def _sort_markers(project: Project) -> None:
    """Markers in time order, as ``add_marker`` keeps them."""
    project.markers.sort(key=lambda m: m.time)


def _fill(project: Project, track: Track, ot: otio.schema.Track, run: _Import, where: str) -> None:
    """The items of one OTIO track at OTIO's positions; gaps keep their length, trailing ones too.

    Each child spans round(its exact start) to round(its exact end) at the project rate, so
    rounding each child's length never accumulates into drift along a long track.
    """
    r, elapsed = run.rate, Fraction(0)
    pending: list[int] = []  # transitions waiting for the next item (their to_clip is "__next__")
    for m, child in enumerate(ot):
        if isinstance(child, otio.schema.Transition):
            before = len(track.transitions)
            _add_transition(track, child, ot, m, r, run.notes)
            if len(track.transitions) > before:
                keep(project, track.transitions[-1].id, child)
                if (track.transitions[-1].to_clip or "").startswith(_NEXT):
                    pending.append(before)
            continue
        first = _nearest_frame(elapsed, r)
        elapsed += exact(child.trimmed_range().duration).to_seconds()
        frames = _nearest_frame(elapsed, r) - first
        item: Item | None = None
        if frames < 1 and not isinstance(child, otio.schema.Gap):
            run.notes.append(f"{where}[{m}]: rounds to no frame at {r} fps and is left out")
        elif isinstance(child, otio.schema.Clip):
            item = _clip(child, first, frames, track.kind == "video", run, f"{where}[{m}]")
        elif isinstance(child, otio.schema.Stack | otio.schema.Track):
            item = _nested(project, child, first, frames, run, f"{where}[{m}]")
        if item is not None:
            track.items.append(item)
            keep(project, item.id, child)
            keep_parts(project, item.id, child)  # its effects and media we cannot play: written back
            _link_pending(track, pending, item.id)
        if child.markers and not isinstance(item, SequenceClip):  # (a sequence has its own)
            _item_markers(project, child, item, first, frames, run, f"{where}[{m}]")
    # OTIO's track lasts to the end of its last child, a gap included
    end = _nearest_frame(elapsed, r)
    if end > track.items_end():
        track.trailing_gap = RationalTime.from_frames(end - track.items_end(), r)


def _clip(
    child: Any, first: int, frames: int, video: bool, run: _Import, where: str
) -> Clip | TextClip | None:
    """The item an OTIO clip is, ``frames`` project frames long; a value the model refuses is named
    with the clip (pydantic's own error names only the field)."""
    silent = (run.picture_only and video) or bool(child.metadata.get(PICTURE_ONLY))
    try:
        item = _item(child, first, where, run, picture_only=silent)
        return _fitted(item, frames, run.rate) if isinstance(item, Clip) else item
    except ValidationError as exc:
        field, why = first_error(exc)
        raise ProjectFileError(f"{where} clip {json.dumps(child.name)}: {field}: {why}") from None


def _item_markers(
    project: Project, child: Any, item: Item | None, first: int, frames: int, run: _Import, where: str
) -> None:
    """An item's markers (in its source time) where that source time is shown on the timeline: a
    clip's at its speed, a gap's, a generator's or an offline clip's (imported as gaps) as they lie."""
    origin, r = exact(child.trimmed_range().start_time), run.rate
    at, speed = RationalTime.from_frames(first, r), item.speed if isinstance(item, Clip) else Fraction(1)
    length = RationalTime.from_frames(item.frames(r) if isinstance(item, Clip) else frames, r)
    for m in child.markers:
        _keep_marker(project, shifted(m, origin, at, speed, length, r), m, where, run)


def _nearest_frame(seconds: Fraction, r: Fraction) -> int:
    """The project frame nearest an exact time (halves round up, as ``to_frames`` does)."""
    return RationalTime.from_seconds(seconds, r).to_frames(r, "nearest")


def _fitted(clip: Clip, frames: int, r: Fraction) -> Clip:
    """``clip`` lasting ``frames`` project frames (its source span trimmed or extended within the
    media), where its own rounded length would overlap or leave a sliver beside its neighbours."""
    if clip.keyframes or clip.frames(r) == frames:
        return clip
    src, avail = clip.source_range, clip.media.available_range
    want = RationalTime.from_seconds(Fraction(frames) / r * clip.speed, src.start.rate)
    room = avail.end_exclusive() - src.start
    span = TimeRange(src.start, min(want, room) if room.to_seconds() > 0 else want)
    return clip.model_copy(update={"source_range": span})


def _restore_sequences(project: Project, data: dict[str, Any], base: Path | None) -> None:
    """Our sequences that no track shows (carried whole in the timeline's metadata), in their order;
    their relative paths (media under the file's folder) taken from ``base``."""
    for body in data.get("unused", []):
        if base is not None and isinstance(body, dict):
            rebase(body, base)
        seq = Project.model_validate(body)
        seq.take_size(project.settings.width, project.settings.height)  # as written before sizes were kept
        project.add_sequence(seq)
    order = {sid: k for k, sid in enumerate(data.get("order", []))}
    project.sequences.sort(key=lambda s: order.get(s.id, len(order)))


def _nested(
    project: Project, child: Any, cursor: int, frames: int, run: _Import, where: str
) -> SequenceClip | None:
    """A nested stack (or track) as a sequence of ``project`` and the clip that shows it; one of
    our sequences shown twice is read once and shown by both clips. OTIO shows nothing before a
    nested sequence's start: a source_range from before it starts the clip that much later."""
    r, data = run.rate, our_data(child) or {}
    lead = max(0, -exact(child.trimmed_range().start_time).to_frames(r, "nearest"))
    if lead >= frames:
        run.notes.append(f"{where}: its source_range ends before what it holds: shows nothing, left out")
        return None
    seq_id = data.get("sequence", {}).get("id")
    seq = next((s for s in project.sequences if s.id == seq_id), None) if seq_id else None
    if seq is None:
        seq = _nested_sequence(project, child, run, where)
    rng = child.trimmed_range()
    first, n, cursor = exact(rng.start_time).to_frames(r, "nearest") + lead, frames - lead, cursor + lead
    if seq.duration().to_frames(r) < first + n:  # OTIO shows nothing past a stack's content
        if not seq.tracks:
            seq.add_track("video")
        bottom = seq.tracks[0]
        bottom.trailing_gap = RationalTime.from_frames(first + n - bottom.items_end(), r)
        seq.history.clear()
    start, span = RationalTime.from_frames(cursor, r), TimeRange.from_frames(first, n, r)
    if "item" in data:
        ours = SequenceClip.model_validate({**data["item"], "start": start.to_json(), "sequence": seq.id})
        return edited_sequence_clip(ours, child, span)
    return SequenceClip(
        name=child.name or "", sequence=seq.id, source_range=span, start=start, enabled=bool(child.enabled)
    )


def _nested_sequence(project: Project, child: Any, run: _Import, where: str) -> Project:
    """The sequence a nested stack holds, its tracks and markers read, added to ``project``."""
    r, data = run.rate, our_data(child) or {}
    if "sequence" in data:
        seq = Project.model_validate(data["sequence"])
        seq.take_size(project.settings.width, project.settings.height)  # as written before sizes were kept
    else:
        seq = Project(name=child.name or "Nested sequence", settings=project.settings.model_copy())
    if isinstance(child, otio.schema.Stack):
        _add_tracks(seq, child, run, where)
        _add_markers(seq, child.markers, r)  # already in the sequence's time
    else:  # a track in a track: the sequence is its own time, its markers too
        _add_track(seq, child, run, where, None)
    for fx in child.effects:
        run.notes.append(f"{where}: effect {_effect_name(fx)!r} on a nested sequence is not rendered")
    _sort_markers(seq)
    seq.history.clear()
    project.add_sequence(seq)
    return seq


def _size_from_file(project: Project, tl: otio.schema.Timeline) -> bool:
    """The sequence's frame size where the file says it (True when it did): FCP 7 / Premiere XML's
    sample characteristics, FCPX's sequence format (its media may be larger or smaller)."""
    xml = tl.metadata.get("fcp_xml")
    try:
        chars = xml["media"]["video"]["format"]["samplecharacteristics"]
    except (KeyError, TypeError):
        chars = tl.tracks.metadata.get(FCPX_FORMAT) if tl.tracks is not None else None
    try:
        width, height = int(chars["width"]), int(chars["height"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return False
    if not (0 < width <= 16384 and 0 < height <= 16384):
        return False
    even = {"width": width + width % 2, "height": height + height % 2}
    project.take_size(even["width"], even["height"])  # its nested sequences with it
    return True


def _size_from_media(project: Project, media: dict[Path, MediaReference]) -> None:
    """A timeline without size metadata takes its first video media's display size."""
    first = next((m for m in media.values() if m.has_video and m.width and m.height), None)
    if first is not None and first.width is not None and first.height is not None:
        even = (first.width + first.width % 2, first.height + first.height % 2)
        project.take_size(*even)  # its nested sequences with it


def _guess_rate(tl: otio.schema.Timeline) -> Fraction:
    """``global_start_time``'s rate, else the most common video clip rate, else 29.97.

    Audio clips are timed in samples by sound editors, so only video tracks' clips count.
    """
    if tl.global_start_time is not None:
        return exact_rate(tl.global_start_time.rate)
    clips = (c for t in tl.video_tracks() for c in t.find_clips())
    rates = Counter(r for c in clips if (r := _clip_rate(c)) is not None and r <= MAX_PICTURE_RATE)
    return rates.most_common(1)[0][0] if rates else Fraction(30000, 1001)


def _clip_rate(clip: Any) -> Fraction | None:
    """The rate a clip is timed at (None when it has no range to say it)."""
    rng = clip.source_range or clip.media_reference.available_range
    return exact_rate(rng.duration.rate) if rng is not None else None


def _item(child: Any, cursor: int, where: str, run: _Import, *, picture_only: bool) -> Clip | TextClip | None:
    """The clip an OTIO clip is: ours from its metadata, a foreign one from its media and effects
    (silent on a picture track: OTIO and every editor it comes from take sound from sound tracks)."""
    meta, notes = our_data(child), run.notes
    start = RationalTime.from_frames(cursor, run.rate)
    if meta and "item" in meta:
        data = meta["item"]
        if run.base is not None and isinstance(data, dict):  # media under the file's folder: relative
            rebase({"tracks": [{"items": [data]}]}, run.base)
        if data.get("type") == "text":
            return edited_text(TextClip.model_validate({**data, "start": start.to_json()}), child, run.rate)
        clip = Clip.model_validate({**data, "start": start.to_json()})
        named = _relinked_by_file(clip, child, where, run)  # another tool pointed it elsewhere: the file's
        clip = named if named is not clip else _relinked(clip, where, run.relink)
        return edited_clip(clip, child, run.rate)
    ref = media_for(child, where, run.base, run.media, notes, run.relink)
    if ref is None:  # a generator or no media at all: a gap of its length, noted
        return None
    speed, effects, level = Fraction(1), [], 1.0
    keyframes: dict[str, list[Keyframe]] = {}
    for fx in child.effects:
        if (gain := audio_level(fx)) is not None:  # FCP 7 XML's Audio Levels
            level *= gain
        elif isinstance(fx, otio.schema.FreezeFrame) or (
            isinstance(fx, otio.schema.LinearTimeWarp) and fx.time_scalar == 0
        ):
            effects.append(Effect(kind="freeze", params={"frame": 0}))  # the trimmed range's first frame
        elif isinstance(fx, otio.schema.LinearTimeWarp):
            speed = abs(Fraction(fx.time_scalar).limit_denominator(1000))
            if fx.time_scalar < 0:  # OTIO's reverse: the same span played backwards
                effects.append(Effect(kind="reverse"))
            ramp = dict(fx.metadata).get(KEY, {}).get("speed")
            if ramp:  # our ramp, its clip's own metadata lost on the way: the curve, the mean span
                keyframes = {"speed": [Keyframe.model_validate(k) for k in json.loads(str(ramp))]}
        else:
            notes.append(f"{where}: effect {_effect_name(fx)!r} is not rendered")
    src = child.trimmed_range()  # no source_range: the whole available range (OTIO's rule)
    available = child.media_reference.available_range
    # OTIO times are on the media's own clock (a camera file may start at 01:00:00:00); ours start at 0
    origin = (
        exact(available.start_time)
        if available is not None
        else clock_origin(exact(src.start_time), ref, run.timecodes)
    )
    s0 = (exact(src.start_time) - origin).rescaled_to(ref.rate)
    if s0 < RationalTime(0, ref.rate):
        msg = f"{where}: source_range.start_time {src.start_time.value:g}@{src.start_time.rate:g} is before "
        msg += f"media_reference.available_range.start_time {origin.to_frames(ref.rate)}@{ref.rate}"
        raise ProjectFileError(msg)
    dur = exact(src.duration).rescaled_to(ref.rate) * speed
    if any(fx.kind == "freeze" for fx in effects):  # a held frame: the range may run past the media's end
        dur = min(dur, ref.available_range.end_exclusive() - s0)
    silent = picture_only and ref.has_audio
    run.silenced += silent
    return Clip(
        name=child.name or "",
        media=ref,
        source_range=TimeRange(s0, dur),
        start=start,
        speed=Fraction(1) if keyframes else speed,
        effects=effects,
        keyframes=keyframes,
        enabled=bool(child.enabled),
        volume=0.0 if silent else min(float(child.metadata.get(FCPX_VOLUME, 1.0)) * level, 16.0),
    )


def _effect_name(fx: Any) -> str:
    """What a note calls an effect: its kind, else its own name (FCP 7 XML names its filters' effects
    only so: "Basic Motion", "Time Remap (variable speed)"), else its OTIO type."""
    return str(fx.effect_name or fx.name or type(fx).__name__)


def _relinked_by_file(clip: Clip, child: otio.schema.Clip, where: str, run: _Import) -> Clip:
    """Our clip showing the file the OTIO clip names where another tool pointed it at another file
    than ours (the file's reference wins); its source span kept, at the new media's rate."""
    named = named_file(child, run.base)
    if named is None or os.path.normpath(named) == os.path.normpath(clip.media.path):
        return clip
    ref = media_for(child, where, run.base, run.media, run.notes, run.relink)
    if ref is None:  # missing: said with the others in one error
        return clip
    span = clip.source_range
    rescaled = TimeRange(span.start.rescaled_to(ref.rate), span.duration.rescaled_to(ref.rate))
    return clip.model_copy(update={"media": ref, "source_range": rescaled})


def _relinked(clip: Clip, where: str, relink: Relink) -> Clip:
    """Our clip, its media found again (same name, size and fingerprint) where it moved."""
    media = clip.media
    found = relink.locate(Path(media.path), where, media.size, media.fingerprint)
    if found is None or found == Path(media.path):
        return clip
    return clip.model_copy(update={"media": media.model_copy(update={"path": str(found)})})


def _add_transition(track: Track, child: Any, ot: Any, m: int, r: Fraction, notes: list[str]) -> None:
    """OTIO's transition as it is: offsets either side of the cut, a fade where a side has no clip."""
    meta = our_data(child)
    where = f"{ot.name or 'track'}[{m}] transition" + (f" {json.dumps(child.name)}" if child.name else "")
    if meta:
        ours = edited_transition(Transition.model_validate(meta), child, r)
        if ours is None:
            notes.append(f"{where}: is zero frames long at {r} fps and is left out")
        else:
            track.transitions.append(ours)
        return
    prev, nxt = (ot[m - 1] if m > 0 else None), (ot[m + 1] if m + 1 < len(ot) else None)
    if any(isinstance(x, otio.schema.Stack | otio.schema.Track) for x in (prev, nxt)):
        notes.append(f"{where}: beside a nested sequence is left out (a hard cut there)")
        return
    last = track.items[-1] if track.items else None
    from_clip = (
        last.id
        if isinstance(prev, otio.schema.Clip) and not shows_nothing(prev) and isinstance(last, Clip)
        else None
    )
    to_clip = f"{_NEXT}{m}" if isinstance(nxt, otio.schema.Clip) and not shows_nothing(nxt) else None
    if from_clip is None and to_clip is None:
        notes.append(f"{where}: has no clip on either side and is left out")
        return
    before = exact(child.in_offset).to_frames(r, "nearest")
    after = exact(child.out_offset).to_frames(r, "nearest")
    # a fade over empty track can only reach as far as the gap beside it (none past an edge)
    if from_clip is None:
        room = _gap_frames(prev, r)
        if before > room:
            notes.append(f"{where}: {before - room} frame(s) before the track start are left out")
            before = room
    if to_clip is None:
        room = _gap_frames(nxt, r)
        if after > room:
            notes.append(f"{where}: {after - room} frame(s) past the track end are left out")
            after = room
    if child.transition_type not in ("", otio.schema.TransitionTypes.SMPTE_Dissolve):
        notes.append(f"{where}: a {child.transition_type!r} transition is imported as a dissolve")
    if before + after == 0:
        notes.append(f"{where}: is zero frames long at {r} fps and is left out")
        return
    track.transitions.append(
        Transition(
            from_clip=from_clip,
            to_clip=to_clip,
            duration=RationalTime.from_frames(before + after, r),
            in_offset=RationalTime.from_frames(before, r),
        )
    )


def _gap_frames(item: Any, r: Fraction) -> int:
    """Frames of an OTIO gap or a clip imported as one (0 for anything else, or the track's edge)."""
    if isinstance(item, otio.schema.Gap) or (isinstance(item, otio.schema.Clip) and shows_nothing(item)):
        return exact(item.trimmed_range().duration).to_frames(r, "nearest")
    return 0


def _link_pending(track: Track, pending: list[int], item_id: str) -> None:
    """The transitions waiting for the next item (by their index, kept by ``_fill``) now end on it:
    a look at those alone, not at every transition of the track for every item (quadratic)."""
    for i in pending:
        track.transitions[i] = track.transitions[i].model_copy(update={"to_clip": item_id})
    pending.clear()
