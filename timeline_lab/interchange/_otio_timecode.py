"""A media file's start timecode: the clock that EDL and XML source times are written on (a
camera file whose first frame is 01:00:00:00 is cut at 01:00:00:04, not at 00:00:00:04)."""

from __future__ import annotations

from pathlib import Path

from ..errors import MediaError
from ..media.probe import probe
from ..model.media_ref import MediaReference
from ..model.time import RationalTime

__all__ = ["clock_origin", "start_timecode"]


def start_timecode(ref: MediaReference) -> RationalTime:
    """The timecode of the media's first frame at its rate (0 for media without one)."""
    zero = RationalTime(0, ref.rate)
    if ref.still or ref.sequence or not ref.has_video or not Path(ref.path).is_file():
        return zero
    try:
        video = probe(ref.path).video_stream(ref.video_stream)
    except (MediaError, OSError):  # unreadable now: its times are written from 0, as without timecode
        return zero
    if video is None or not video.timecode:
        return zero
    try:
        return RationalTime(video.timecode_frame(video.timecode, ref.rate), ref.rate)  # (on its own clock)
    except ValueError:  # a timecode this rate cannot count (a VFR file's odd average)
        return zero


def clock_origin(
    source_start: RationalTime,
    ref: MediaReference,
    known: dict[tuple[str, int | None], RationalTime] | None = None,
) -> RationalTime:
    """Where a foreign source time with no available_range counts from: the media's start timecode
    (an EDL's source timecodes are on the file's own clock), or 0 for times before it (a tool that
    counted from the file's first frame). ``known``: start timecodes already read in this import,
    by file and stream (an EDL names the same few files in thousands of events)."""
    key = (ref.path, ref.video_stream)
    tc = known.get(key) if known is not None else None
    if tc is None:
        tc = start_timecode(ref)
        if known is not None:
            known[key] = tc
    return tc if source_start >= tc else RationalTime(0, ref.rate)
