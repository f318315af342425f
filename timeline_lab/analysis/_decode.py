"""One decode pass that keeps only what analysis needs: the decoded planes, point-sampled small.

No swscale: the Y, U and V planes of 8-bit planar YUV frames are read as numpy views and
subsampled by striding, so the decoder (threaded) is the only real cost. Other pixel formats are
converted to yuv420p first (the slow path). ``deblock=False`` skips the decoder's loop filter
(about a third of H.264's decode time): the pictures differ from the shown ones by a fraction of a
level at block edges, which point samples barely see; frame indices still come from the pts.
Frame times are the ones clips, the frame reader and recognition give the same frame
(``media.clips.source_range``): a constant-rate frame's slot at the media rate (not its raw,
rounded or jittery stamp), a variable-rate frame's own time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame
from av.video.plane import VideoPlane

from ..errors import MediaError
from ..media.channel_layout import standard_layout
from ..media.clips import source_range
from ..media.colour import read_options
from ..media.fit import Refit
from ..media.info import AudioStreamInfo, MediaInfo, VideoStreamInfo
from ..media.probe import probe
from ..media.reference import reference_from_info
from ..media.sound_shape import SoundShape
from ..media.timestamps import StreamTimes, stream_times
from ..model.media_ref import MediaReference
from ..render.compile.pieces import media_origin
from ..render.compile.sound import HOLE, hole_seconds

__all__ = ["Sampled", "decode", "hole", "sample_step"]

log = logging.getLogger(__name__)

U8 = np.ndarray[Any, np.dtype[np.uint8]]
_FAST = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p", "yuvj440p"}
_BT601, _LIMITED = 5, 1  # swscale's codes: what an RGB frame is converted to YUV in


@dataclass(frozen=True)
class Sampled:
    """One shown frame, point-sampled: its index in the stream, exact time and small planes."""

    index: int
    seconds: Fraction
    """When it is shown, from the stream's first shown frame (as clips count it)."""
    end: Fraction
    """When the next frame replaces it (the stream's end for the last)."""
    y: U8
    u: U8
    v: U8
    full_range: bool
    matrix: int
    """swscale's code of the YUV matrix the planes are in (``media.colour.sws_colorspace``): the
    frame's tag, else the player's guess for its stream (BT.709 for HD)."""


