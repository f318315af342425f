"""New clips of a media file: source ranges at the media's own times, source timecode, stills.

A clip's frames are counted at the media rate; variable-rate video keeps each frame's own time and
duration, and a source timecode counts from the file's start timecode (frame 0): a video's, or a
sound file's time of day (a BWF recorder's bext time reference), so dual-system sound lines up.
"""

from __future__ import annotations

import math
from fractions import Fraction

from pydantic import ValidationError

from ..errors import ProjectError, first_error
from ..model.items import Clip
from ..model.media_ref import MediaReference
from ..model.time import RationalTime, TimeRange
from .info import AudioStreamInfo
from .probe import probe
from .timestamps import stream_times

__all__ = ["clip_of", "source_range", "timecode_frame"]

STILL_CLIP_SECONDS = 5
"""Length of a still image's clip when no frame count is given."""
_DAY = 24 * 60 * 60
_HALF = Fraction(1, 2)


def clip_of(
    ref: MediaReference,
    first: int | str = 0,
    count: int | None = None,
    *,
    speed: int | Fraction = 1,
    name: str = "",
    timecode_rate: Fraction | None = None,
) -> Clip:
    """A clip of ``ref``'s frames ``first .. first+count-1`` (all remaining frames by default).

    ``first`` may be a source timecode (``"01:00:10:05"``); a still image's clip lasts five
    seconds when ``count`` is None. ``timecode_rate``: the rate a sound file's timecode counts
    frames at (the project's; see :func:`timecode_frame`).
    """
    if isinstance(first, str):
        first = timecode_frame(ref, first, timecode_rate)
    total = ref.available_range.duration.to_frames(ref.rate)
    if ref.still and count is None:
        count = round(STILL_CLIP_SECONDS * ref.rate)
    n = total - first if count is None else count
    if first < 0 or n <= 0 or first + n > total:
        msg = f"{ref.name}: frames {first}..{first + n - 1} are not within its {total} frames"
        raise ProjectError(msg)
    try:
        return Clip(media=ref, source_range=source_range(ref, first, n), speed=Fraction(speed), name=name)
    except ValidationError as exc:
        where, msg = first_error(exc)
        raise ProjectError(f"{ref.name}: {where}: {msg}") from None


def source_range(ref: MediaReference, first: int, count: int) -> TimeRange:
    """The source range of frames ``first..first+count-1``: at the media rate, or (variable-rate
    video) by the frames' own times, each lasting its own duration."""
    if not ref.variable_rate:
        return TimeRange.from_frames(first, count, ref.rate)
    video = probe(ref.path).video_stream(ref.video_stream)
    assert video is not None
    times = stream_times(ref.path, video.index)
    start, duration = times.frames_span(first, count)
    per_second = 1 / times.time_base
    return TimeRange(RationalTime(start, per_second), RationalTime(duration, per_second))


def timecode_frame(ref: MediaReference, timecode: str, rate: Fraction | None = None) -> int:
    """The media frame (or sample) a source timecode names (the file's own start timecode is frame
    0; one earlier than it is read as past midnight, as time-of-day timecode wraps there).

    A sound file's timecode counts frames at ``rate`` (the project's), else at the rate its
    recorder wrote (iXML), else at its sample rate; its start is its BWF time reference.
    """
    info = probe(ref.path)
    if not ref.has_video and (audio := info.audio_stream(ref.audio_stream)) is not None:
        return _sound_sample(ref, audio, timecode, rate or audio.timecode_rate or ref.rate)
    video = info.video_stream(ref.video_stream)
    start = video.timecode if video is not None and video.timecode else "00:00:00:00"
    try:
        at = RationalTime.from_timecode(timecode, ref.rate).to_frames(ref.rate)
        origin = RationalTime.from_timecode(start, ref.rate).to_frames(ref.rate)
        if at < origin:  # time-of-day timecode past midnight: the next day's
            at += RationalTime.from_timecode(f"24:00:00{start[8]}00", ref.rate).to_frames(ref.rate)
    except ValueError as exc:
        raise ProjectError(f"{ref.name}: {exc}") from None
    return at - origin


def _sound_sample(ref: MediaReference, audio: AudioStreamInfo, timecode: str, rate: Fraction) -> int:
    """The sample ``timecode`` (frames at ``rate``) names: the one nearest its time after the
    recording's start (time of day, past midnight when earlier)."""
    try:
        at = RationalTime.from_timecode(timecode, rate).to_seconds()
        sep = ";" if ";" in timecode else ":"
        day = RationalTime.from_timecode(f"24:00:00{sep}00", rate).to_seconds()
    except ValueError as exc:
        raise ProjectError(f"{ref.name}: {exc}") from None
    origin = Fraction(audio.time_reference or 0, audio.sample_rate) % _DAY
    if at < origin:  # time-of-day timecode past midnight: the next day's
        at += day
    return math.floor((at - origin) * ref.rate + _HALF)
