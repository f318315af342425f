"""OpenTimelineIO import/export: lossless for our own files, exact-rational for foreign ones."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio
from pydantic import ValidationError

from ..atomic import atomic_write_bytes
from ..errors import MediaError, ProjectFileError
from ..media.reference import reference_for
from ..model.items import Clip, Gap, TextClip
from ..model.marker import Marker
from ..model.media_ref import MediaReference
from ..model.project import Project
from ..model.properties import Effect
from ..model.settings import ProjectSettings
from ..model.time import RationalTime, TimeRange, parse_rate
from ..model.track import Track
from ..model.transition import Transition

__all__ = ["from_otio", "read_otio", "to_otio", "write_otio"]

log = logging.getLogger(__name__)

_KEY = "timeline_lab"
_KINDS = {"video": otio.schema.TrackKind.Video, "audio": otio.schema.TrackKind.Audio}


def _ort(t: RationalTime) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(float(t.value), float(t.rate))


def _ortr(r: TimeRange) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_ort(r.start), _ort(r.duration))


def _exact_rate(rate: float) -> Fraction:
    """OTIO stores rates as floats; 29.97002997 means 30000/1001."""
    f = Fraction(rate).limit_denominator(1001)
    return parse_rate(f)


def _exact(t: otio.opentime.RationalTime, rate: Fraction | None = None) -> RationalTime:
    r = rate if rate is not None else _exact_rate(t.rate)
    value = Fraction(t.value).limit_denominator(1_000_000)
    return RationalTime(value * r / _exact_rate(t.rate), r)


def _plain(x: Any) -> Any:
    """OTIO metadata comes back as AnyDictionary/AnyVector; the model wants plain JSON values."""
    if hasattr(x, "items"):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, str | bytes):
        return x
    if hasattr(x, "__iter__"):
        return [_plain(v) for v in x]
    return x


def _meta(obj: Any) -> dict[str, Any] | None:
    m = obj.metadata.get(_KEY)
    return _plain(m) if m is not None else None


def to_otio(project: Project) -> otio.schema.Timeline:
    """An OTIO timeline; our exact data rides along in metadata so re-import is lossless."""
    rate = project.settings.frame_rate
    tl = otio.schema.Timeline(name=project.name)
    tl.metadata[_KEY] = {
        "project": project.model_dump(mode="json", include={"id", "name", "settings", "metadata"}),
    }
    for track in project.tracks:
        tl.tracks.append(_otio_track(track, rate))
    for m in project.markers:
        tl.tracks.markers.append(
            otio.schema.Marker(
                name=m.name,
                marked_range=otio.opentime.TimeRange(_ort(m.time), _ort(m.duration)),
                metadata={_KEY: m.model_dump(mode="json")},
            )
        )
    return tl


def _otio_track(track: Track, rate: Fraction) -> otio.schema.Track:
    """One track: its items and gaps in order, each transition beside the cut it sits on."""
    ot = otio.schema.Track(name=track.name or track.id, kind=_KINDS.get(track.kind, "Subtitle"))
    ot.enabled = track.enabled
    ot.metadata[_KEY] = track.model_dump(mode="json", exclude={"items", "transitions"})
    into = {t.to_clip: t for t in track.transitions if t.from_clip is None}  # fades in from a gap
    out_of = {t.from_clip: t for t in track.transitions if t.from_clip is not None}
    for item in track.items_with_gaps():
        if isinstance(item, Gap):
            span = _ort(item.duration)
            ot.append(
                otio.schema.Gap(source_range=otio.opentime.TimeRange(_ort(RationalTime(0, rate)), span))
            )
            continue
        if item.id in into:
            ot.append(_otio_transition(into[item.id], rate))
        ot.append(_otio_item(item, rate))
        if item.id in out_of:
            ot.append(_otio_transition(out_of[item.id], rate))
    return ot


def _otio_item(item: Clip | TextClip, rate: Fraction) -> otio.schema.Clip:
    """A clip (a text clip has no media), with our exact item in its metadata."""
    span = _ort(RationalTime.from_frames(item.frames(rate), rate))
    if isinstance(item, Clip):
        ref = otio.schema.ExternalReference(
            target_url=Path(item.media.path).as_uri(),
            available_range=_ortr(item.media.available_range),
        )
        # OTIO places a clip by its source duration: the clip's whole frames at the project rate
        # (at the media rate a conformed clip is no whole number of frames: 36.99999999999999)
        src = otio.opentime.TimeRange(_ort(item.source_range.start), span)
        clip = otio.schema.Clip(name=item.label(), media_reference=ref, source_range=src)
        if item.speed != 1:
            clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=float(item.speed)))
    else:
        clip = otio.schema.Clip(
            name=item.label(), source_range=otio.opentime.TimeRange(_ort(RationalTime(0, rate)), span)
        )
    clip.enabled = item.enabled
    clip.metadata[_KEY] = {"item": item.model_dump(mode="json")}
    return clip


def _otio_transition(tr: Transition, rate: Fraction) -> otio.schema.Transition:
    """OTIO's transition: ``in_offset`` before the cut, ``out_offset`` after it."""
    after, before = tr.handles(rate)
    return otio.schema.Transition(
        name=tr.kind,
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=_ort(RationalTime.from_frames(before, rate)),
        out_offset=_ort(RationalTime.from_frames(after, rate)),
        metadata={_KEY: tr.model_dump(mode="json")},
    )


