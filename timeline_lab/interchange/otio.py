"""OpenTimelineIO import/export: lossless for our own files, exact-rational for foreign ones."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
from pydantic import ValidationError

from ..atomic import atomic_write_bytes
from ..errors import MediaError, ProjectError, ProjectFileError, first_error
from ..model.project import Project
from ._edl import channel_note, dissolve_sources, edl_text, leading_gaps, media_by_clip_name, media_rate
from ._edl_errors import edl_place, rate_mismatch
from ._edl_motion import exact_motion, on_media_frames, read_drop_frame_motion
from ._fcp7_channels import one_clip_per_file
from ._fcp7_checks import check_fcp7_items
from ._fcp7_markers import read_clip_markers_on_timecode
from ._fcp7_nested import read_nested_sequences_fully
from ._fcp7_sequence import read_sequences_whole
from ._fcp7_speed import read_speed_changes
from ._fcp7_transitions import off_centre_transitions
from ._fcpx_rates import exact_fcpx_rates
from ._fcpx_story import fcpx_story_exact
from ._linked_sound import heard_levels, linked_sound, sound_levels
from ._otio_common import MAX_PICTURE_RATE, exact_rate, start_time
from .otio_export import to_otio
from .otio_import import from_otio

__all__ = [
    "ADAPTERS",
    "BUNDLES",
    "FLAT_ADAPTERS",
    "MAX_OTIO_DEPTH",
    "from_otio",
    "read_otio",
    "start_time",
    "to_otio",
    "write_otio",
]

log = logging.getLogger(__name__)

ADAPTERS: dict[str, tuple[str, str | None]] = {
    ".otio": ("otio_json", None),
    ".edl": ("cmx_3600", "otio-cmx3600-adapter"),
    ".xml": ("fcp_xml", "otio-fcp-adapter"),
    ".fcpxml": ("fcpx_xml", "otio-fcpx-xml-adapter"),
    ".aaf": ("AAF", "otio-aaf-adapter"),
}
"""Suffix -> (OpenTimelineIO adapter, the PyPI package publishing it; all in timeline_lab[interchange])."""


BUNDLES = (".otiod", ".otioz")
"""OpenTimelineIO's bundles (a folder, a zip) of a ``content.otio`` and its media: a ``.otiod`` is
read (its media in the bundle), a ``.otioz`` and writing either refused by name."""
BUNDLE_DOCUMENT = "content.otio"


def _bundle(p: Path, writing: bool) -> Path:
    """The document a ``.otiod`` bundle holds to read; anything else a bundle asks is refused by name."""
    suffix = p.suffix.lower()
    if writing:
        msg = f"{p}: {suffix} bundles are not written here; save as .otio (media under its folder are "
        msg += "named relative to it: copy the folder with it)"
        raise ProjectFileError(msg)
    if suffix == ".otioz":
        msg = f"{p}: .otioz bundles are not read here (their media would stay inside the zip); unzip it "
        msg += f"and open its {BUNDLE_DOCUMENT}, or make a .otiod of it with otioconvert"
        raise ProjectFileError(msg)
    if not p.is_dir():
        raise ProjectFileError(f"{p}: a .otiod bundle is a folder holding {BUNDLE_DOCUMENT}; this is not one")
    return p / BUNDLE_DOCUMENT


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
    exact_fcpx_rates()
    fcpx_story_exact()
    p = Path(path)
    if p.suffix.lower() in BUNDLES:
        _bundle(p, writing=True)
    adapter = _adapter(p)
    if adapter == "AAF":
        msg = f"{p}: AAF is imported, not exported (OpenTimelineIO's AAF writer needs Avid media ids)"
        raise ProjectFileError(msg)
    ours = adapter == "otio_json"  # (its media under the file's folder named relative to it, as a .tlproj's)
    made = to_otio(project, image_sequences=ours, base=p.absolute().parent if ours else None)
    tl = _for_adapter(made, project, adapter, p)
    try:
        if adapter == "cmx_3600":  # its adapter writes the first track only
            text = edl_text(tl, project.settings.frame_rate, p)
        else:
            text = otio.adapters.write_to_string(tl, adapter)
    except otio.exceptions.OTIOError as exc:  # what the format cannot hold, said by its adapter
        raise ProjectFileError(f"{p}: the {p.suffix} format cannot hold this project: {exc}") from None
    return atomic_write_bytes(p, text.encode("utf-8"))


def _for_adapter(tl: otio.schema.Timeline, project: Project, adapter: str, p: Path) -> otio.schema.Timeline:
    """The timeline as the format can hold it: what its adapter would drop, mistime or crash on."""
    if adapter in FLAT_ADAPTERS:
        tl = _flattened(tl, p)
    if adapter == "cmx_3600":
        _one_video_track(project, p)
        _on_frames(tl, project.settings.frame_rate)  # sound timed in samples: EDLs count frames
    if adapter == "fcp_xml":  # the sequence's frame size, where FCP 7 and Premiere read it
        size = {"width": project.settings.width, "height": project.settings.height}
        tl.metadata["fcp_xml"] = {"media": {"video": {"format": {"samplecharacteristics": size}}}}
        _marker_comments(tl)
        off_centre_transitions(tl, p, project.settings.frame_rate)
        _on_frames(tl, project.settings.frame_rate)
    if adapter == "fcpx_xml":
        _titles_as_gaps(tl, p)
        _fcpx_left_out(tl, p)
    if adapter in ("fcp_xml", "fcpx_xml"):
        _timing_left_out(tl, p)
    if adapter not in ("otio_json", "fcpx_xml"):  # no metadata of ours: a picture clip is picture only
        heard_levels(tl)  # (no track volume or mute either)
        linked_sound(tl)  # (FCPX's storyline clips carry their own sound)
        sound_levels(tl, p, levels=adapter == "fcp_xml")
    if adapter == "fcp_xml":  # every switch, the sound's included
        _switches(tl)
    return tl


def _fcpx_left_out(tl: otio.schema.Timeline, p: Path) -> None:
    """Name once what OpenTimelineIO's FCPX XML writer leaves out: transitions, timeline markers."""
    transitions = len(tl.tracks.find_children(descended_from_type=otio.schema.Transition))
    markers = [json.dumps(m.name) for m in tl.tracks.markers]
    parts = [f"{transitions} transition(s)"] * bool(transitions) + [
        f"timeline marker(s) {', '.join(markers)}"
    ] * bool(markers)
    if parts:
        log.warning("%s: %s left out (the FCPX XML writer keeps neither)", p, " and ".join(parts))