def sample_step(width: int, target: int) -> int:
    """Pixel stride that brings ``width`` down to about ``target`` samples (1: every pixel)."""
    return max(1, width // max(1, target))


def _plane(plane: VideoPlane, step_x: int, step_y: int) -> U8:
    """A plane as a copied, strided numpy array (the frame's buffer is reused after this)."""
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return np.ascontiguousarray(rows[::step_y, : plane.width : step_x])


def _sample(
    frame: VideoFrame, step: int, refit: Refit, info: VideoStreamInfo
) -> tuple[U8, U8, U8, int, bool]:
    """Y, U and V of ``frame`` every ``step`` pixels, chroma on about the same grid, with the
    matrix (swscale's code) and range (full or not) they are in, as a player reads them.

    A picture of another size than its stream's (a stream that changes size midway: a browser's
    screen recording, a call, joined broadcast segments) is fitted into it first, its shape kept,
    as the render and the previews show it, so every sample of a stream has one shape. Another
    pixel format is converted to 8-bit YUV in its own matrix and range (RGB: BT.601, limited)."""
    read = read_options(frame, info)  # {} for RGB
    matrix = read.get("src_colorspace", _BT601)
    colour_range = read.get("src_color_range", _LIMITED)
    frame = refit(frame)
    if frame.format.name not in _FAST:
        kept = {"dst_colorspace": matrix, "dst_color_range": colour_range}
        frame = frame.reformat(format="yuv420p", **read, **kept)
    y, u, v = frame.planes  # one call: each builds new plane objects
    sx = max(1, round(step * u.width / frame.width))
    sy = max(1, round(step * u.height / frame.height))
    return _plane(y, step, step), _plane(u, sx, sy), _plane(v, sx, sy), matrix, colour_range == 2


def _open(path: str | os.PathLike[str]) -> av.container.InputContainer:
    try:
        return av.open(os.fspath(path), metadata_errors="replace")
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot open ({exc})") from exc


def _streams(
    path: str | os.PathLike[str], video: bool, audio: bool, audio_stream: int | None = None
) -> tuple[MediaInfo, int | None, AudioStreamInfo | None]:
    """The file's probe, the container index of the default video stream (no cover art) and the
    audio stream a player (and the render) uses, where asked for: ``audio_stream``, a clip's
    chosen one (a MediaError naming the file if it is not an audio stream), else the default."""
    info = probe(path)
    vi = info.primary_video.index if video and info.primary_video is not None else None
    a = info.audio_stream(audio_stream) if audio else None
    if vi is None and a is None:
        raise MediaError(f"{path}: no {'video' if video else 'audio'} stream to analyse")
    return info, vi, a


def hole(path: str | os.PathLike[str], audio_stream: int | None = None) -> Fraction:
    """Seconds of missing sound the render fills with silence in ``path``'s audio stream (the
    default, or ``audio_stream``)."""
    a = probe(path).audio_stream(audio_stream)
    return hole_seconds(a.time_base) if a is not None else HOLE


def decode(
    path: str | os.PathLike[str],
    *,
    video: bool = True,
    audio: bool = False,
    width: int = 64,
    deblock: bool = True,
    audio_stream: int | None = None,
) -> Iterator[Sampled | AudioFrame]:
    """Shown video frames (sampled to about ``width`` columns) and audio frames, in one demux pass.

    The streams are the ones the render uses (the default ones), and times are media times as the
    render counts them: seconds from the video's first shown frame (else the sound's first real
    sample), sound stamped late by an encoder delay put back where it belongs.
    ``deblock=False``: skip the loop filter (faster; for decisions, not for measured levels).
    ``audio_stream``: the container index of another audio stream (a clip's chosen one).
    A packet the decoder calls invalid (a damaged one, a recording's cut-off last one) is skipped,
    as the ffmpeg CLI does, with a warning logged; any other decode error is a MediaError.
    """
    info, vi, a = _streams(path, video, audio, audio_stream)
    ai = a.index if a is not None else None
    origin = media_origin(info, info.primary_video, info.audio_stream(audio_stream))
    delay = a.delay if a is not None else Fraction(0)
    with _open(path) as container:
        vs = next((s for s in container.streams.video if s.index == vi), None)
        aus = next((s for s in container.streams.audio if s.index == ai), None)
        if (vs is None) != (vi is None) or (aus is None) != (ai is None):
            raise MediaError(f"{path}: the streams changed since it was probed")
        if aus is not None:
            standard_layout(aus, path)
        times = stream_times(path, vs.index) if vs is not None else None
        ref = reference_from_info(info) if vs is not None else None
        shown = info.primary_video if vs is not None else None
        if vs is not None:
            vs.thread_type = "AUTO"
            if not deblock:  # an open option: PyAV has no attribute for it
                vs.codec_context.options = {**vs.codec_context.options, "skip_loop_filter": "all"}
        step = sample_step(vs.codec_context.width, width) if vs is not None else 1
        # (0x0: the header gave no size)
        refit = Refit((vs.codec_context.width, vs.codec_context.height) if vs is not None else (0, 0))
        streams = [s for s in (vs, aus) if s is not None]
        same_shape = SoundShape()  # the first frame's: a capture may switch stereo and 5.1 midway
        skipped = 0
        try:
            for packet in container.demux(streams):
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError as exc:  # a damaged or cut-off packet: as ffmpeg does
                    skipped += 1
                    log.debug(
                        "%s: packet at pts %s of stream %s skipped (%s)",
                        path,
                        packet.pts,
                        packet.stream.index,
                        exc,
                    )
                    continue
                for frame in decoded:
                    if isinstance(frame, AudioFrame):
                        yield from _stamped(frame, same_shape.resample(frame), origin + delay)
                    elif isinstance(frame, VideoFrame) and times is not None and ref and shown:
                        item = _shown(frame, times, ref, step, refit, shown)
                        if item is not None:
                            yield item
            yield from same_shape.resample(None)  # what a converter still holds
        except av.FFmpegError as exc:
            raise MediaError(f"{path}: cannot decode ({exc})") from exc
        if skipped:
            log.warning("%s: %d damaged packets skipped (the rest was analysed)", path, skipped)


def _stamped(frame: AudioFrame, out: list[AudioFrame], zero: Fraction) -> list[AudioFrame]:
    """``out`` (``frame`` converted, or the tail of the shape before and then ``frame``) stamped
    in samples from ``frame``'s time less ``zero`` (the stamp of media time 0), which the meters
    place by."""
    if frame.pts is None or frame.time_base is None:
        return out
    at = frame.pts * frame.time_base - zero
    if out and out[-1] is frame:  # the tail ends where the frame starts
        at -= sum(Fraction(p.samples, p.sample_rate) for p in out[:-1])
    for piece in out:
        piece.pts, piece.time_base = round(at * piece.sample_rate), Fraction(1, piece.sample_rate)
        at += Fraction(piece.samples, piece.sample_rate)
    return out


def _shown(
    frame: VideoFrame, times: StreamTimes, ref: MediaReference, step: int, refit: Refit, info: VideoStreamInfo
) -> Sampled | None:
    """The sampled frame with its index among the shown frames and its time as clips count it
    (``source_range``), or None (not shown, no time)."""
    if frame.pts is None:
        return None
    k = int(np.searchsorted(times.pts, frame.pts))
    if k >= times.count or int(times.pts[k]) != frame.pts:
        return None
    y, u, v, matrix, full_range = _sample(frame, step, refit, info)
    span = source_range(ref, k, 1)
    start, end = span.start.to_seconds(), span.end_exclusive().to_seconds()
    return Sampled(k, start, end, y, u, v, full_range, matrix)


def stream_rate(path: str | os.PathLike[str]) -> Fraction:
    """Average frame rate of the primary video stream (for per-second tables and default rates)."""
    vs = probe(path).primary_video
    if vs is None:
        raise MediaError(f"{path}: no video stream")
    times = stream_times(path, vs.index)
    step = times.mean_step()
    return 1 / step if step else Fraction(25)