def _media_path(ref: Any, where: str, base: Path | None) -> Path:
    """The local file a media reference names; a relative one is taken from the .otio file's folder."""
    url = getattr(ref, "target_url", None)
    if not url:
        raise ProjectFileError(f"{where}: media reference is not a local file ({type(ref).__name__})")
    parsed = urlparse(url)
    if parsed.scheme not in ("", "file"):
        raise ProjectFileError(f"{where}: media {url!r} is not a local file")
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(url)
    return path if path.is_absolute() or base is None else base / path


def from_otio(tl: otio.schema.Timeline, *, rate: Fraction | None = None, base: Path | None = None) -> Project:
    """A project from an OTIO timeline whose media references are local files.

    The frame rate is ``rate``, else the rate of ``global_start_time`` (how editors export the
    sequence rate), else the most common clip rate; relative media paths are taken from ``base``.
    """
    _check_times(tl)
    _refuse_nesting(tl)
    ours = (_meta(tl) or {}).get("project")
    if ours:
        project = Project.model_validate(ours)
    else:
        guess = rate or _guess_rate(tl)
        project = Project(name=tl.name or "Imported", settings=ProjectSettings(frame_rate=guess))
    r = project.settings.frame_rate
    media: dict[Path, MediaReference] = {}
    notes: list[str] = []  # what the import approximates or leaves out, said once
    for n, ot in enumerate(tl.tracks):
        kind = "audio" if ot.kind == otio.schema.TrackKind.Audio else "video"
        meta = _meta(ot)
        track = Track.model_validate(meta) if meta else Track(kind=kind, name=ot.name)
        project.add_track(track=track)
        cursor = 0
        for m, child in enumerate(ot):
            where = f"tracks[{n}][{m}]"
            if isinstance(child, otio.schema.Transition):
                _add_transition(track, child, ot, m, r, notes)
                continue
            frames = _exact(child.trimmed_range().duration).to_frames(r, "nearest")
            if isinstance(child, otio.schema.Clip) and child.enabled is not None:
                item = _item(child, cursor, r, where, media, base, notes)
                if item is not None:
                    track.items.append(item)
                    _link_pending_transition(track, item.id)
            cursor += frames
        # OTIO's track lasts to the end of its last child, a gap included
        if cursor > track.items_end():
            track.trailing_gap = RationalTime.from_frames(cursor - track.items_end(), r)
    project.markers[:] = [_marker(m, r) for m in tl.tracks.markers]
    if not ours:
        _size_from_media(project, media)
    if notes:
        project.metadata["import_notes"] = notes  # kept with the project, and logged once
        log.warning("%s: %d thing(s) not imported exactly: %s", tl.name, len(notes), "; ".join(notes))
    project.history.clear()
    project.validate_timeline()
    return project