def _timing_left_out(tl: otio.schema.Timeline, p: Path) -> None:
    """Name once the clips whose speed, reverse or freeze the format's writer leaves out (OpenTimelineIO's
    FCP 7 and FCPX XML writers write no time effects: those clips play at normal speed there)."""
    names = [
        json.dumps(clip.name)
        for clip in tl.find_clips()
        if any(isinstance(fx, otio.schema.LinearTimeWarp) for fx in clip.effects)
    ]
    if names:
        what = "speed, reverse or freeze"
        log.warning(
            "%s: the %s of clip(s) %s left out (the writer keeps no time effects)", p, what, ", ".join(names)
        )


def _titles_as_gaps(tl: otio.schema.Timeline, p: Path) -> None:
    """Clips with no media (our titles) as gaps of their length, said once: FCPX XML's writer would
    give each an invented ``file:///tmp/<name>`` asset that no import finds."""
    names: list[str] = []
    for track in tl.tracks.find_children(descended_from_type=otio.schema.Track):
        for k, clip in enumerate(track):
            if isinstance(clip, otio.schema.Clip) and isinstance(
                clip.media_reference, otio.schema.MissingReference
            ):
                names.append(json.dumps(clip.name))
                track[k] = otio.schema.Gap(source_range=clip.trimmed_range())
    if names:
        log.warning("%s: clip(s) with no media file (titles) %s written as gaps", p, ", ".join(names))


