"""Proxies: small, short-GOP H.264 + AAC copies that a browser can scrub, frame for frame the source.

Every source frame is kept with its own timestamp (no frame-rate conversion), so frame ``k`` of
the proxy is frame ``k`` of the source; only the picture size and the GOP change.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
import os
import re
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import av
import numpy as np

from ..atomic import OutputError, check_not_source, check_ours, staged
from ..core.cache import ENV_VAR, cache_root
from ..core.jobs import Job, JobRunner, submit_to
from ..errors import CancelledError, MediaError
from ..fs import is_regular_file
from . import sequence
from .channel_layout import standard_layout
from .colour import (
    CANVAS_MATRIX,
    GamutMap,
    gamut_options,
    matrix_code,
    range_code,
    read_options,
    sws_colorspace,
)
from .fit import Refit
from .keys import media_key
from .orientation import upright, upright_steps
from .probe import AudioStreamInfo, MediaInfo, VideoStreamInfo, probe
from .sound_arrays import from_planes, to_planes
from .sound_shape import SoundShape
from .timestamps import stream_times

if TYPE_CHECKING:
    from av.audio.frame import AudioFrame
    from av.container import InputContainer, OutputContainer
    from av.video.frame import VideoFrame
    from numpy import typing as npt

__all__ = ["make_proxy", "make_proxy_async", "proxy_path", "prune_proxies"]

ProgressFn = Callable[[float], None]
"""Called with the fraction done, 0..1 (at most every 1 % or 0.2 s, and once with 1.0)."""
PROXY_BUDGET = 10 * 2**30
"""Bytes of cached proxies kept under the cache root; the least recently used go first."""
_VERSION = 5
"""Proxy cache version: 5 mirrors what the display matrix mirrors (media.orientation); 4 keeps a
picture of another shape midway in shape (media.fit); 3 made them BT.709."""


class _Cancel(Protocol):
    def is_set(self) -> bool: ...


def _even(x: Fraction | float) -> int:
    return max(2, round(x / 2) * 2)


def _picture_size(info: MediaInfo, height: int) -> tuple[int, int]:
    """Proxy size as a player shows the source: square pixels, upright, at most ``height`` lines."""
    v = info.primary_video
    assert v is not None
    h = _even(min(height, v.display_height))
    aspect = Fraction(v.display_width, v.display_height)
    return _even(h * aspect), h


def proxy_path(path: str | os.PathLike[str], *, height: int = 360, gop: int = 12) -> Path:
    """Where the cached proxy of ``path`` with these settings lives (under the cache root)."""
    key = media_key(path, kind="proxy", height=height, gop=gop, v=_VERSION)
    stem = re.sub(r"[^\w.-]+", "_", Path(path).stem)[:40]  # a pattern's % or * makes no file name
    return cache_root() / "proxies" / f"{stem}.{key[:24]}.mp4"


def prune_proxies(max_bytes: int = PROXY_BUDGET) -> int:
    """Delete the least recently used cached proxies until they fit ``max_bytes``; returns bytes freed."""
    folder = cache_root() / "proxies"
    files = []
    for p in folder.glob("*.mp4"):
        try:
            st = p.stat()
        except OSError:
            continue
        files.append((st.st_mtime_ns, st.st_size, p))
    total = sum(size for _, size, _ in files)
    freed = 0
    for _, size, p in sorted(files):
        if total - freed <= max_bytes:
            break
        p.unlink(missing_ok=True)
        freed += size
    return freed


_target_locks: dict[Path, threading.Lock] = {}
_target_locks_guard = threading.Lock()


def _lock_for(target: Path) -> threading.Lock:
    with _target_locks_guard:
        return _target_locks.setdefault(target, threading.Lock())


def make_proxy(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    height: int = 360,
    gop: int = 12,
    crf: int = 23,
    progress: ProgressFn | None = None,
    cancel: _Cancel | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a ``height``-line H.264/AAC MP4 (+faststart, a keyframe every ``gop`` frames).

    With ``out=None`` the proxy is cached under the cache root by content and settings, and an
    existing one is returned at once. The file appears only when complete (``.part`` + rename).
    An ``out`` is never the source itself (however spelled) nor, unless ``overwrite``, an existing
    file that is not a proxy. Raises CancelledError when ``cancel.is_set()`` becomes true,
    MediaError for unreadable input or such an ``out``.
    """
    src = Path(path)
    for name, value, low in (("height", height, 2), ("gop", gop, 1), ("crf", crf, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name}: must be an int >= {low}, got {value!r}")
    cached = out is None
    target = proxy_path(src, height=height, gop=gop) if out is None else Path(out)
    if not cached:
        try:
            check_not_source(target, [src], "the source of this proxy")
            check_ours(target, _is_proxy, "a proxy", overwrite=overwrite)
        except OutputError as exc:
            raise MediaError(str(exc)) from None
    with _lock_for(target.resolve()):
        if cached and target.exists():
            with contextlib.suppress(OSError):  # a read-only cache: its recency is not worth a failure
                os.utime(target)  # recency for prune_proxies
            if progress:
                progress(1.0)
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with staged(target) as part:  # a new file of ours (written through its descriptor), renamed
                _transcode(src, part, height, gop, crf, progress, cancel)  # into place when complete
        except OutputError as exc:  # a link swapped in for the staging file: refused, named
            raise MediaError(str(exc)) from None
        except OSError as exc:  # the source's problems are MediaErrors already: this is the folder
            raise MediaError(_unwritable(src, target, cached, exc)) from None
    if cached:
        prune_proxies()
    return target


def _unwritable(src: Path, target: Path, cached: bool, exc: OSError) -> str:
    """Why a proxy could not be written, naming the folder (and, for the cache, how to move it)."""
    reason = exc.strerror or exc
    if cached:
        return (
            f"{src}: cannot write its proxy in the cache folder {target.parent} ({reason}); "
            f"set {ENV_VAR} to a writable folder"
        )
    return f"{target}: cannot write the proxy of {src} there ({reason})"


_PROXY_TAG = "timeline_lab proxy"
"""The ``comment`` every proxy carries: a later proxy to the same name may replace it."""


def _is_proxy(path: Path) -> bool:
    """Is ``path`` a proxy this package wrote (its comment tag)?"""
    if not is_regular_file(path):
        return False
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            return str(c.metadata.get("comment", "")).startswith(_PROXY_TAG)
    except (av.FFmpegError, OSError):
        return False


def make_proxy_async(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    height: int = 360,
    gop: int = 12,
    crf: int = 23,
    progress: ProgressFn | None = None,
    runner: JobRunner | None = None,
    overwrite: bool = False,
) -> tuple[Job, concurrent.futures.Future[Path]]:
    """Run :func:`make_proxy` as a job on ``runner`` (a Studio's; else its own); returns (job, future).

    ``job.cancel()`` stops it and removes the partial file; ``job.fraction`` follows its progress.
    """

    def work(job: Job) -> Path:
        def report(fraction: float) -> None:
            job.progress(fraction)
            if progress is not None:
                progress(fraction)

        return make_proxy(
            path, out, height=height, gop=gop, crf=crf, progress=report, cancel=job.cancel_event,
            overwrite=overwrite,
        )  # fmt: skip

    job = submit_to(runner, work, Job(kind="proxy"))
    return job, job.future


class _Progress:
    def __init__(self, fn: ProgressFn | None, total: int) -> None:
        self.fn, self.total = fn, max(total, 1)
        self.last_t = 0.0
        self.last_f = 0.0

    def __call__(self, done: int) -> None:
        if self.fn is None:
            return
        f = min(done / self.total, 1.0)
        now = time.monotonic()
        if f - self.last_f >= 0.01 or now - self.last_t >= 0.2:
            self.last_f, self.last_t = f, now
            self.fn(f)


def _transcode(
    src: Path,
    part: Path,
    height: int,
    gop: int,
    crf: int,
    progress: ProgressFn | None,
    cancel: _Cancel | None,
) -> None:
    """Decode, make upright and small, encode; times start at the video's first shown frame."""
    info = probe(src)
    v, a = info.primary_video, info.primary_audio
    if v is None:
        raise MediaError(f"{src}: no video stream to make a proxy of")
    times = stream_times(src, v.index)
    total = times.count
    report = _Progress(progress, total)
    origin = times.first * times.time_base  # media time 0: the video's first shown frame
    try:
        with (
            av.open(**_open_args(src), metadata_errors="replace") as inp,
            av.open(str(part), "w", format="mp4", options=_mp4_options(v, a)) as dst,
        ):
            dst.metadata["comment"] = f"{_PROXY_TAG} of {src.name}"
            video = _VideoTrack(inp, dst, info, height, gop, crf, times.first, int(times.pts[-1]))
            audio = _AudioTrack(inp, dst, a, origin) if a is not None else None
            streams = [video.input] if audio is None else [video.input, audio.input]
            for packet in inp.demux(*streams):
                if cancel is not None and cancel.is_set():
                    raise CancelledError(f"{src}: proxy cancelled")
                for frame in packet.decode():
                    if isinstance(frame, av.VideoFrame):  # only the video input's frames are pictures
                        if video.encode(frame):
                            report(video.done)
                    elif isinstance(frame, av.AudioFrame) and audio is not None:
                        audio.encode(frame)
            video.flush()
            if audio is not None:
                audio.flush()
    except av.FFmpegError as exc:
        raise MediaError(f"{src}: proxy failed ({exc})") from exc
    if total and video.done != total:
        raise MediaError(f"{src}: proxy has {video.done} frames, the source {total}")
    if progress is not None:
        progress(1.0)


def _open_args(src: Path) -> sequence.OpenArgs:
    """``av.open``'s arguments for the source: an image sequence is read as the probe read it."""
    return sequence.open_args(src, None) if sequence.is_sequence(src) else {"file": str(src)}


def _mp4_options(v: VideoStreamInfo, a: AudioStreamInfo | None) -> dict[str, str]:
    """Faststart, and a movie timescale that makes the edit lists exact for frames and samples."""
    rate = Fraction(v.frame_rate)
    timescale = math.lcm(rate.numerator or 1, a.sample_rate if a else 1) if not v.variable_frame_rate else 0
    options = {"movflags": "+faststart"}
    if 0 < timescale < 2**31:
        options["movie_timescale"] = str(timescale)
    return options


class _VideoTrack:
    """The proxy's picture: every shown source frame, small and upright, with its own timestamp."""

    def __init__(
        self,
        inp: InputContainer,
        dst: OutputContainer,
        info: MediaInfo,
        height: int,
        gop: int,
        crf: int,
        first_tick: int,
        last_tick: int,
    ) -> None:
        v = info.primary_video
        assert v is not None
        width, height = _picture_size(info, height)
        turned = (v.rotation // 90) % 2  # a quarter turn: scaled before it is turned
        self.stored = (height, width) if turned else (width, height)
        self.input = next(s for s in inp.streams.video if s.index == v.index)
        self.input.thread_type = "AUTO"
        self.output = dst.add_stream("libx264", rate=Fraction(v.frame_rate) or None, options=_x264(crf, gop))
        self.output.width, self.output.height, self.output.pix_fmt = width, height, "yuv420p"
        assert self.input.time_base is not None  # every demuxed stream has one
        self.output.codec_context.time_base = self.input.time_base
        self.output.codec_context.gop_size = gop
        cc = self.output.codec_context  # pictures in BT.709, limited range, tagged so (``_upright``)
        cc.colorspace = cc.color_primaries = cc.color_trc = matrix_code(CANVAS_MATRIX)
        cc.color_range = range_code("tv")
        self.video = v
        self.gamut = GamutMap(v, "yuv420p") if gamut_options(v) else None
        self.refit = Refit((v.width, v.height))  # a picture of another size: shape kept
        self.dst, self.first_tick, self.last_tick, self.done = dst, first_tick, last_tick, 0
        self.name = inp.name
        self.held: VideoFrame | None = None  # the last frame, sent once the next has another time
        self.sent = -1  # the last time sent to the encoder

    def encode(self, frame: VideoFrame) -> bool:
        """Take one decoded frame; False for a leading picture that no player shows, or one after
        the last shown frame (the remnant of a GOP a stream copy cut broke: ``timestamps._orphans``).

        Of frames stamped alike (a coarse capture clock) only the last decoded is shown, as the
        render and FFmpeg show them; the MP4 muxer refused the repeated time (errno 22)."""
        if frame.pts is None or not self.first_tick <= frame.pts <= self.last_tick:
            return False
        if self.held is not None and self.held.pts != frame.pts:
            self._send(self.held)
        self.held = frame
        self.done += 1
        return True

    def _send(self, frame: VideoFrame) -> None:
        assert frame.pts is not None  # (encode takes only stamped frames)
        small = _upright(self.refit(frame), self.stored, self.video, self.gamut)
        small.pts, small.time_base = max(frame.pts - self.first_tick, self.sent + 1), frame.time_base
        small.pict_type = av.video.frame.PictureType.NONE  # our GOP, not the source's
        try:
            self.dst.mux(self.output.encode(small))
        except av.FFmpegError as exc:
            when = float(frame.pts * Fraction(frame.time_base or 0))
            raise MediaError(f"{self.name}: proxy failed at the frame stamped {when:.3f} s ({exc})") from exc
        self.sent = small.pts

    def flush(self) -> None:
        """The last frame, then the encoder's last packets."""
        if self.held is not None:
            self._send(self.held)
            self.held = None
        self.dst.mux(self.output.encode(None))


class _AudioTrack:
    """The proxy's sound: AAC in the source's layout, placed on the proxy's clock by ``_AudioPlacer``."""

    def __init__(
        self, inp: InputContainer, dst: OutputContainer, a: AudioStreamInfo, origin: Fraction
    ) -> None:
        self.input = next(s for s in inp.streams.audio if s.index == a.index)
        standard_layout(self.input, inp.name)
        layout = _LAYOUTS.get(a.channels, "stereo")
        bitrate = 128_000 if a.channels <= 2 else 64_000 * a.channels  # (5.1 at 192k: 12-21 dB SNR)
        self.output = dst.add_stream("aac", rate=a.sample_rate, layout=layout, options={"b": str(bitrate)})
        self.resampler = SoundShape("fltp", layout, a.sample_rate)
        self.place = _AudioPlacer(a, origin, Fraction(self.input.time_base or Fraction(1, a.sample_rate)))
        self.dst = dst

    def encode(self, frame: AudioFrame) -> None:
        """Resample, place and encode one decoded frame."""
        pieces = self.resampler.resample(frame)
        for piece in self.place(frame, pieces, loose=self.resampler.rerated):
            self.dst.mux(self.output.encode(piece))

    def flush(self) -> None:
        """What the converter still holds, then the encoder's last packets."""
        for piece in self.place(None, self.resampler.resample(None)):
            self.dst.mux(self.output.encode(piece))
        self.dst.mux(self.output.encode(None))


_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def _upright(
    frame: VideoFrame, stored: tuple[int, int], v: VideoStreamInfo, gamut: GamutMap | None
) -> VideoFrame:
    """The frame scaled to ``stored`` (square pixels) and turned as its display matrix says, in
    BT.709 limited range: a small proxy left in an HD source's BT.709 untagged would be read as
    BT.601 (players guess by size), and a BT.601 or full-range source's must be read as such."""
    canvas = sws_colorspace(CANVAS_MATRIX)
    if gamut is not None and not (frame.format.is_rgb or frame.format.has_palette):
        small = gamut(frame, stored[0], stored[1])  # HDR or BT.2020: mapped to SDR
    elif frame.format.is_rgb or frame.format.has_palette:
        small = frame.reformat(stored[0], stored[1], "yuv420p", dst_colorspace=canvas, dst_color_range=1)
    else:
        small = frame.reformat(
            stored[0],
            stored[1],
            "yuv420p",
            dst_colorspace=canvas,
            dst_color_range=1,
            **read_options(frame, v),
        )
    if not upright_steps(v.rotation, v.flip):
        return small
    rgb = cast("npt.NDArray[np.uint8]", upright(small.to_ndarray(format="rgb24"), v.rotation, v.flip))
    turned = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    return turned.reformat(format="yuv420p", dst_colorspace=canvas, dst_color_range=1)


class _AudioPlacer:
    """Decoded sound placed by its timestamps on the proxy's clock (0 = the video's first frame).

    Sound before the picture starts is dropped, a late start or a gap in the timestamps becomes
    silence and an overlap is cut, so the proxy keeps the source's sync; jitter of a coarse
    container clock (Matroska's milliseconds) is left alone rather than clicked at.
    """

    def __init__(self, info: AudioStreamInfo, origin: Fraction, time_base: Fraction) -> None:
        self.sr = info.sample_rate
        self.tb = time_base
        self.shift = origin + info.delay  # the delay: MP3 samples are stamped late by it
        self.tolerance = max(math.ceil(time_base * self.sr) + 1, self.sr // 200)
        end = info.start + info.duration if info.duration is not None else None
        self.end = None if end is None else round((end.to_seconds() - origin) * self.sr)
        self.written = 0

    def __call__(
        self, decoded: AudioFrame | None, pieces: list[AudioFrame], loose: bool = False
    ) -> list[AudioFrame]:
        """The proxy's next frames for one decoded frame (already in the proxy's sample format).

        ``loose``: the frame was converted from another rate, which its demuxer may have stamped
        it by (the header's): it runs on unless its stamp strays by a tenth of a second."""
        if not pieces:
            return []
        data = np.concatenate([to_planes(p) for p in pieces], axis=1)
        layout = pieces[0].layout.name
        if decoded is not None and decoded.pts is not None:  # (None: a converter's tail runs on)
            at = round((decoded.pts * self.tb - self.shift) * self.sr)
            if self.written == 0 or abs(at - self.written) > (self.sr // 10 if loose else self.tolerance):
                if at > self.written:
                    pad = np.zeros((data.shape[0], at - self.written), np.float32)
                    data = np.concatenate([pad, data], axis=1)
                else:
                    data = data[:, self.written - at :]
        if self.end is not None:
            data = data[:, : max(0, self.end - self.written)]  # decoders keep the codec's end padding
        if not data.shape[1]:
            return []
        frame = from_planes(np.asarray(data, np.float32), layout, self.sr, self.written)
        self.written += data.shape[1]
        return [frame]


def _x264(crf: int, gop: int) -> dict[str, str]:
    """Fast, small, seekable: fixed GOP (no scene-cut keyframes), closed GOPs, no lookahead stalls."""
    return {"crf": str(crf), "preset": "veryfast", "sc_threshold": "0", "keyint_min": str(gop)}