def _refuse_nesting(tl: otio.schema.Timeline) -> None:
    """A Stack or Track inside a track (a nested sequence) is not imported yet: say so, never drop it."""
    for n, track in enumerate(tl.tracks):
        for m, child in enumerate(track):
            if isinstance(child, otio.schema.Stack | otio.schema.Track):
                label = f" {json.dumps(child.name)}" if child.name else ""
                msg = (
                    f"tracks[{n}][{m}]: a nested {type(child).__name__.lower()}{label} (a nested sequence or "
                    "compound clip) cannot be imported yet; flatten it in the editor that exported it"
                )
                raise ProjectFileError(msg)


def _size_from_media(project: Project, media: dict[Path, MediaReference]) -> None:
    """A timeline without size metadata takes its first video media's display size."""
    first = next((m for m in media.values() if m.has_video and m.width and m.height), None)
    if first is not None and first.width is not None and first.height is not None:
        even = (first.width + first.width % 2, first.height + first.height % 2)
        project.settings = project.settings.model_copy(update={"width": even[0], "height": even[1]})


def _check_times(tl: otio.schema.Timeline) -> None:
    """Refuse infinite/NaN values and rates <= 0 before any arithmetic turns them into OverflowError
    or a message naming no field (OTIO's JSON reader accepts ``Infinity`` and ``NaN``)."""
    _check_time(tl.global_start_time, "timeline global_start_time")
    for mk in tl.tracks.markers:
        _check_range(mk.marked_range, f"marker {json.dumps(mk.name)} marked_range")
    for n, track in enumerate(tl.tracks):
        _check_range(track.source_range, f"tracks[{n}] source_range")
        for m, child in enumerate(track):
            label = f"tracks[{n}][{m}] {type(child).__name__.lower()}"
            label += f" {json.dumps(child.name)}" if child.name else ""
            if isinstance(child, otio.schema.Transition):
                _check_time(child.in_offset, f"{label} in_offset")
                _check_time(child.out_offset, f"{label} out_offset")
                continue
            _check_range(child.source_range, f"{label} source_range")
            ref = getattr(child, "media_reference", None)
            if ref is not None:
                _check_range(ref.available_range, f"{label} media_reference.available_range")
            for mk in getattr(child, "markers", ()):
                _check_range(mk.marked_range, f"{label} marker {json.dumps(mk.name)} marked_range")


def _check_range(r: otio.opentime.TimeRange | None, what: str) -> None:
    if r is not None:
        _check_time(r.start_time, f"{what}.start_time")
        _check_time(r.duration, f"{what}.duration")


def _check_time(t: otio.opentime.RationalTime | None, what: str) -> None:
    if t is None:
        return
    if not (math.isfinite(t.rate) and t.rate > 0):
        raise ProjectFileError(f"{what}.rate: must be a positive finite number, got {t.rate}")
    if not math.isfinite(t.value):
        raise ProjectFileError(f"{what}.value: must be a finite number, got {t.value}")


def _guess_rate(tl: otio.schema.Timeline) -> Fraction:
    """``global_start_time``'s rate, else the most common clip rate, else 29.97."""
    if tl.global_start_time is not None:
        return _exact_rate(tl.global_start_time.rate)
    rates = Counter(_exact_rate(c.trimmed_range().duration.rate) for c in tl.find_clips())
    return rates.most_common(1)[0][0] if rates else Fraction(30000, 1001)