def _on_frames(tl: otio.schema.Timeline, rate: Fraction) -> None:
    """Clips timed on a sample clock (a WAV's 48000) re-timed on the project's frames: FCP 7 XML
    writes every time as frames and timecode, and no timecode runs at 48000 fps."""
    for clip in tl.find_clips():
        src, ref = clip.source_range, clip.media_reference
        if src is not None and src.start_time.rate > MAX_PICTURE_RATE:
            start = _frame(src.start_time, rate, math.floor)
            clip.source_range = otio.opentime.TimeRange(start, src.duration.rescaled_to(float(rate)))
        avail = ref.available_range if ref is not None else None
        if avail is not None and avail.start_time.rate > MAX_PICTURE_RATE:
            first = _frame(avail.start_time, rate, math.floor)
            end = _frame(avail.end_time_exclusive(), rate, math.ceil)
            ref.available_range = otio.opentime.TimeRange.range_from_start_end_time(first, end)


def _frame(
    t: otio.opentime.RationalTime, rate: Fraction, rounding: Callable[[Fraction], int]
) -> otio.opentime.RationalTime:
    """``t`` on the frame grid of ``rate`` (exactly: OTIO's floats would round 47999.99 frames)."""
    frames = rounding(Fraction(t.value) * rate / exact_rate(t.rate))
    return otio.opentime.RationalTime(frames, float(rate))


def _marker_comments(tl: otio.schema.Timeline) -> None:
    """Each marker's note as the ``<comment>`` FCP 7 XML keeps (its adapter writes no comment)."""
    for obj in [tl.tracks, *tl.tracks.find_children()]:
        for m in getattr(obj, "markers", ()):
            if m.comment:
                m.metadata["fcp_xml"] = {"comment": m.comment}


def _switches(tl: otio.schema.Timeline) -> None:
    """Each track's and clip's on/off as the ``<enabled>`` FCP 7 XML keeps (its adapter writes none)."""
    for obj in tl.tracks.find_children():
        if isinstance(obj, otio.schema.Track | otio.schema.Clip | otio.schema.Stack):
            obj.metadata["fcp_xml"] = {
                **obj.metadata.get("fcp_xml", {}),
                "enabled": "TRUE" if obj.enabled else "FALSE",
            }


def _one_video_track(project: Project, p: Path) -> None:
    """A CMX 3600 EDL is one picture track (disabled ones are left out): name those that would not fit."""
    video = [t for t in project.tracks if t.kind == "video" and t.enabled]
    if len(video) > 1:
        names = ", ".join(json.dumps(t.name or t.id) for t in video)
        msg = f"{p}: an EDL holds one video track; this project has {len(video)} enabled ({names}): "
        msg += "export each on its own, or nest them into one sequence first"
        raise ProjectFileError(msg)


FLAT_ADAPTERS = ("cmx_3600",)
"""Formats that cannot nest: nested sequences are written as the clips they show (an EDL)."""


def _flattened(tl: otio.schema.Timeline, p: Path) -> otio.schema.Timeline:
    """Each nested stack replaced by what it shows (its top visible clips over its span), said once."""
    names: list[str] = []
    for track in tl.tracks:
        _flatten_track(track, names)
    if names:
        log.warning("%s: nested sequence(s) %s written as the clips they show", p, ", ".join(names))
    return tl


def _flatten_track(track: otio.schema.Track, names: list[str]) -> None:
    for m, child in reversed(list(enumerate(track))):
        if not isinstance(child, otio.schema.Stack | otio.schema.Track):
            continue
        names.append(json.dumps(child.name))
        inner = child if isinstance(child, otio.schema.Track) else otio.algorithms.flatten_stack(child)
        inner = otio.algorithms.track_trimmed_to_range(inner, child.trimmed_range())
        _flatten_track(inner, names)
        shown = [c.deepcopy() for c in inner]
        del track[m]
        for k, piece in enumerate(shown):
            track.insert(m + k, piece)


