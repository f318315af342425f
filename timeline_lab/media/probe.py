"""Media metadata without decoding: exact times and rates, so edits are planned before any I/O."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av

from timeline_lab.core.disk_memo import Memo, file_stamp
from timeline_lab.errors import DamagedMediaError, MediaError
from timeline_lab.media import sequence
from timeline_lab.media._bwf import bwf_timecode
from timeline_lab.media._isobmff import mp4_rotations
from timeline_lab.media._tmcd import timecode_rates
from timeline_lab.media.alpha_decoders import has_alpha_side_channel
from timeline_lab.media.channel_layout import standard_layout
from timeline_lab.media.colour import matrix_name, primaries_name, transfer_name
from timeline_lab.media.info import (
    AudioStreamInfo,
    MediaInfo,
    VideoStreamInfo,
    display_size,
    info_from_json,
    info_json,
)
from timeline_lab.media.timestamps import READER_VERSIONS, SCAN_VERSION, stream_times
from timeline_lab.media.urls import as_url, input_for, stat_url
from timeline_lab.model.time import RationalTime

if TYPE_CHECKING:
    from collections.abc import Iterator

    from av.audio.stream import AudioStream
    from av.container import InputContainer
    from av.video.stream import VideoStream

    from timeline_lab.media.timestamps import StreamTimes

__all__ = ["AudioStreamInfo", "MediaInfo", "VideoStreamInfo", "display_size", "keyframes", "probe"]

_HALF = Fraction(1, 2)
_MAX_DELAY = Fraction(1, 10)  # an encoder delay is a few milliseconds; more is a real start offset
_COLOR_RANGES = {0: "unspecified", 1: "tv", 2: "pc"}
_FIELD_ORDERS = {1: "progressive", 2: "tff", 3: "bff", 4: "bff", 5: "tff"}
"""FFmpeg's AVFieldOrder by the field shown first (TB: top coded first, bottom shown first)."""
_MKV_DURATION = re.compile(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$")
_PROBE_VERSION = 18  # bump when what a probe reports changes: older probes on disk are never read

log = logging.getLogger(__name__)


def probe(path: str | os.PathLike[str], *, rate: Fraction | None = None) -> MediaInfo:
    """Read a file's streams, rates and exact durations without decoding a single frame.

    ``rate`` is the frame rate an image sequence (``frames/%05d.png``, a folder) is read at.
    A local file's probe is kept on disk until the file changes (:mod:`..core.disk_memo`), so a
    new process (a command-line render, a restarted kernel) does not open every source again.
    """
    path = Path(path)
    if as_url(path) is not None or sequence.is_sequence(path):
        return _probe(path, rate)
    stamp = file_stamp(_check_file(path))
    # a probe reports what a scan found: a new scan version makes every probe new too
    memo = Memo("probes", ".json", _PROBE_VERSION, SCAN_VERSION, READER_VERSIONS, path.resolve(), *stamp)
    data = memo.get()
    if data is not None:
        try:
            return info_from_json(json.loads(data), path)
        except Exception as exc:  # damaged: probe again
            log.debug("%s: ignoring the stored probe %s (%s)", path, memo.path, exc)
    info = _probe(path, rate)
    with contextlib.suppress(MediaError, OSError):  # gone or changed while probed: not kept
        if file_stamp(_check_file(path)) == stamp:
            memo.put(json.dumps(info_json(info)).encode())
    return info


def _probe(path: Path, rate: Fraction | None) -> MediaInfo:
    """Probe by opening the file (see :func:`probe`)."""
    with _open_media(path, rate) as (container, size):
        local = as_url(path) is None
        isobmff = local and "mp4" in container.format.name
        rotations = mp4_rotations(path) if isobmff else {}
        timecode = _timecode(container)
        clocks = timecode_rates(path) if isobmff and timecode else {}
        candidates = [
            s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
        ]
        videos = tuple(_usable_videos(container, candidates, rotations, path, timecode, rate))
        videos = tuple(_on_clock(v, clocks.get(v.index)) for v in videos)
        firsts = _first_audio_packets(container)
        counted = _counted_spans(container) if local else {}
        decoded = {
            **_declared_lengths(container, path),
            **(_decoded_lengths(container, path) if local else {}),
        }
        # a stream FFmpeg has no decoder context for (damaged or unknown codec) cannot be used
        usable = [s for s in container.streams.audio if s.codec_context is not None]
        for s in usable:
            standard_layout(s, path)
        bare_mp3 = container.format.name == "mp3"
        audios = tuple(
            _audio_info(s, firsts.get(s.index), counted.get(s.index), bare_mp3, decoded.get(s.index))
            for s in usable
        )
        if container.format.name in ("wav", "w64") and audios:  # a BWF recorder's start timecode
            tc = bwf_timecode(path if local else None, dict(container.metadata))
            audios = tuple(
                replace(a, time_reference=tc.time_reference, timecode_rate=tc.rate, drop_frame=tc.drop_frame)
                for a in audios
            )
        if not videos and not audios:
            raise MediaError(f"{path}: no audio or video streams ({container.format.name})")
        _check_complete(container, path, size)
        return MediaInfo(
            path=path,
            format_name=container.format.name,
            duration=_container_duration(container, videos, audios),
            bit_rate=container.bit_rate or None,
            video=videos,
            audio=audios,
            size_bytes=size,
        )


def keyframes(path: str | os.PathLike[str], stream_index: int | None = None) -> list[RationalTime]:
    """Keyframe times of a video stream (first one by default), where cuts can copy streams: media
    time, from the stream's first shown frame as every clip's source range counts, at one rate (the
    stream's frames at its rate; a variable-rate stream's ticks)."""
    path = Path(path)
    _check_file(path)
    return list(_keyframes(path, stream_index))


def _keyframes(path: Path, stream_index: int | None) -> tuple[RationalTime, ...]:
    """Keyframe times from the stream's timestamp scan (cached until the file changes)."""
    info = probe(path)
    video = info.video_stream(stream_index)
    if video is None:
        raise MediaError(f"{path}: no video stream")
    times = stream_times(path, video.index)
    if video.variable_frame_rate:
        return tuple(RationalTime(int(t) - times.first, 1 / times.time_base) for t in times.keys)
    rate = video.frame_rate  # each keyframe in its frame's slot, as every reader maps frames
    return tuple(
        RationalTime(round((int(t) - times.first) * times.time_base * rate), rate) for t in times.keys
    )


# --- opening, with errors that name the file --------------------------------------------------
def _check_file(path: Path) -> os.stat_result:
    """Fail early and clearly for what FFmpeg would report badly (or block on, like a FIFO)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise MediaError(f"{path}: no such file") from None
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise MediaError(f"{path}: is a directory, not a media file")
    if not stat.S_ISREG(st.st_mode):
        raise MediaError(f"{path}: not a regular file")
    if st.st_size == 0:
        raise MediaError(f"{path}: empty file (0 bytes), not a media file")
    return st


@contextmanager
def _open_media(path: Path, rate: Fraction | None = None) -> Iterator[tuple[InputContainer, int]]:
    """Open for reading; every PyAV error inside the block becomes a MediaError naming the file."""
    args: sequence.OpenArgs
    if (url := as_url(path)) is not None:
        size = stat_url(url).size
        args = {"file": input_for(url)}
    elif sequence.is_sequence(path):
        size = sequence.identity(path)[1]
        args = sequence.open_args(path, rate)
    else:
        size = _check_file(path).st_size
        args = {"file": str(path)}
    try:
        container = av.open(**args, metadata_errors="replace")
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: {_describe_failure(path, exc)}") from exc
    with container:
        try:
            yield container, size
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{path}: cannot read ({_strerror(exc)})") from exc


def _strerror(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc)


def _describe_failure(path: Path, exc: BaseException) -> str:
    """Say whether the file is no media at all or media that is damaged (sniffs the magic)."""
    reason = _strerror(exc)
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError:
        head = b""
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return f"MP4/MOV file is damaged or truncated ({reason})"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return f"Matroska/WebM file is damaged or truncated ({reason})"
    if not isinstance(exc, av.InvalidDataError):
        return f"cannot open ({reason})"
    return f"not a media file ({reason})"


def _check_complete(container: InputContainer, path: Path, size: int) -> None:
    """A partial download opens fine but ends early; the sample index tells (MP4/MOV)."""
    for stream in container.streams:
        entries = stream.index_entries
        if entries is not None and len(entries):
            last = entries[len(entries) - 1]
            end = last.pos + last.size
            if last.pos >= 0 and end > size:
                msg = f"{path}: truncated (stream {stream.index} data ends at byte {end}, "
                raise DamagedMediaError(msg + f"file has {size})")


# --- exact times ------------------------------------------------------------------------------
def _exact_time(ticks: int, time_base: Fraction, rate: Fraction | None) -> RationalTime:
    """``ticks * time_base`` on the ``rate`` grid when it lies there (see ``_snap``)."""
    return _snap(ticks * time_base, time_base, rate)


def _snap(
    seconds: Fraction, time_base: Fraction, rate: Fraction | None, ticks_off: Fraction = _HALF
) -> RationalTime:
    """A time at ``rate`` when within ``ticks_off`` ticks of that grid, else in time-base units.

    A coarse time base (Matroska: 1 ms) stores frame times rounded to the tick; a time within
    half a tick of a frame boundary is taken to be that frame's exact time.
    """
    if rate:
        units = seconds * rate
        nearest = round(units)
        if units == nearest or abs(nearest / rate - seconds) <= time_base * ticks_off:
            return RationalTime(nearest, rate)
    return RationalTime(seconds / time_base, 1 / time_base)


def _span_times(
    stream: VideoStream | AudioStream, rate: Fraction | None, *, use_tag: bool = False
) -> tuple[Fraction, RationalTime, RationalTime | None]:
    """Start and duration; Matroska has no stream duration, only a DURATION tag (in ms steps).

    The tag is used for video only (``use_tag``), where it snaps to the frame grid; for audio
    it would pose as an exact sample count it is not. FFmpeg's muxer writes it as the stream's
    *end* time, so the start is taken off (a video from 10 s to 14 s says 00:00:14, not 4 s); a
    writer that meant the length would only make the span shorter, never refuse a whole file.
    """
    assert stream.time_base is not None  # every demuxed stream has one
    tb = Fraction(stream.time_base)
    start = _exact_time(stream.start_time or 0, tb, rate)
    if stream.duration:
        return tb, start, _exact_time(stream.duration, tb, rate)
    tag = _MKV_DURATION.match(stream.metadata.get("DURATION", "")) if use_tag else None
    if tag:
        hours, minutes, secs = tag.groups()
        end = (int(hours) * 60 + int(minutes)) * 60 + Fraction(secs)
        span = end - (stream.start_time or 0) * tb  # the start as stored, not as snapped to frames
        return tb, start, _snap(span, tb, rate, Fraction(2))  # end and start: 2 roundings each
    return tb, start, None


def _count(duration: RationalTime | None, rate: Fraction) -> int | None:
    """Whole units in ``duration`` at ``rate``; None unless exact, never a guess."""
    if duration is None or not rate:
        return None
    units = duration.to_seconds() * rate
    return units.numerator if units.denominator == 1 else None


def _container_duration(
    container: InputContainer, videos: tuple[VideoStreamInfo, ...], audios: tuple[AudioStreamInfo, ...]
) -> RationalTime | None:
    """Exact span from the streams when all know theirs, else FFmpeg's microsecond figure, else
    (a live WebM, which says none) the span to the latest end a stream knows.

    That figure snaps to the primary video's frame grid when within half a (coarsest) tick.
    """
    streams: list[VideoStreamInfo | AudioStreamInfo] = [*videos, *audios]
    known = all(s.duration is not None for s in streams)
    if known or (not container.duration and any(s.duration is not None for s in streams)):
        start = min(s.start.to_seconds() for s in streams)
        end = max(s.start.to_seconds() + s.duration.to_seconds() for s in streams if s.duration)
        rates = [v.frame_rate for v in videos] + [Fraction(a.sample_rate) for a in audios]
        for rate in [*rates, *(1 / s.time_base for s in streams)]:
            if ((end - start) * rate).denominator == 1:
                return RationalTime((end - start) * rate, rate)
        return RationalTime.from_seconds(end - start, 1)
    if not container.duration:
        return None
    if videos:
        rate = videos[0].frame_rate
        coarse = max(s.time_base for s in streams)
        snapped = _snap(Fraction(container.duration, 1_000_000), coarse, rate)
        if snapped.rate == rate:
            return snapped
    return RationalTime(container.duration, 1_000_000)


# --- streams ----------------------------------------------------------------------------------
def _video_info(
    container: InputContainer,
    stream: VideoStream,
    orientation: tuple[int, bool] | None,
    path: Path,
    timecode: str | None,
    open_rate: Fraction | None = None,
) -> VideoStreamInfo:
    cc = stream.codec_context
    if not cc.width or not cc.height:  # FFmpeg found no picture it can decode (an animated WebP)
        what = f"{container.format.name.split(',')[0]}/{cc.name}"
        hint = (
            ": FFmpeg reads still WebP only, not animated"
            if cc.name == "webp" and _animated_webp(path)
            else ""
        )
        msg = f"{path}: video stream {stream.index} ({what}): no picture FFmpeg can decode (0x0{hint})"
        raise MediaError(msg)
    nominal = Fraction(stream.base_rate or stream.average_rate or stream.guessed_rate or 0)
    times = stream_times(path, stream.index, rate=open_rate)
    tb = times.time_base
    vfr = not times.steps_even()
    grid = times.grid_rate(nominal) if vfr else None  # constant rate with a jittery clock
    vfr = vfr and grid is None
    rate = grid or _rate(times, nominal, Fraction(stream.average_rate or 0), vfr)
    start = _exact_time(times.first, tb, rate)
    if vfr:
        duration: RationalTime | None = RationalTime(times.end - times.first, 1 / tb)
    else:
        duration = RationalTime(times.count, rate)
    claimed = _count(_span_times(stream, rate, use_tag=True)[2], rate)
    if not vfr and claimed is not None and times.packets < claimed - max(2, claimed // 10):
        # far fewer packets than the container says it holds: the rest of the file is missing
        msg = f"{path}: truncated (stream {stream.index} has {times.packets} of {claimed} frames)"
        raise DamagedMediaError(msg)
    if orientation is not None:  # an MP4/MOV's matrices
        rotation, flip = orientation
    elif times.rotation or times.flip:  # the first picture's display matrix
        rotation, flip = times.rotation or 0, times.flip
    else:
        rotation, flip = _rotate_tag(stream.metadata.get("rotate")), False
    sar = Fraction(stream.sample_aspect_ratio or cc.sample_aspect_ratio or 1) or Fraction(1)
    dw, dh = display_size(cc.width, cc.height, sar, rotation)
    return VideoStreamInfo(
        index=stream.index,
        codec=cc.name,
        width=cc.width,
        height=cc.height,
        frame_rate=rate,
        time_base=tb,
        start=start,
        duration=duration,
        frame_count=times.count,
        pix_fmt="yuva420p" if has_alpha_side_channel(cc.name, stream.metadata, cc.pix_fmt) else cc.pix_fmt,
        color_range=_COLOR_RANGES.get(int(cc.color_range), "unspecified"),
        rotation=rotation,
        flip=flip,
        sample_aspect_ratio=sar,
        variable_frame_rate=vfr,
        bit_rate=cc.bit_rate or None,
        default=bool(stream.disposition & av.stream.Disposition.default),
        display_width=dw,
        display_height=dh,
        timecode=stream.metadata.get("timecode") or timecode,
        color_space=matrix_name(int(cc.colorspace)),
        color_primaries=primaries_name(int(cc.color_primaries)),
        color_transfer=transfer_name(int(cc.color_trc)),
        field_order=_FIELD_ORDERS.get(int(cc.field_order), "unknown"),
    )


def _on_clock(video: VideoStreamInfo, clock: Fraction | None) -> VideoStreamInfo:
    """``video`` with the rate its timecode counts at, when a timecode track says another than its own."""
    if video.timecode is None or clock is None or clock == video.frame_rate:
        return video
    return replace(video, timecode_rate=clock)


def _usable_videos(
    container: InputContainer,
    streams: list[VideoStream],
    rotations: dict[int, tuple[int, bool]],
    path: Path,
    timecode: str | None,
    rate: Fraction | None,
) -> Iterator[VideoStreamInfo]:
    """Info of each video stream that has frames; a declared but empty one (a DVB PID carrying
    nothing) is left out rather than making the whole file unusable. Alone, it is an error.

    A stream that holds frames FFmpeg cannot read (no decoder, an unknown codec: ProRes RAW) is an
    error unless another video stream can be read: left out, the file passed for sound only and
    every later "no video" hid why.
    """
    failures: list[MediaError] = []
    unreadable: list[MediaError] = []
    found = False
    for s in streams:
        try:
            if s.codec_context is None:
                raise MediaError(f"{path}: video stream {s.index}: FFmpeg knows no codec for it")
            yield _video_info(container, s, rotations.get(s.index), path, timecode, rate)
            found = True
        except MediaError as exc:
            if isinstance(exc, DamagedMediaError) or "truncated" in str(exc):  # (FFmpeg's words too)
                raise
            failures.append(exc)
            if _holds_pictures(s):
                unreadable.append(MediaError(_unreadable(path, s, exc)))
    if unreadable and not found:
        raise unreadable[0]
    for err in unreadable:
        log.warning("%s (another video stream is used)", err)
    if failures and len(failures) == len(streams) and not container.streams.audio:
        raise failures[0]


def _holds_pictures(stream: VideoStream) -> bool:
    """Does the container say the stream has frames or a picture size (not an empty DVB PID)?"""
    cc = stream.codec_context
    listed = stream.frames or (stream.index_entries is not None and len(stream.index_entries))
    return bool(listed or (cc is not None and cc.width and cc.height))


def _unreadable(path: Path, stream: VideoStream, exc: MediaError) -> str:
    """Why a video stream that holds frames cannot be used: its codec and tag, and whether this
    FFmpeg has a decoder for it."""
    cc = stream.codec_context
    listed = f"{stream.frames} frames listed" if stream.frames else "frames listed"
    if cc is None:
        return f"{path}: video stream {stream.index} ({listed}): FFmpeg knows no codec for it"
    tag = f", tag {cc.codec_tag!r}" if cc.codec_tag and cc.codec_tag.isprintable() else ""
    said = str(exc).removeprefix(f"{path}: ")
    try:
        av.Codec(cc.name, "r")
        why = "FFmpeg reads none of its frames"
    except (av.FFmpegError, ValueError):
        why = "this FFmpeg has no decoder for it"
    else:
        if "no decodable video frames" not in said:
            return str(exc)  # a reason of its own (a raw elementary stream, an animated WebP)
    return f"{path}: video stream {stream.index} ({cc.name}{tag}, {listed}): {why} ({said})"


def _rate(times: StreamTimes, nominal: Fraction, average: Fraction, vfr: bool) -> Fraction:
    """The stream's frame rate: nominal when the timestamps agree, else the measured average."""
    mean = times.mean_step()
    if not vfr and (borne := _borne_rate(times, nominal)) is not None:
        return borne
    if not vfr:
        for rate in (nominal, average):  # interlaced streams can report a field rate as nominal
            if rate and abs(1 / rate - mean) < times.time_base:
                return Fraction(rate)
        if mean:
            return _tidy(1 / mean)
        return nominal or average or Fraction(25)
    span = (times.end - times.first) * times.time_base
    if not span:
        return nominal or average or Fraction(25)
    # at most the measured average: the media's length (its frames at this rate) must not end
    # before its last frame does, or a clip that reaches that frame is refused as past the end
    return _tidy(times.count / span, at_most=True)


def _borne_rate(times: StreamTimes, nominal: Fraction) -> Fraction | None:
    """An evenly stepped stream's rate that its ticks bear out over the whole stream: of the whole
    and NTSC rates near the measured one and the nominal when it is one of those (as
    :meth:`StreamTimes.grid_rate` weighs them), the nearest the measured; else the nominal; else None.

    Why: on a coarse clock a step of 2 or 3 ticks (240 fps at 1/600) or 750/751 (119.88 at 90 kHz)
    is within a tick of several rates, and FFmpeg's guess (144000/601, 120, Matroska's 19001/317)
    was taken: frames drifted a slot every few hundred.
    """
    measured = times.measured_rate()
    if measured is None:
        return None
    camera = {Fraction(round(measured)), Fraction(round(measured * 1.001) * 1000, 1001)}
    if nominal.denominator in (1, 1001):
        camera.add(nominal)
    borne = [r for r in camera if r > 0 and times.bears_out(r)]
    if borne:  # (on a short clip both 30 and 30000/1001 do: the nearer the measured rate)
        return min(borne, key=lambda r: (abs(float(r) - measured), r != nominal, r.denominator))
    return nominal if nominal and times.bears_out(nominal) else None


def _tidy(rate: Fraction, *, at_most: bool = False) -> Fraction:
    """A measured rate as the simple fraction it is meant to be (22.4999.. -> 45/2, 29.97 -> 30000/1001);
    ``at_most``: the nearest simple fraction not above it."""
    simple = rate.limit_denominator(1001)
    if at_most and simple > rate:
        simple = _below(rate, 1001)
    return simple if abs(simple / rate - 1) < Fraction(1, 2000) else rate


def _below(x: Fraction, max_denominator: int) -> Fraction:
    """The closest fraction not above ``x`` with a denominator up to ``max_denominator`` (the lower
    of the two bounds ``Fraction.limit_denominator`` chooses between)."""
    p0, q0, p1, q1 = 0, 1, 1, 0
    n, d = x.numerator, x.denominator
    while d:
        a = n // d
        q2 = q0 + a * q1
        if q2 > max_denominator:
            break
        p0, q0, p1, q1 = p1, q1, p0 + a * p1, q2
        n, d = d, n - a * d
    if not d:  # x itself fits
        return x
    k = (max_denominator - q0) // q1
    return min(Fraction(p0 + k * p1, q0 + k * q1), Fraction(p1, q1))


def _first_audio_packets(container: InputContainer) -> dict[int, int]:
    """First packet time (ticks) of each audio stream, from a short demux at the file's head."""
    streams = list(container.streams.audio)
    found: dict[int, int] = {}
    if not streams:
        return found
    try:
        for n, packet in enumerate(container.demux(streams)):
            t = packet.pts if packet.pts is not None else packet.dts
            if t is not None and packet.stream_index not in found:
                found[packet.stream_index] = t
            if len(found) == len(streams) or n > 2000:
                break
        container.seek(0)
    except av.FFmpegError:
        pass
    return found


_UNINDEXED_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "dts", "amr", "truehd", "mlp"})
"""Bare audio streams (ADTS AAC, MP3, AC-3...): no index and no length in the file, so FFmpeg
guesses one from the bit rate; a VBR file (an ADTS recording, an MP3 without a Xing header) loud at
first and quiet later was guessed a third of its length, and clips of it were cut short."""