def _item(
    child: Any,
    cursor: int,
    r: Fraction,
    where: str,
    media: dict[Path, MediaReference],
    base: Path | None,
    notes: list[str],
) -> Clip | TextClip | None:
    meta = _meta(child)
    start = RationalTime.from_frames(cursor, r)
    if meta and "item" in meta:
        data = meta["item"]
        if data.get("type") == "text":
            return TextClip.model_validate({**data, "start": start.to_json()})
        clip = Clip.model_validate({**data, "start": start.to_json()})
        if not Path(clip.media.path).exists():
            raise MediaError(f"{where}: media file {clip.media.path} does not exist")
        return clip
    path = _media_path(child.media_reference, where, base)
    if not path.exists():
        raise MediaError(f"{where}: media file {path} does not exist")
    ref = media.get(path) or reference_for(path)
    media[path] = ref
    speed, effects = Fraction(1), []
    for fx in child.effects:
        if isinstance(fx, otio.schema.FreezeFrame) or (
            isinstance(fx, otio.schema.LinearTimeWarp) and fx.time_scalar == 0
        ):
            effects.append(Effect(kind="freeze", params={"frame": 0}))  # the trimmed range's first frame
        elif isinstance(fx, otio.schema.LinearTimeWarp):
            speed = Fraction(fx.time_scalar).limit_denominator(1000)
        else:
            notes.append(f"{where}: effect {fx.effect_name or type(fx).__name__!r} is not rendered")
    src = child.trimmed_range()  # no source_range: the whole available range (OTIO's rule)
    available = child.media_reference.available_range
    # OTIO times are on the media's own clock (a camera file may start at 01:00:00:00); ours start at 0
    origin = _exact(available.start_time) if available is not None else RationalTime(0, ref.rate)
    s0 = (_exact(src.start_time) - origin).rescaled_to(ref.rate)
    dur = _exact(src.duration).rescaled_to(ref.rate) * speed
    return Clip(
        name=child.name or "",
        media=ref,
        source_range=TimeRange(s0, dur),
        start=start,
        speed=speed,
        effects=effects,
        enabled=bool(child.enabled),
    )


def _add_transition(track: Track, child: Any, ot: Any, m: int, r: Fraction, notes: list[str]) -> None:
    """OTIO's transition as it is: offsets either side of the cut, a fade where a side has no clip."""
    meta = _meta(child)
    if meta:
        track.transitions.append(Transition.model_validate(meta))
        return
    where = f"{ot.name or 'track'}[{m}] transition" + (f" {json.dumps(child.name)}" if child.name else "")
    prev, nxt = (ot[m - 1] if m > 0 else None), (ot[m + 1] if m + 1 < len(ot) else None)
    last = track.items[-1] if track.items else None
    from_clip = last.id if isinstance(prev, otio.schema.Clip) and isinstance(last, Clip) else None
    to_clip = f"__next__{m}" if isinstance(nxt, otio.schema.Clip) else None
    if from_clip is None and to_clip is None:
        notes.append(f"{where}: has no clip on either side and is left out")
        return
    before = _exact(child.in_offset).to_frames(r, "nearest")
    after = _exact(child.out_offset).to_frames(r, "nearest")
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
    """Frames of an OTIO gap (0 for anything else, or the track's edge)."""
    if isinstance(item, otio.schema.Gap):
        return _exact(item.trimmed_range().duration).to_frames(r, "nearest")
    return 0


def _link_pending_transition(track: Track, item_id: str) -> None:
    for i, tr in enumerate(track.transitions):
        if tr.to_clip is not None and tr.to_clip.startswith("__next__"):
            track.transitions[i] = tr.model_copy(update={"to_clip": item_id})


def _marker(m: Any, r: Fraction) -> Marker:
    meta = _meta(m)
    if meta:
        return Marker.model_validate(meta)
    rng = m.marked_range
    return Marker(
        name=m.name, time=_exact(rng.start_time).snapped(r), duration=_exact(rng.duration).snapped(r)
    )


ADAPTERS: dict[str, tuple[str, str | None]] = {
    ".otio": ("otio_json", None),
    ".edl": ("cmx_3600", "otio-cmx3600-adapter"),
    ".xml": ("fcp_xml", "otio-fcp-adapter"),
    ".fcpxml": ("fcpx_xml", "otio-fcpx-xml-adapter"),
    ".aaf": ("AAF", "otio-aaf-adapter"),
}
"""Suffix -> (OpenTimelineIO adapter, the PyPI package publishing it; all in timeline_lab[interchange])."""


