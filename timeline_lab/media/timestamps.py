"""The media time model's ground truth: the presentation times of the frames a player shows.

One demux pass (no decoding) per video stream, cached by what the file is. Frame ``k`` of a
stream is ``pts[k]``: the k-th shown frame, counted from the stream's own first shown frame.
Packets that an MP4 edit list cuts away (``is_discard``) and packets before the first keyframe
(a transport stream cut mid-GOP) are never shown, so they are not frames.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import math
import os
import shlex
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from .._version import __version__
from ..core.disk_memo import Memo, file_stamp
from ..errors import DamagedMediaError, MediaError
from . import sequence
from .alpha_decoders import alpha_keyframe, has_alpha_side_channel
from .nal import is_idr
from .orientation import frame_orientation
from .urls import as_url, input_for, stat_url

if TYPE_CHECKING:
    from av.container import InputContainer

__all__ = ["READER_VERSIONS", "SCAN_VERSION", "StreamTimes", "stream_times"]

_ROTATION_PROBE_PACKETS = 16  # packets decoded at most to read a frame's display matrix
SCAN_VERSION = 9  # bump when what a scan keeps (or refuses) changes: older files on disk are never read
_ORPHANS = 3
"""Frames a stream copy cut may leave after a gap at the very end (``_orphans``)."""
_MAX_B_RUN = 16
"""B-frames in a row at most (H.264's and HEVC's limit): a longer hole at the end is no cut's,
but a pause (a recorder that writes a frame only when the picture changes)."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class StreamTimes:
    """Sorted presentation ticks of the shown frames and of the keyframes of one video stream."""

    time_base: Fraction
    pts: np.ndarray[Any, np.dtype[np.int64]]
    keys: np.ndarray[Any, np.dtype[np.int64]]
    last_duration: int
    """Ticks the last frame stays on screen (its packet duration, else the typical step)."""
    rotation: int | None
    """Counter-clockwise degrees from the first decoded frame's display matrix, when decoded (turned
    after the mirror: ``orientation``)."""
    packets: int = 0
    """Packets with a time, shown or not (a capture cut mid-GOP has some that never show)."""
    lead: int = 0
    """Keyframes to start decoding before the one at or before a frame: 1 where the keyframes
    after the first are not IDR but recovery points (H.264 intra refresh, whose first frames a
    decoder drops or shows half-built until a refresh period has passed; open GOPs, whose
    leading B-frames reach into the GOP before); else 0."""
    flip: bool = False
    """The display matrix mirrors the picture left to right (before ``rotation`` turns it)."""

    @property
    def count(self) -> int:
        """Frames a player shows."""
        return len(self.pts)

    @property
    def first(self) -> int:
        """Ticks of the first shown frame: the stream's own time zero."""
        return int(self.pts[0])

    @property
    def end(self) -> int:
        """Ticks at which the last frame leaves the screen."""
        return int(self.pts[-1]) + self.last_duration

    def seconds(self, k: int) -> Fraction:
        """Absolute presentation time of frame ``k``."""
        return int(self.pts[k]) * self.time_base

    def index_at(self, seconds: Fraction) -> int:
        """Frame on screen at absolute ``seconds``: the last with pts <= it (sample-and-hold), or 0."""
        ticks = seconds / self.time_base
        i = int(np.searchsorted(self.pts, int(ticks // 1), side="right")) - 1
        return max(0, i)

    def frames_span(self, first: int, count: int) -> tuple[int, int]:
        """(start, duration) in ticks of frames ``first .. first+count-1``, from frame 0's time."""
        start = int(self.pts[first]) - self.first
        end = self.end if first + count >= self.count else int(self.pts[first + count])
        return start, end - self.first - start

    def steps_even(self) -> bool:
        """True when frames are evenly spaced to within one tick (a constant-rate stream)."""
        if self.count < 3:
            return True
        steps = np.diff(self.pts)
        return bool(steps.min() > 0 and steps.max() - steps.min() <= 1)

    def grid_rate(self, nominal: Fraction) -> Fraction | None:
        """The constant rate of a stream whose frames sit off its grid by clock jitter only (a
        phone's millisecond in 1/90000 ticks, an iPhone's tick at 240 fps), else None.

        Every frame lies within half a slot of ``first + k / rate``: frame k is slot k, so it is
        mapped by index as any constant-rate stream (each cut rounds ``(t - first) * rate``), where
        placing it by time repeated some frames and dropped others. A dropped frame (a gap of two
        slots) or a change of rate moves the frames after it a slot or more: variable rate.
        The rate: of the whole and NTSC rates (and ``nominal``, the container's, when it is one)
        that fit, the nearest the measured (least-squares) rate; else ``nominal`` (25/2...) or the
        measured rate as a simple fraction, when it fits. FFmpeg's own guess of a jittery MP4's
        rate is no claim: it said 30000/1001 for a 30 fps phone clip.
        """
        measured = self.measured_rate()
        if measured is None:
            return None
        slots = np.arange(self.count, dtype=np.float64)
        seconds = (self.pts - self.pts[0]).astype(np.float64) * float(self.time_base)

        def fits(rate: Fraction) -> bool:  # every frame within half a slot of its own
            return rate > 0 and float(np.abs(seconds * float(rate) - slots).max()) < 0.5

        whole, ntsc = Fraction(round(measured)), Fraction(round(measured * 1.001) * 1000, 1001)
        camera = [r for r in (whole, ntsc, nominal) if r.denominator in (1, 1001) and fits(r)]
        if camera:  # on a short clip both 30 and 30000/1001 fit: the nearer the measured rate
            return min(camera, key=lambda r: (abs(float(r) - measured), r.denominator))
        return next((r for r in (nominal, Fraction(measured).limit_denominator(1001)) if fits(r)), None)

    def measured_rate(self) -> float | None:
        """The least-squares rate of frames against their ticks (every frame weighs, not only the
        first and last), or None for fewer than three frames."""
        if self.count < 3 or self.pts[-1] <= self.pts[0]:
            return None
        slots = np.arange(self.count, dtype=np.float64)
        seconds = (self.pts - self.pts[0]).astype(np.float64) * float(self.time_base)
        centred = slots - slots.mean()
        measured = float((centred @ centred) / (centred @ seconds))
        return measured if math.isfinite(measured) and measured > 0 else None

    def bears_out(self, rate: Fraction) -> bool:
        """Could every frame be ``first + k / rate`` rounded to its tick (the ticks' spread about
        that grid at most one tick)? A rate one tick a frame off drifts past that over a clip.

        Why: a coarse clock (a 1/600 MOV at 240 fps, 1 ms Matroska) steps 2 or 3 ticks a frame, so
        the step alone cannot tell 240 from 239.76 or 120 from 119.88; the frames' sum can.
        """
        if not rate or self.count < 2:
            return bool(rate)
        slots = np.arange(self.count, dtype=np.float64)
        step = float(1 / (rate * self.time_base))  # ticks a frame at ``rate``
        off = (self.pts - self.pts[0]).astype(np.float64) - slots * step
        return bool(off.max() - off.min() <= 1 + 1e-6)

    def mean_step(self) -> Fraction:
        """Average seconds between frames (the last frame's own duration for a single frame)."""
        if self.count < 2:
            return self.last_duration * self.time_base
        return Fraction(int(self.pts[-1] - self.pts[0]), self.count - 1) * self.time_base


def stream_times(
    path: str | os.PathLike[str], stream_index: int, *, rate: Fraction | None = None
) -> StreamTimes:
    """Scan ``path``'s video stream once (cached until the file changes).

    ``rate``: the rate an image sequence is read at (see :mod:`.sequence`); ignored for files.
    Every scan also reads the first frame's display matrix, so probe, decoder and render share
    one cached scan.
    """
    if (url := as_url(path)) is not None:  # a remote file: its version stands in for the mtime
        remote = stat_url(url)
        return _scan(Path(url), hash(remote.version), remote.size, stream_index, None, False)
    p = Path(path).resolve()
    if sequence.is_sequence(p):  # kept in this process only: its identity is its images' summary
        _, size, stamp = sequence.identity(p)
        return _scan(p, stamp, size, stream_index, rate or sequence.DEFAULT_RATE, False)
    # ctime too: a same-size rewrite with its mtime put back must not reuse the old scan
    return _scan(p, *_identity(p), stream_index, None, True)


def _identity(p: Path) -> tuple[int, int]:
    """(mtime and ctime folded into one stamp, size) of a local file."""
    try:
        return file_stamp(p.stat())
    except OSError as exc:
        raise MediaError(f"{p}: cannot read ({exc.strerror or exc})") from None


READER_VERSIONS = (__version__, av.__version__, av.library_versions["libavformat"],
                   av.library_versions["libavcodec"])  # fmt: skip
"""The code that reads a file: results it kept on disk are only read back by the same versions."""


@functools.lru_cache(maxsize=64)
def _scan(path: Path, stamp: int, size: int, index: int, rate: Fraction | None, keep_it: bool) -> StreamTimes:
    """The stream's times: from this process's cache, the disk cache (``keep_it``), or a new scan.

    A scan demuxes the whole stream, which every new process would repeat for every file; it is
    kept on disk (:mod:`..core.disk_memo`) under the file's identity and the reader's versions.
    """
    memo = Memo("scans", ".npz", SCAN_VERSION, READER_VERSIONS, path, stamp, size, index, rate)
    data = memo.get() if keep_it else None
    if data is not None:
        try:
            return _read_scan(data)
        except Exception as exc:  # damaged: scan again
            log.debug("%s: ignoring the stored scan %s (%s)", path, memo.path, exc)
    times = _scan_stream(path, index, rate)
    if keep_it and _identity(path) == (stamp, size):  # not changed while scanned
        memo.put(_scan_bytes(times))
    return times


def _scan_bytes(t: StreamTimes) -> bytes:
    buf = io.BytesIO()
    meta = [t.time_base.numerator, t.time_base.denominator, t.last_duration, -1 if t.rotation is None
            else t.rotation, t.packets, t.lead, int(t.flip)]  # fmt: skip
    np.savez_compressed(buf, pts=t.pts, keys=t.keys, meta=np.array(meta, dtype=np.int64))
    return buf.getvalue()


def _read_scan(data: bytes) -> StreamTimes:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        num, den, last, angle, packets, lead, flip = (int(x) for x in z["meta"])
        pts, keys = z["pts"].astype(np.int64), z["keys"].astype(np.int64)
    if not len(pts) or den <= 0:
        raise ValueError("empty or malformed scan")
    rotation = None if angle < 0 else angle
    return StreamTimes(Fraction(num, den), pts, keys, last, rotation, packets, lead, bool(flip))


def _scan_stream(path: Path, index: int, rate: Fraction | None) -> StreamTimes:
    """Demux every packet of one stream, keeping the times of those a player will show."""
    args: sequence.OpenArgs = (
        sequence.open_args(path, rate) if rate is not None else {"file": input_for(path)}
    )
    try:
        container = av.open(**args, metadata_errors="replace")
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot open ({exc})") from exc
    with container:
        matches = [s for s in container.streams if s.index == index]
        stream = matches[0] if matches else None
        if not isinstance(stream, av.VideoStream):  # PyAV makes every video stream one
            raise MediaError(f"{path}: stream {index} is not a video stream")
        assert stream.time_base is not None  # every demuxed stream has one
        tb = Fraction(stream.time_base)
        rows: list[tuple[int, bool, bool, int]] = []  # (ticks, keyframe, discarded, duration)
        decoded: dict[int, int | None] = {}  # ticks -> decode ticks, for a cut's remnant
        angle: int | None = None
        flip = False
        idr = _IdrCheck(stream)
        to_decode = _ROTATION_PROBE_PACKETS
        step = 1 / Fraction(stream.average_rate) if stream.average_rate else Fraction(1, 25)
        back = round(max(_JOIN_BACK, 16 * step) / tb)  # (a slow stream's reordering stays inside)
        lines_up = bool(container.format.flags & _TS_DISCONT)
        last_dts: int | None = None
        untimed: list[int] = []  # durations of packets that carry no time at all
        held = _Held(container, stream)
        cc = stream.codec_context  # a WebM's alpha picture: a read starts where both are keyframes
        alpha = cc.name if has_alpha_side_channel(cc.name, stream.metadata, cc.pix_fmt) else None
        try:
            for packet in container.demux(held.streams):
                if packet.stream is not stream:
                    held.see(packet)
                    continue
                t = packet.pts if packet.pts is not None else packet.dts
                if t is None:
                    if packet.size:
                        untimed.append(packet.duration or 0)
                    continue
                if packet.dts is not None:
                    if last_dts is not None and packet.dts < last_dts - back:
                        raise DamagedMediaError(
                            _joined_message(path, index, (last_dts - packet.dts) * tb, len(rows), lines_up)
                        )
                    last_dts = packet.dts
                key = packet.is_keyframe and (alpha is None or alpha_keyframe(packet, alpha))
                rows.append((t, key, packet.is_discard, packet.duration or 0))
                decoded[t] = packet.dts
                if packet.is_keyframe and len(rows) > 1:
                    idr.see(packet)
                if to_decode:
                    to_decode -= 1
                    try:
                        for frame in packet.decode():
                            if isinstance(frame, av.VideoFrame):  # (the scanned stream's own)
                                angle, flip = frame_orientation(frame, path)
                            to_decode = 0
                    except av.FFmpegError:  # a damaged first picture: no rotation, not no file
                        to_decode = 0
        except av.FFmpegError as exc:
            raise MediaError(f"{path}: cannot read stream {index} ({exc})") from exc
        if not rows and untimed:
            raise MediaError(_untimed_message(path, index, stream, tb, untimed))
    return _times(
        path, index, tb, rows, angle, lead=int(idr.recovery), decoded=decoded, flip=flip, until=held.end()
    )


class _Held:
    """Where a Matroska/WebM file ends, in the scanned stream's ticks: how long its last frame holds.

    Why: a Matroska block says no duration (a live WebM's SimpleBlocks) or only the track's nominal
    step, and a recorder writes a frame only when the picture changes (``canvas.captureStream()``, a
    screen or slide recording): after the last paint the sound runs on and a browser holds the last
    picture to the end. That end is the latest end of the other audio and video streams' packets,
    else the segment's duration (a video-only recording given one afterwards). Other containers
    give each frame its duration.
    """

    def __init__(self, container: InputContainer, stream: av.VideoStream) -> None:
        self.matroska = "matroska" in container.format.name
        others = [s for s in (*container.streams.video, *container.streams.audio) if s is not stream]
        self.streams: list[av.stream.Stream] = [stream, *(others if self.matroska else [])]
        assert stream.time_base is not None  # every demuxed stream has one
        self.tb = Fraction(stream.time_base)
        self.segment = Fraction(container.duration, 1_000_000) if container.duration else Fraction(0)
        self.spans: dict[int, tuple[int, int, int, Fraction]] = {}  # first, summed, end, time base

    def see(self, packet: av.Packet[Any]) -> None:
        """Another stream's packet: it plays until its own end."""
        t = packet.pts if packet.pts is not None else packet.dts
        if t is None or packet.time_base is None:
            return
        first, summed, end, tb = self.spans.get(packet.stream_index, (t, 0, t, Fraction(packet.time_base)))
        d = packet.duration or 0
        self.spans[packet.stream_index] = (first, summed + d, max(end, t + d), tb)

    def end(self) -> int | None:
        """The file's end in ticks (floored: never past it), or None where frames say their own.

        A stream's end is its first time plus its packets' durations when that is within a tick of
        its last packet's end: in a coarse time base (Matroska's millisecond) it carries only the
        first time's rounding, not the last's too."""
        if not self.matroska:
            return None
        ends = [(first + summed if abs(first + summed - end) <= 1 else end) * tb
                for first, summed, end, tb in self.spans.values()]  # fmt: skip
        latest = max(ends, default=self.segment)  # (a muxer's segment duration is rounded up)
        return math.floor(latest / self.tb) if latest else None


def _untimed_message(path: Path, index: int, stream: av.VideoStream, tb: Fraction, untimed: list[int]) -> str:
    """Why a stream none of whose frames has a time (a raw H.264/HEVC elementary stream: raspivid,
    CCTV and drone exports) is refused, and the command that puts it in a container at its rate.

    Readers, the render and the printed ffmpeg command all place frames by their timestamps; a
    stream copy keeps B-frames' order only where the stream has none, else it is re-encoded."""
    steps = set(untimed)
    if len(steps) == 1 and 0 not in steps:
        rate = 1 / (steps.pop() * tb)  # the parser's step, from the stream's own timing headers
    else:
        rate = Fraction(stream.guessed_rate or stream.average_rate or 25)
    shown = f"{rate.numerator}/{rate.denominator}" if rate.denominator != 1 else str(rate.numerator)
    name = shlex.quote(path.name)
    out = shlex.quote(f"{path.stem}.mp4")
    video = "-c:v libx264 -crf 12" if stream.codec_context.has_b_frames else "-c copy"
    return (
        f"{path}: stream {index} has {len(untimed)} frames but no timestamps (a raw elementary stream), "
        f"so no frame has a time. Put it in a container at its rate ({shown} fps, as its headers say; "
        f"use the rate it was recorded at if it differs): ffmpeg -framerate {shown} -i {name} {video} {out}"
    )


_TS_DISCONT = 0x200
"""FFmpeg's ``AVFMT_TS_DISCONT`` (``av.format.Flags.ts_discont``): a format whose clock may break."""
_JOIN_BACK = Fraction(1, 2)
"""A stream's decode times never run back; by more than this (and 16 frames) they restart:
recordings joined byte for byte (``cat``, a saved live stream with ad breaks), each on its own clock."""


def _joined_message(path: Path, index: int, back: Fraction, packet: int, lines_up: bool) -> str:
    """Why a stream whose clock restarts midway is refused, and how to make it whole.

    ``lines_up``: a format whose clock may break (MPEG-TS and -PS, FLV: FFmpeg's ``ts_discont``),
    where the ffmpeg CLI's copy lines the parts up; in any other, a copy keeps the interleaving."""
    said = (
        f"{path}: stream {index}'s timestamps run back {float(back):.3f} s at packet {packet}: recordings "
        "joined on separate clocks, whose frames would interleave by time. "
    )
    if not lines_up:
        return said + "Cut it where each recording starts and join the parts with ffmpeg's concat demuxer."
    name = shlex.quote(path.name)
    out = shlex.quote(f"{path.stem}-joined.mp4")
    return said + (
        "Remux it onto one clock first (the ffmpeg CLI lines the parts up; the sound to AAC, which "
        f"MP4 holds): ffmpeg -i {name} -map 0:v:0 -map 0:a? -c:v copy -c:a aac -b:a 256k {out}"
    )


class _IdrCheck:
    """Whether an H.264 stream's later keyframes are recovery points, not IDR pictures (intra
    refresh, open GOPs).

    Why: a demuxer flags both as keyframes, but a decoder starting at a recovery point drops the
    frames of the next refresh period (FFmpeg), or shows them half-built: a seek must start one
    keyframe earlier. A few keyframes are looked at; any IDR among them settles it.
    """

    LOOK = 4

    def __init__(self, stream: av.VideoStream) -> None:
        extra = bytes(stream.codec_context.extradata or b"")
        self.active = stream.codec_context.name == "h264"
        avcc = extra[:1] == b"\x01" and len(extra) > 4  # length-prefixed NAL units; else Annex B
        self.length = (extra[4] & 3) + 1 if avcc else None
        self.seen = 0
        self.recovery = False

    def see(self, packet: av.Packet[Any]) -> None:
        """Look at one keyframe packet (not the stream's first)."""
        if not self.active or self.seen >= self.LOOK:
            return
        self.seen += 1
        idr = is_idr(bytes(packet), self.length)
        self.recovery = not idr
        if idr:
            self.active = False


def _times(
    path: Path,
    index: int,
    tb: Fraction,
    rows: list[tuple[int, bool, bool, int]],
    angle: int | None,
    *,
    lead: int = 0,
    decoded: dict[int, int | None] | None = None,
    flip: bool = False,
    until: int | None = None,
) -> StreamTimes:
    """Shown frames: from the first keyframe on (in decode order), not cut by an edit list;
    the last one holds ``until`` the file's end when that is later (see ``_Held``)."""
    first_key = next((n for n, row in enumerate(rows) if row[1]), None)
    if first_key is None:  # a demuxer that flags no keyframes: every packet is a frame
        first_key = 0
    kept = rows[first_key:]
    floor = kept[0][0] if kept else 0
    # an open GOP's leading frames (before the keyframe in display order) cannot be decoded
    shown = sorted((t, d) for t, _, discard, d in kept if not discard and t >= floor)
    if not shown:
        raise MediaError(f"{path}: stream {index} has no decodable video frames")
    pts = np.array([t for t, _ in shown], dtype=np.int64)
    step = shown[-1][1] or (int(np.median(np.diff(pts))) if len(pts) > 1 else 0)
    if (cut := _orphans(pts)) and _decoded_ahead(pts, cut, rows, decoded or {}):
        pts, step = pts[:-cut], int(np.diff(pts[:-cut]).min())
    elif until is not None:
        step = max(step, until - int(pts[-1]))
    keys = sorted({t for t, key, _, _ in rows if key and t <= pts[-1]}) or [int(pts[0])]
    return StreamTimes(tb, pts, np.array(keys, dtype=np.int64), step, angle, len(rows), lead, flip)


def _decoded_ahead(
    pts: np.ndarray[Any, np.dtype[np.int64]],
    cut: int,
    rows: list[tuple[int, bool, bool, int]],
    decoded: dict[int, int | None],
) -> bool:
    """Were the last ``cut`` frames decoded before the hole they follow (the anchors of B-frames a
    cut dropped)? A camera that dropped frames at the end wrote the ones after in order: real
    frames, kept. Without decode times (Matroska), a stream that reorders frames stands for it.
    A cut leaves its anchors last in decode order; where a frame shown before the hole was decoded
    after them, they anchor B-frames that are all there (a recorder that writes a frame only when
    the picture changes, its last one after a pause): real frames, kept."""
    order = {t: n for n, (t, _, _, _) in enumerate(rows)}
    body_last = max(order.get(int(t), -1) for t in pts[:-cut])
    if any(order.get(int(t), body_last + 1) < body_last for t in pts[-cut:]):
        return False
    hole = int(pts[-cut - 1]) + int(np.diff(pts[:-cut]).min())  # the first missing frame's time
    stamps = [decoded.get(int(t)) for t in pts[-cut:]]
    if all(d is not None for d in stamps):
        return all(d is not None and d < hole for d in stamps)
    times = [t for t, _, _, _ in rows]
    return any(b < a for a, b in itertools.pairwise(times))


def _orphans(pts: np.ndarray[Any, np.dtype[np.int64]]) -> int:
    """Frames to leave out after a gap at the very end of an otherwise constant-rate stream.

    Why: a stream copy cut (``ffmpeg -c copy -t``, trimming apps, LosslessCut) ends inside a GOP and
    keeps the last anchors but drops the B-frames shown before them, so the file ends with a hole of
    whole frames and one to ``_ORPHANS`` frames after it. Counted as they are, those frames made the
    whole stream "variable rate" at a mean rate off the real one, and every frame of it was mapped
    to a time a little off; left out, the stream is the constant-rate one it was.
    """
    if len(pts) < 4 * _ORPHANS:
        return 0
    steps = np.diff(pts)
    for k in range(1, _ORPHANS + 1):
        body, tail = steps[:-k], steps[-k:]
        lo, hi = int(body.min()), int(body.max())
        if lo <= 0 or hi - lo > 1:
            continue  # not even before the tail: look at a longer tail, else it is VFR
        whole = np.abs(tail - np.round(tail / lo) * lo) <= 1  # a whole number of frames each
        # past the body's own tick of jitter, and no longer than the B-frames a cut can drop
        hole = tail[0] >= 2 * lo - 1 and tail[0] > hi + 1 and tail[0] <= (_MAX_B_RUN + 1) * hi + 1
        if hole and bool(np.all(whole & (tail >= lo - 1))):
            return k
        return 0
    return 0