MAX_OTIO_BYTES = 256 * 2**20
MAX_OTIO_DEPTH = 200  # JSON nesting; real timelines stay far below, OTIO's reader crashes far above


def _check_bounds(p: Path) -> None:
    """Refuse a file too big or nested too deep before OpenTimelineIO's reader sees it (it crashes)."""
    size = p.stat().st_size
    if size > MAX_OTIO_BYTES:
        raise ProjectFileError(f"{p}: {size} bytes is more than an OpenTimelineIO file may be here")
    if _deepest(p.read_bytes()) > MAX_OTIO_DEPTH:
        raise ProjectFileError(f"{p}: nested more than {MAX_OTIO_DEPTH} levels deep")


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.S)
"""A JSON string, escapes included; one left open runs to the end of the file."""
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = np.zeros(256, np.int32)
_STEP[list(b"[{")] = 1
_STEP[list(b"]}")] = -1


def _deepest(data: bytes) -> int:
    """The deepest ``[``/``{`` nesting outside strings, found at C speed (by bytes, regex and numpy:
    a Python loop over each byte took ~45 ms a MiB)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    return max(0, int(np.cumsum(_STEP[np.frombuffer(brackets, np.uint8)]).max()))


_DROP_FRAME = re.compile(rb"^\d{3}\s.*\d\d[;,]\d\d\s", re.M)


def _drop_frame(p: Path) -> bool:
    """Does an EDL count in drop-frame timecode (``FCM: DROP FRAME``, or events timed HH:MM:SS;FF)?"""
    head = p.read_bytes()[: 1 << 20]
    return b"FCM: DROP FRAME" in head.upper() or _events_drop_frame(p)


def _events_drop_frame(p: Path) -> bool:
    """Are an EDL's events timed HH:MM:SS;FF (what its reader counts as drop-frame, event by event)?"""
    return _DROP_FRAME.search(p.read_bytes()[: 1 << 20]) is not None