def _counted_spans(container: InputContainer) -> dict[int, tuple[int, int]]:
    """(first tick, end tick) of each audio stream of a bare audio file, from its packets' own
    times and durations (a demux, no decode: about a second for an hour of MP3); else nothing."""
    pictures = (s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic)
    if container.format.name.split(",")[0] not in _UNINDEXED_AUDIO or any(pictures):
        return {}  # (cover art is no picture stream)
    spans: dict[int, tuple[int, int]] = {}
    try:
        for packet in container.demux(list(container.streams.audio)):
            t = packet.pts if packet.pts is not None else packet.dts
            if t is None or not packet.duration:
                continue
            first, end = spans.get(packet.stream_index, (t, t))
            spans[packet.stream_index] = (min(first, t), max(end, t + packet.duration))
        container.seek(0)
    except av.FFmpegError:
        return {}  # damaged: FFmpeg's guess, as before
    return spans


_OPUS_HEAD = b"OpusHead"


def _declared_lengths(container: InputContainer, path: Path) -> dict[int, int]:
    """Samples in the audio streams whose container says their exact length beside a duration
    FFmpeg reports whole: Ogg Opus (the granule count includes the pre-skip, which the decoder
    drops) and CAF (its packet table's valid frames; the last packet's remainder is padding).

    Why: a whole-file clip ran that much past the sound (6.5 ms of Opus, up to a packet of ALAC),
    ending in silence, and the timeline showed the extra length."""
    fmt = container.format.name
    out: dict[int, int] = {}
    for s in container.streams.audio:
        cc = s.codec_context
        if cc is None or not s.duration or s.time_base is None:
            continue
        whole = round(s.duration * Fraction(s.time_base) * cc.sample_rate)
        head = bytes(cc.extradata or b"")
        if fmt == "ogg" and cc.name == "opus" and head.startswith(_OPUS_HEAD) and len(head) >= 12:
            out[s.index] = max(0, whole - int.from_bytes(head[10:12], "little") * cc.sample_rate // 48000)
    if fmt == "caf" and len(container.streams.audio) == 1:
        s = container.streams.audio[0]
        valid = [n for n in (_caf_valid_frames(path), _alac_count(path, s.index)) if n is not None]
        if valid:
            out[s.index] = min(valid)
    return out


def _alac_count(path: Path, index: int) -> int | None:
    """Samples of an ALAC stream: its packets' frames less what the last one lacks (a frame says
    its own length; FFmpeg's CAF muxer writes a packet table without the remainder)."""
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            st = c.streams[index]
            if st.codec_context.name != "alac" or st.time_base is None:
                return None
            packets = [p for p in c.demux(st) if p.size]
            if not packets or not packets[-1].duration:
                return None
            total = sum(p.duration or 0 for p in packets)
            dec = av.CodecContext.create("alac", "r")
            dec.extradata = st.codec_context.extradata
            last = sum(f.samples for f in dec.decode(packets[-1]))  # an ALAC packet stands alone
            sr = cast("AudioStream", st).codec_context.sample_rate
            whole = round(total * Fraction(st.time_base) * sr)
            step = round(packets[-1].duration * Fraction(st.time_base) * sr)
            return whole - step + last if 0 < last <= step else None
    except (av.FFmpegError, OSError):
        return None


def _caf_valid_frames(path: Path) -> int | None:
    """``mNumberValidFrames`` of a CAF file's packet table (``pakt``), if it has one."""
    try:
        with path.open("rb") as f:
            if f.read(8)[:4] != b"caff":
                return None
            while len(head := f.read(12)) == 12:
                kind, size = head[:4], int.from_bytes(head[4:], "big", signed=True)
                if kind == b"pakt":
                    table = f.read(24)
                    return int.from_bytes(table[8:16], "big", signed=True) if len(table) == 24 else None
                if size < 0:
                    return None  # a data chunk that runs to the end: nothing after it
                f.seek(size, 1)
    except OSError:
        return None
    return None


def _decoded_lengths(container: InputContainer, path: Path) -> dict[int, int]:
    """Samples in each audio stream of an audio-only Matroska/WebM file (a MediaRecorder voice memo,
    an .mka), decoded and counted as a render decodes them; else nothing.

    Why: Matroska keeps no stream length, only the segment's (rounded, and absent from a live WebM),
    and its millisecond timestamps round each packet; only the decoder, which drops the codec delay
    and the end padding, knows the exact count (about a second for ten minutes of Opus). Read from
    a fresh open: a seek to 0 passes over a first packet stamped before 0 (Vorbis's priming).
    """
    pictures = (s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic)
    wanted = {s.index for s in container.streams.audio if not s.duration}
    if "matroska" not in container.format.name or any(pictures) or not wanted:
        return {}
    counts = dict.fromkeys(wanted, 0)
    spans: dict[int, tuple[Fraction, Fraction]] = {}  # (first start, last end) in seconds, by stamps
    try:
        with av.open(str(path), metadata_errors="replace") as fresh:
            for packet in fresh.demux([s for s in fresh.streams.audio if s.index in wanted]):
                for frame in packet.decode():
                    if not isinstance(frame, av.AudioFrame):
                        continue
                    counts[packet.stream_index] += frame.samples
                    if frame.pts is not None and frame.time_base is not None and frame.sample_rate:
                        at = frame.pts * Fraction(frame.time_base)
                        end = at + Fraction(frame.samples, frame.sample_rate)
                        first, last = spans.get(packet.stream_index, (at, end))
                        spans[packet.stream_index] = (min(first, at), max(last, end))
    except (av.FFmpegError, OSError) as exc:
        log.debug("%s: cannot count its sound (%s)", path, exc)
        return {}  # damaged: the segment's duration, where it says one
    for index, (first, last) in spans.items():
        rate = cast("AudioStream", container.streams[index]).codec_context.sample_rate
        spanned = round((last - first) * rate)
        # a hole in the stamps (lost packets) plays as silence: the span counts it; within a
        # millisecond tick of the count the stamps only round it, and the count is exact
        if spanned - counts[index] > rate // 1000 + 1:
            counts[index] = spanned
    return counts


_MP3_PADDING = 3 * 1152
"""Samples an MP3's Xing/LAME header may take off its frames' count (encoder delay and padding)."""


def _header_length(
    stream: AudioStream, duration: RationalTime | None, counted: tuple[int, int], tb: Fraction
) -> bool:
    """Is FFmpeg's length an MP3 header's (Xing/LAME: exact, delay and padding taken off) rather
    than a guess? It then lies just under the frames' count."""
    if duration is None or stream.codec_context.name not in ("mp3", "mp3float"):
        return False
    short = (counted[1] - counted[0]) * tb - duration.to_seconds()
    return 0 <= short * stream.codec_context.sample_rate < _MP3_PADDING


def _audio_info(
    stream: AudioStream,
    first_packet: int | None,
    counted: tuple[int, int] | None = None,
    bare_mp3: bool = False,
    decoded: int | None = None,
) -> AudioStreamInfo:
    """A sound stream's facts; ``decoded``: its samples, counted (``_decoded_lengths``).

    ``bare_mp3``: a bare MP3 file, whose demuxer reads the encoder delay from the LAME header (see
    below); every other container that says a codec delay (Matroska's CodecDelay, Ogg's pre-skip,
    an MP4 edit list) stamps its packets that much early already, so its decoded samples are where
    they belong (Opus in a WebM after 0 was placed 6.5 ms early)."""
    cc = stream.codec_context
    rate = Fraction(cc.sample_rate)
    tb, start, duration = _span_times(stream, rate)
    if counted is not None and not _header_length(stream, duration, counted, tb):
        duration = _exact_time(counted[1] - counted[0], tb, rate)  # counted (see _UNINDEXED_AUDIO)
    if decoded is not None:
        duration = RationalTime(decoded, rate)  # (see _decoded_lengths)
    delay = Fraction(0)
    skipped = None if first_packet is None or stream.start_time is None else stream.start_time - first_packet
    if (
        bare_mp3
        and first_packet is not None
        and first_packet >= 0
        and skipped
        and 0 < skipped * tb < _MAX_DELAY
    ):
        # the decoder skips the encoder delay inside the first packet (MP3's LAME header) and
        # stamps what is left late by as much: the first real sample belongs at the packet's time
        delay = skipped * tb
        start = _exact_time(first_packet, tb, rate)
    return AudioStreamInfo(
        index=stream.index,
        codec=cc.name,
        sample_rate=cc.sample_rate,
        channels=cc.channels,
        layout=cc.layout.name,
        time_base=tb,
        start=start,
        duration=duration,
        sample_count=_count(duration, rate),
        bit_rate=cc.bit_rate or None,
        default=bool(stream.disposition & av.stream.Disposition.default),
        delay=delay,
    )


def _animated_webp(path: Path) -> bool:
    """Does a WebP file hold an animation (an ANIM chunk)? A damaged still one does not."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP" and b"ANIM" in head


def _timecode(container: InputContainer) -> str | None:
    """Source timecode: the container's, a stream's, or a timecode (tmcd) data track's."""
    if tc := container.metadata.get("timecode"):
        return str(tc)
    for s in container.streams:
        if tc := s.metadata.get("timecode"):
            return str(tc)
    return None


# --- rotation ---------------------------------------------------------------------------------
def _rotate_tag(value: str | None) -> int:
    try:
        return round(float(value)) % 360 if value else 0
    except ValueError:
        return 0
