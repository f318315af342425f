"""CMX 3600 EDLs with every track one holds: the picture track and the sound tracks (A, A2, A3...),
and a leading gap kept as the first event's record-in (OpenTimelineIO's adapter writes its first
track only, and reads a first record-in past the sequence start as a negative track start)."""

from __future__ import annotations

import json
import logging
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

import opentimelineio as otio

from ..errors import MediaError, ProjectFileError
from ..media.relink import find_media
from ..model.timecode import DROP_FRAME_RATES
from ._edl_errors import edl_place, rate_mismatch
from ._edl_events import REEL_LENGTH, Reels, track_events
from ._otio_common import exact
from ._otio_media import Relink, clip_frame_rates, file_name

__all__ = [
    "MAX_EVENTS",
    "channel_note",
    "dissolve_sources",
    "edl_text",
    "leading_gaps",
    "media_by_clip_name",
    "media_rate",
]

log = logging.getLogger(__name__)

MAX_EVENTS = 999
"""CMX 3600 numbers events in three digits: 001-999."""


def edl_text(tl: otio.schema.Timeline, rate: Fraction, p: Path, drop_frame: bool | None = None) -> str:
    """The EDL of the first enabled video track and every enabled audio track, numbered in order;
    the tracks it cannot hold (subtitles) and the timeline's markers are named once in the log.

    ``drop_frame``: timecode counted drop-frame (default: at 29.97 and 59.94, as editors write it).
    """
    drop = bool(DROP_FRAME_RATES.get(rate)) if drop_frame is None else drop_frame
    written = _written(tl, p)
    clips = [c for _, k in written for c in tl.tracks[k] if isinstance(c, otio.schema.Clip) and c.enabled]
    start, reels = _start_frame(tl, rate), Reels.of(clips)
    events = [e for code, k in written for e in track_events(tl.tracks[k], code, rate, drop, start, reels)]
    if reels.renamed:
        log.warning(
            "%s: reel name(s) cut to %d characters, made distinct: %s",
            p,
            REEL_LENGTH,
            "; ".join(reels.renamed),
        )
    if len(events) > MAX_EVENTS:
        msg = f"{p}: {len(events)} events (picture and sound) do not fit a CMX 3600 EDL, which numbers "
        msg += f"at most {MAX_EVENTS}: export fewer tracks, or split the timeline into parts"
        raise ProjectFileError(msg)
    _markers_left_out(tl, p)
    text = f"TITLE: {tl.name}\n" if tl.name else ""
    text += f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}\n\n"
    for n, event in enumerate(events, 1):
        text += "".join(f"{n:03d}  {line}\n" for line in event.lines)
        text += "".join(f"{note}\n" for note in event.notes)
    return text


def _start_frame(tl: otio.schema.Timeline, rate: Fraction) -> int:
    """The timeline's start timecode (``global_start_time``: an editor's 01:00:00:00) in project
    frames, where its record times count from (0 where it has none)."""
    start = tl.global_start_time
    return 0 if start is None else round(exact(start).to_seconds() * rate)


def _markers_left_out(tl: otio.schema.Timeline, p: Path) -> None:
    """Name once the timeline markers an EDL leaves out (its locators belong to events, not times)."""
    names = [json.dumps(m.name) for m in tl.tracks.markers]
    if names:
        log.warning("%s: an EDL keeps no timeline markers; marker(s) %s left out", p, ", ".join(names))


def _written(tl: otio.schema.Timeline, p: Path) -> list[tuple[str, int]]:
    """(channel, track index) of each track the EDL holds; the enabled ones it cannot, logged."""
    video = [k for k, t in enumerate(tl.tracks) if t.enabled and t.kind == otio.schema.TrackKind.Video]
    audio = [k for k, t in enumerate(tl.tracks) if t.enabled and t.kind == otio.schema.TrackKind.Audio]
    chosen = [("V", k) for k in video[:1]] + [
        ("A" if n == 0 else f"A{n + 1}", k) for n, k in enumerate(audio)
    ]
    kept = {k for _, k in chosen}
    left = [json.dumps(t.name) for k, t in enumerate(tl.tracks) if t.enabled and k not in kept]
    if left:
        log.warning(
            "%s: an EDL holds picture and sound tracks only; track(s) %s left out", p, ", ".join(left)
        )
    return chosen


def channel_note(tl: otio.schema.Timeline) -> str | None:
    """What an import cannot do with an EDL's sound channels (A, A2, AA: one channel of the file each):
    a clip here plays every channel of its file, so one file on two channels is heard twice."""
    files = {t.name: {_named(c) for c in t if isinstance(c, otio.schema.Clip)} for t in tl.audio_tracks()}
    names = [n for n, f in files.items() if any(f & g for m, g in files.items() if m != n)]
    if not names:
        return None
    return (
        f"sound channel(s) {', '.join(names)} name the same file(s): each plays the file's whole sound "
        "(a clip cannot play one channel of a file; turn down the ones that repeat it)"
    )


def _named(clip: otio.schema.Clip) -> str:
    """What an event's media is known by: its file, else its clip name."""
    return str(getattr(clip.media_reference, "target_url", "") or clip.name)


def dissolve_sources(tl: otio.schema.Timeline) -> None:
    """The clip a dissolve goes to, on the media its ``* TO CLIP:`` comment names (the reader gives it
    the ``FROM CLIP``'s, the outgoing clip's); with only a name, looked up by that name."""
    for track in tl.tracks:
        for k, item in enumerate(track):
            if not isinstance(item, otio.schema.Transition) or k + 1 >= len(track):
                continue
            incoming, outgoing = track[k + 1], track[k - 1] if k else None
            if not isinstance(incoming, otio.schema.Clip):
                continue
            comments = incoming.metadata.get("cmx_3600", {}).get("comments", [])
            url = next((c.split(":", 1)[1].strip() for c in comments if c.startswith("TO CLIP:")), None)
            if url:
                incoming.media_reference = otio.schema.ExternalReference(target_url=url)
            elif outgoing is not None and incoming.name != outgoing.name:
                incoming.media_reference = otio.schema.MissingReference()