def _adapter(p: Path) -> str:
    """The OTIO adapter for ``p``'s suffix; a one-line error naming the package when it is missing."""
    suffix = p.suffix.lower()
    if suffix not in ADAPTERS:
        raise ProjectFileError(f"{p}: not a timeline format this build reads ({', '.join(ADAPTERS)})")
    name, package = ADAPTERS[suffix]
    if name not in {a.name for a in otio.plugins.ActiveManifest().adapters}:
        msg = f"{p}: {suffix} files need OpenTimelineIO's {package} adapter"
        msg += ": pip install 'timeline_lab[interchange]'"
        raise ProjectFileError(msg)
    return name


def write_otio(project: Project, path: str | Path) -> Path:
    """Export as OpenTimelineIO JSON, EDL, FCP 7 XML or FCPX XML (by suffix), atomically."""
    p = Path(path)
    adapter = _adapter(p)
    if adapter == "AAF":
        msg = f"{p}: AAF is imported, not exported (OpenTimelineIO's AAF writer needs Avid media ids)"
        raise ProjectFileError(msg)
    text = otio.adapters.write_to_string(to_otio(project), adapter)
    return atomic_write_bytes(p, text.encode("utf-8"))


MAX_OTIO_BYTES = 256 * 2**20
MAX_OTIO_DEPTH = 200  # JSON nesting; real timelines stay far below, OTIO's reader crashes far above


def _check_bounds(p: Path) -> None:
    """Refuse a file too big or nested too deep before OpenTimelineIO's reader sees it (it crashes)."""
    size = p.stat().st_size
    if size > MAX_OTIO_BYTES:
        raise ProjectFileError(f"{p}: {size} bytes is more than an OpenTimelineIO file may be here")
    depth = 0
    in_string = escaped = False
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            for byte in chunk:
                if in_string:
                    if escaped:
                        escaped = False
                    elif byte == 0x5C:  # backslash
                        escaped = True
                    elif byte == 0x22:  # quote
                        in_string = False
                elif byte == 0x22:
                    in_string = True
                elif byte in (0x5B, 0x7B):  # [ {
                    depth += 1
                    if depth > MAX_OTIO_DEPTH:
                        raise ProjectFileError(f"{p}: nested more than {MAX_OTIO_DEPTH} levels deep")
                elif byte in (0x5D, 0x7D):
                    depth -= 1


def read_otio(path: str | Path, *, rate: Fraction | None = None) -> Project:
    """Import a timeline file (``.otio``, ``.edl``, ``.xml``, ``.fcpxml``, ``.aaf``; local media only).

    ``rate`` sets the project rate (an EDL carries none: its timecodes are read at ``rate``, 24 fps
    by default, as OpenTimelineIO's CMX 3600 adapter does).
    """
    p = Path(path)
    if not p.is_file():
        raise ProjectFileError(f"{p}: no such timeline file")
    adapter = _adapter(p)
    try:
        _check_bounds(p)
        options = {"rate": float(rate)} if adapter == "cmx_3600" and rate is not None else {}
        tl = otio.adapters.read_from_file(str(p), adapter_name=adapter, **options)
    except ProjectFileError:
        raise
    except Exception as exc:  # OTIO raises assorted exception types for bad files
        raise ProjectFileError(f"{p}: not a readable OpenTimelineIO file ({exc})") from None
    if not isinstance(tl, otio.schema.Timeline):
        raise ProjectFileError(f"{p}: holds a {type(tl).__name__}, not a Timeline")
    try:
        return from_otio(tl, rate=rate, base=p.resolve().parent)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ProjectFileError(f"{p}: {where}: {first['msg']}") from None
    except ProjectFileError as exc:  # from_otio names the field; the file is ours to add
        raise ProjectFileError(f"{p}: {exc}") from None