def read_otio(
    path: str | Path, *, rate: Fraction | None = None, search: Sequence[str | Path] = ()
) -> Project:
    """Import a timeline file (``.otio``, ``.otiod``, ``.edl``, ``.xml``, ``.fcpxml``, ``.aaf``; local media).

    ``rate`` sets the project rate (an EDL carries none: its timecodes are read at ``rate``, else
    29.97 for drop-frame timecode, else the one rate of the video files it names). Media that
    moved is found by name in the file's folder and the ``search`` folders; whatever is still
    missing is one MediaError naming the file.
    """
    read_nested_sequences_fully()
    check_fcp7_items()
    read_sequences_whole()
    read_clip_markers_on_timecode()
    read_speed_changes()
    read_drop_frame_motion()
    exact_fcpx_rates()
    fcpx_story_exact()
    p = Path(path)
    if p.suffix.lower() in BUNDLES:  # its media (under media/ inside it) found from its document's folder
        return read_otio(_bundle(p, writing=False), rate=rate, search=search)
    if not p.is_file():
        raise ProjectFileError(f"{p}: no such timeline file")
    adapter = _adapter(p)
    try:
        _check_bounds(p)
        if adapter == "cmx_3600" and rate is None:  # drop-frame timecode (HH:MM:SS;FF) is 29.97's alone
            rate = (
                Fraction(30000, 1001)
                if _drop_frame(p)
                else media_rate(p, [p.resolve().parent, *map(Path, search)])
            )
        options = {"rate": float(rate)} if adapter == "cmx_3600" and rate is not None else {}
        tl = otio.adapters.read_from_file(str(p), adapter_name=adapter, **options)
        if adapter == "cmx_3600" and isinstance(tl, otio.schema.Timeline):
            leading_gaps(tl, drop_frame=_events_drop_frame(p))
            dissolve_sources(tl)
            media_by_clip_name(tl, [p.resolve().parent, *map(Path, search)])
            exact_motion(tl, rate if rate is not None else Fraction(24))  # (always set for an EDL)
            on_media_frames(tl, p.resolve().parent, [p.resolve().parent, *map(Path, search)])
    except MediaError:  # ours, naming the file already
        raise
    except ProjectFileError as exc:  # ours: from the checks on the format's reader, the file added
        if str(exc).startswith(f"{p}:"):
            raise
        raise ProjectFileError(f"{p}: {exc}") from None
    except Exception as exc:  # OTIO raises assorted exception types for bad files
        if adapter == "cmx_3600":  # its reader names a value, not the event: found here
            raise ProjectFileError(_edl_error(p, str(exc), rate)) from None
        raise ProjectFileError(f"{p}: not a readable OpenTimelineIO file ({exc})") from None
    tl, others = _the_timeline(tl, p)
    merged = one_clip_per_file(tl) if adapter == "fcp_xml" else None
    try:
        project = from_otio(
            tl,
            rate=rate,
            base=p.resolve().parent,
            search=[Path(f) for f in search],
            picture_only=adapter != "fcpx_xml",  # FCPX's storyline clips carry their own sound
        )
    except MediaError as exc:
        raise MediaError(f"{p}: {exc}") from None
    except ValidationError as exc:
        where, why = first_error(exc)
        raise ProjectFileError(f"{p}: {where}: {why}") from None
    except ProjectError as exc:  # from_otio or the timeline's checks name the place; the file is ours to add
        raise ProjectFileError(f"{p}: {exc}") from None
    except (ValueError, ArithmeticError, AttributeError, TypeError) as exc:  # a value no check foresaw
        msg = f"{p}: holds a value this import cannot use ({type(exc).__name__}: {exc})"
        raise ProjectFileError(msg) from None
    if adapter == "cmx_3600" and (said := channel_note(tl)):
        project.metadata.setdefault("import_notes", []).append(said)
        log.warning("%s: %s", p, said)
    if merged:
        project.metadata.setdefault("import_notes", []).append(merged)
        log.warning("%s: %s", p, merged)
    if others:
        note = f"{p.name}: holds {len(others) + 1} timelines; imported {json.dumps(tl.name)}, "
        note += f"not {', '.join(others)}"
        project.metadata.setdefault("import_notes", []).append(note)
        log.warning("%s", note)
    return project


def _edl_error(p: Path, said: str, rate: Fraction | None) -> str:
    """An EDL reader's error with its event and line, and the rate it was read at where its
    timecodes do not fit it."""
    place = edl_place(p, said)
    msg = f"{p}: {place}: {said}" if place else f"{p}: {said}"
    if rate_mismatch(said) and rate is not None:
        msg += f" (read at {rate} fps: pass the EDL's own rate=, the CLI's --rate)"
    return msg


def _the_timeline(obj: otio.core.SerializableObject, p: Path) -> tuple[otio.schema.Timeline, list[str]]:
    """The timeline a file holds: itself, or the first in a collection (an FCPX library's event),
    with the names of the others."""
    if isinstance(obj, otio.schema.Timeline):
        return obj, []
    found = _timelines(obj) if isinstance(obj, otio.schema.SerializableCollection) else []
    if not found:
        raise ProjectFileError(f"{p}: holds a {type(obj).__name__}, not a Timeline")
    return found[0], [json.dumps(t.name) for t in found[1:]]


def _timelines(collection: otio.schema.SerializableCollection) -> list[otio.schema.Timeline]:
    """Every timeline in a collection, nested collections included, in order."""
    found: list[otio.schema.Timeline] = []
    for child in collection:
        if isinstance(child, otio.schema.Timeline):
            found.append(child)
        elif isinstance(child, otio.schema.SerializableCollection):
            found += _timelines(child)
    return found