def media_by_clip_name(tl: otio.schema.Timeline, folders: list[Path]) -> None:
    """Events that name their media only by ``* FROM CLIP NAME:`` (Premiere, Resolve), which the reader
    leaves as MissingReferences, pointed at the file of that name in ``folders`` where there is one;
    a file name (it has a suffix) found nowhere is pointed at as given, so the import names it missing
    with the others (it came in as black). A name that is no file name stays a noted gap."""
    looked: dict[str, Path | None] = {}  # each name looked for once (thousands of events, a few files)
    for clip in tl.find_clips():
        if not isinstance(clip.media_reference, otio.schema.MissingReference) or not clip.name:
            continue
        name = file_name(clip.name)
        if name not in looked:
            looked[name] = find_media(name, None, None, folders)
        found = looked[name]
        if found is not None:
            clip.media_reference = otio.schema.ExternalReference(target_url=found.as_uri())
        elif PurePath(name).suffix:
            clip.media_reference = otio.schema.ExternalReference(target_url=quote(clip.name))


def leading_gaps(tl: otio.schema.Timeline, *, drop_frame: bool = False) -> None:
    """Each track's first record-in past the sequence start as a leading gap (OpenTimelineIO's reader
    leaves it as a negative track start). The sequence starts at the whole hour of timecode nearest the
    first event (editors start at 00:00:00:00 or 01:00:00:00), or at that event if it comes first;
    that start is the timeline's start timecode (``global_start_time``, kept by the import and
    written back by the export).

    ``drop_frame``: the events are timed in drop-frame timecode (HH:MM:SS;FF), so an hour is counted
    as drop-frame counts it."""
    firsts = {id(t): -t.source_range.start_time for t in tl.tracks if _offset(t)}
    if not firsts:
        return
    earliest = min(firsts.values())
    start = min(earliest, _nearest_hour(earliest, drop_frame))
    if start.value > 0:
        tl.global_start_time = start
    for track in tl.tracks:
        if id(track) in firsts:
            first = firsts[id(track)]
            gap = first - start.rescaled_to(first.rate)
            track.source_range = None
            if gap.value > 0:
                track.insert(0, otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=gap)))


def _nearest_hour(t: otio.opentime.RationalTime, drop_frame: bool) -> otio.opentime.RationalTime:
    """The whole hour of timecode nearest ``t``, in the frames the EDL's timecode counts: not 3600 s
    (01:00:00:00 at 23.976 non-drop-frame is 86400 frames, 3603.6 s; 01:00:00;00 at 29.97 is 107892)."""
    try:
        hour = otio.opentime.from_timecode("01:00:00;00" if drop_frame else "01:00:00:00", t.rate)
    except Exception:  # no drop-frame count at this rate (the reader read the events as non-drop)
        hour = otio.opentime.from_timecode("01:00:00:00", t.rate)
    return otio.opentime.RationalTime(round(t.value / hour.value) * hour.value, t.rate)


def _offset(track: Any) -> bool:
    """A track the reader started before 0: its first event's record-in."""
    rng = track.source_range
    return rng is not None and rng.start_time.value < 0


def media_rate(p: Path, folders: list[Path]) -> Fraction:
    """An EDL's frame rate, which it does not carry: the one rate of the video files its events
    name (found as an import finds them); refused, asking for ``rate=``, when they do not agree."""
    ask = "pass rate= (the CLI's --rate)"
    tl = _read_somehow(p, ask)
    media_by_clip_name(tl, folders)
    relink = Relink(folders)
    rates = {rate for _, rate in clip_frame_rates(tl, p.resolve().parent, relink)}
    if len(rates) == 1:
        return rates.pop()
    if not rates and (refused := relink.refusal()) is not None:  # the rate is theirs: they come first
        raise MediaError(f"{p}: {refused} (an EDL's frame rate is read from its video files; or {ask})")
    said = (
        f"its media are at {', '.join(sorted(str(r) for r in rates))} fps"
        if rates
        else "no video file it names was found"
    )
    raise ProjectFileError(f"{p}: an EDL carries no frame rate and {said}; {ask}")


_TIMECODE_BASES = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0)
"""Timecode bases to read an EDL at for its file names: its events parse at its own (NTSC rates
count frames as 24, 30 and 60 do), and at another one a length may cross a second differently."""


def _read_somehow(p: Path, ask: str) -> Any:
    """The EDL read at the first timecode base its events agree with (only for the files it names);
    an error that is not its timecodes' rate (a bad value, overlapping records) named where it is."""
    failed: list[str] = []
    for base in _TIMECODE_BASES:
        try:
            return otio.adapters.read_from_file(str(p), adapter_name="cmx_3600", rate=base)
        except Exception as exc:  # the adapter raises assorted types for timecodes at a wrong rate
            failed.append(str(exc))
    other = next((f for f in failed if not rate_mismatch(f)), None)
    said = other if other is not None else failed[-1]
    place = edl_place(p, said)
    where = f"{p}: {place}" if place else f"{p}"
    if other is not None:
        raise ProjectFileError(f"{where}: {said}")
    msg = f"{where}: its timecodes fit no frame rate up to {_TIMECODE_BASES[-1]:g} fps ({said}); {ask}"
    raise ProjectFileError(msg)
