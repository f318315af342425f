"""Clips of a media file: source ranges at the media's own times, source timecode, stills, and
which source frame each clip frame shows.

A clip's frames are counted at the media rate; variable-rate video keeps each frame's own time and
duration, and a source timecode counts from the file's start timecode (frame 0): a video's, or a
sound file's time of day (a BWF recorder's bext time reference), so dual-system sound lines up.
``shown_frame`` / ``frames_showing`` give the source frames a clip shows as the render shows them:
through its reverse and freeze effects, and a variable-rate file's frames by their own times.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from fractions import Fraction

from pydantic import ValidationError

from ..errors import MediaError, ProjectError, first_error
from ..model.items import Clip
from ..model.keyframes import played_frame, plays_backwards
from ..model.media_ref import MediaReference
from ..model.time import RationalTime, TimeRange
from ..model.timecode import timecode_frames
from .info import AudioStreamInfo
from .probe import probe
from .timestamps import StreamTimes, stream_times

__all__ = ["clip_of", "frames_during", "frames_showing", "shown_frame", "source_range", "timecode_frame"]

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
    if count is not None and count <= 0:
        raise ProjectError(f"{ref.name}: count must be > 0 (frames from {first}), got {count}")
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
    times = _times(ref)
    start, duration = times.frames_span(first, count)
    per_second = 1 / times.time_base
    return TimeRange(RationalTime(start, per_second), RationalTime(duration, per_second))


def _times(ref: MediaReference) -> StreamTimes:
    """The frame times of a variable-rate reference's video stream."""
    video = probe(ref.path).video_stream(ref.video_stream)
    if video is None:
        raise MediaError(f"{ref.path}: video_stream: no video stream {ref.video_stream} (relink the clip)")
    return stream_times(ref.path, video.index)


def frames_during(ref: MediaReference, lo: Fraction, hi: Fraction) -> tuple[int, int]:
    """Source frames ``[first, end)`` on screen at some instant of seconds ``[lo, hi)`` (from frame 0's
    time): at the media rate, or (variable-rate video) by the frames' own times."""
    if not ref.variable_rate:
        return math.floor(lo * ref.rate), math.ceil(hi * ref.rate)
    times = _times(ref)
    first = times.index_at(times.first * times.time_base + lo)  # on screen at the start
    before = times.first + math.ceil(hi / times.time_base)  # frames shown before the end
    return first, int(times.pts.searchsorted(before, side="left"))


def _span_index(clip: Clip, j: int, rate: Fraction, times: StreamTimes | None) -> int:
    """The source frame on screen at span frame ``j``'s source time (sample-and-hold)."""
    if clip.media.still:
        return 0
    if times is None:
        return clip.source_frame_at(j, rate)
    t = clip.source_range.start + clip.source_offset(j, rate)
    return times.index_at(times.first * times.time_base + t.to_seconds())


def shown_frame(clip: Clip, k: int, rate: Fraction) -> int | None:
    """The source frame the render shows at clip frame ``k`` (from the clip's start, project ``rate``),
    or None when ``k`` is outside the clip.

    Follows the clip's speed (or ramp), its reverse and freeze effects, and a variable-rate file's
    own frame times, which ``Clip.source_frame_at`` (the span's frames at the average rate) cannot.
    """
    n = clip.frames(rate)
    if not 0 <= k < n:
        return None
    times = _times(clip.media) if clip.media.variable_rate and not clip.media.still else None
    return _span_index(clip, played_frame(clip, k, n), rate, times)


def frames_showing(clip: Clip, lo: Fraction, hi: Fraction, rate: Fraction) -> tuple[int, int] | None:
    """Clip frames ``[first, end)`` whose picture is a source frame on screen during seconds
    ``[lo, hi)`` (``frames_during``), as the render shows them; None when no frame of the clip does.

    A reversed clip's frames are mirrored; a frozen one shows its held frame throughout (all of it,
    or none); a speed that skips the span's frames shows none of them.
    """
    n = clip.frames(rate)
    a, b = frames_during(clip.media, lo, hi)
    if b <= a:
        return None
    times = _times(clip.media) if clip.media.variable_rate and not clip.media.still else None
    if any(fx.enabled and fx.kind == "freeze" for fx in clip.effects):
        held = _span_index(clip, played_frame(clip, 0, n), rate, times)
        return (0, n) if a <= held < b else None

    def index(j: int) -> int:
        return _span_index(clip, j, rate, times)

    first, end = bisect_left(range(n), a, key=index), bisect_left(range(n), b, key=index)
    if end <= first:
        return None
    return (n - end, n - first) if plays_backwards(clip) else (first, end)


def timecode_frame(ref: MediaReference, timecode: str, rate: Fraction | None = None) -> int:
    """The media frame (or sample) a source timecode names (the file's own start timecode is frame
    0; one earlier than it is read as past midnight, as time-of-day timecode wraps there).

    A video's timecode counts frames at its timecode track's rate (a 50p camera's 25 fps timecode),
    else at its frame rate. A sound file's counts frames at ``rate`` (the project's), else at the
    rate its recorder wrote (iXML), else at its sample rate; its start is its BWF time reference.
    """
    info = probe(ref.path)
    if not ref.has_video and (audio := info.audio_stream(ref.audio_stream)) is not None:
        return _sound_sample(ref, audio, timecode, rate or audio.timecode_rate or ref.rate)
    video = info.video_stream(ref.video_stream)
    start = video.timecode if video is not None and video.timecode else "00:00:00:00"
    count = video.timecode_frame if video is not None else timecode_frames  # (on the file's clock)
    try:
        at, origin = count(timecode, ref.rate), count(start, ref.rate)
        if at < origin:  # time-of-day timecode past midnight: the next day's
            at += count(f"24:00:00{start[8]}00", ref.rate)
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
