"""Sources for the exactness harness: tiny files whose frames and sounds say where they came from.

Every video frame carries ``(frame_index, tag)`` in the top band that ``synth.read_frame_index``
reads; the audio is silence with short tone bursts that start exactly at chosen frames' times. Each
``Source`` records what was written (every frame's time from the stream's own start, the bursts,
the container start offsets) so the oracle never needs to probe; ``make_pool`` verifies that by
demuxing each file after writing it, so a muxer that moved a timestamp fails here, not later.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import av
import numpy as np

from timeline_lab.media.synth import BLOCKS, TAG_BITS, read_frame_index

if TYPE_CHECKING:
    from av.audio.stream import AudioStream
    from av.packet import Packet
    from av.video.stream import VideoStream

__all__ = [
    "BURST_HZ",
    "BURST_SAMPLES",
    "HEIGHT",
    "RATES",
    "SAMPLE_RATE",
    "WIDTH",
    "Source",
    "catalog",
    "make_pool",
]

WIDTH, HEIGHT = 64, 48  # 24 code blocks of 2.7 px; canvas = source size, so nothing is scaled
SAMPLE_RATE = 48000
BURST_HZ = 1000.0
BURST_SAMPLES = 480  # 10 ms of tone
RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
}
"""The project and source rates the harness draws from."""


@dataclass(frozen=True)
class Source:
    """One generated file and the facts the oracle needs (times relative to the video's start)."""

    name: str
    path: Path
    tag: int
    rate: Fraction
    """Nominal frame rate (the constant one, or the one a clip's frame grid uses for VFR)."""
    times: tuple[Fraction, ...]
    """Presentation time of each frame, seconds from the first frame."""
    kind: str
    """``cfr``, ``vfr`` or ``offset`` (the video does not start at the container's zero)."""
    video_start: Fraction = Fraction(0)
    """Where the container puts the first frame (seconds)."""
    audio_start: Fraction = Fraction(0)
    """Where the container puts the first audio sample (seconds)."""
    bursts: tuple[int, ...] = field(default=())
    """Frames at whose time a tone burst starts."""

    @property
    def frames(self) -> int:
        """Number of frames."""
        return len(self.times)

    @property
    def vfr(self) -> bool:
        """True when frame times are not ``i / rate``."""
        return self.kind == "vfr"

    @property
    def duration(self) -> Fraction:
        """Length of the video: the last frame's time plus its display time."""
        return self.times[-1] + (self.times[-1] - self.times[-2])

    def frame_at(self, t: Fraction) -> int:
        """Sample-and-hold: the last frame whose time is <= ``t`` (the first before it, the last after)."""
        return max(0, bisect.bisect_right(self.times, t) - 1)

    def label(self) -> str:
        """Short description for failure messages."""
        rate = f"{float(self.rate):.6g} fps" if not self.vfr else f"VFR (~{float(self.rate):.6g} fps)"
        where = ""
        if self.video_start or self.audio_start:
            where = f", video at {float(self.video_start):.3f}s, audio at {float(self.audio_start):.3f}s"
        return f"{self.name} (tag {self.tag}, {self.path.suffix}, {rate}, {self.frames} frames{where})"


@dataclass(frozen=True)
class _Spec:
    """How to write one source."""

    name: str
    suffix: str
    rate: Fraction
    times: tuple[Fraction, ...]
    kind: str
    video_tb: Fraction
    video_start: Fraction = Fraction(0)
    audio_start: Fraction = Fraction(0)


_FORMATS = {".mp4": ("mp4", "aac"), ".ts": ("mpegts", "aac"), ".mkv": ("matroska", "flac")}


def _cfr(rate: Fraction, seconds: Fraction = Fraction(8, 5)) -> tuple[Fraction, ...]:
    return tuple(Fraction(i) / rate for i in range(math.ceil(seconds * rate)))


def _vfr_step_change() -> tuple[Fraction, ...]:
    """30 fps for 24 frames, then 15 fps for 18 (a phone that slowed down in the dark)."""
    first = [Fraction(i, 30) for i in range(24)]
    return tuple(first + [Fraction(24, 30) + Fraction(i, 15) for i in range(18)])


def _vfr_jitter() -> tuple[Fraction, ...]:
    """Millisecond stamps with uneven gaps (a browser recording): 20..60 ms, avg ~31 fps."""
    gaps = [33, 34, 33, 20, 47, 33, 60, 25, 25, 33, 40, 26, 33, 34, 21, 45]
    out, t = [], 0
    for i in range(48):
        out.append(Fraction(t, 1000))
        t += gaps[i % len(gaps)]
    return tuple(out)


def _specs() -> list[_Spec]:
    specs = [_Spec(f"cfr{name}", ".mp4", rate, _cfr(rate), "cfr", 1 / rate) for name, rate in RATES.items()]
    ntsc, fifty, thirty, pal = RATES["29.97"], RATES["50"], RATES["30"], RATES["25"]
    ts, ms = Fraction(1, 90000), Fraction(1, 1000)
    specs += [
        # MPEG-TS from a broadcast recorder: the clock starts at 10 s
        _Spec("ts10s", ".ts", ntsc, _cfr(ntsc), "offset", ts, Fraction(10), Fraction(10)),
        # AVCHD-like: 50 fps starting at 1.4 s
        _Spec("mts1.4s", ".ts", fifty, _cfr(fifty), "offset", ts, Fraction(7, 5), Fraction(7, 5)),
        # MP4 whose video starts 0.3 s after its audio (an edit list delays the video)
        _Spec("mp4late", ".mp4", thirty, _cfr(thirty), "offset", Fraction(1, 15360), Fraction(3, 10)),
        # MKV whose video starts 21 ms in (half a frame off the 25 fps grid), audio at 0
        _Spec("mkv21ms", ".mkv", pal, _cfr(pal), "offset", ms, Fraction(21, 1000)),
        _Spec("vfrstep", ".mp4", thirty, _vfr_step_change(), "vfr", ts),
        _Spec("vfrjitter", ".mkv", thirty, _vfr_jitter(), "vfr", ms),
    ]  # fmt: skip
    return specs


def _picture(index: int, tag: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """Grey frame with the code band on top (the layout ``read_frame_index`` reads)."""
    img = np.full((HEIGHT, WIDTH, 3), 96, np.uint8)
    rows = max(8, -(-HEIGHT // 6))
    rows += rows % 2
    code = (index << TAG_BITS) | tag
    edges = (np.arange(BLOCKS + 1) * WIDTH) // BLOCKS
    for k in range(BLOCKS):
        img[:rows, edges[k] : edges[k + 1]] = 255 if (code >> (BLOCKS - 1 - k)) & 1 else 0
    # a marker that moves with the index, so no two frames encode alike
    x = (index * 3) % (WIDTH - 8)
    img[rows + 4 : rows + 12, x : x + 8] = (255, 96, 0)
    return img


def _bursts(spec: _Spec, tag: int) -> tuple[int, ...]:
    """Frames with a burst: about every 0.3 s, shifted per source so patterns differ."""
    step = max(2, round(spec.rate * Fraction(3, 10)))
    return tuple(range(1 + tag % step, len(spec.times) - 1, step))


def _audio(spec: _Spec, bursts: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Mono samples from ``audio_start`` to the end of the video: silence, bursts at burst frames."""
    end = spec.video_start + spec.times[-1] + _last_gap(spec.times)
    total = math.ceil((end - spec.audio_start) * SAMPLE_RATE)
    pcm = np.zeros(total, np.float32)
    wave = 0.5 * np.sin(2 * np.pi * BURST_HZ * np.arange(BURST_SAMPLES) / SAMPLE_RATE)
    for f in bursts:
        at = (spec.video_start + spec.times[f] - spec.audio_start) * SAMPLE_RATE
        lo = math.ceil(at)
        pcm[lo : lo + BURST_SAMPLES] = wave[: len(pcm[lo : lo + BURST_SAMPLES])]
    return pcm


def _last_gap(times: tuple[Fraction, ...]) -> Fraction:
    return times[-1] - times[-2]


def _timed(packets: list[Packet[VideoStream]], durations: dict[int, int]) -> list[Packet[VideoStream]]:
    for p in packets:
        if p.pts is not None:
            p.duration = durations[p.pts]
    return packets


def _write(spec: _Spec, path: Path, tag: int, bursts: tuple[int, ...]) -> None:
    fmt, acodec = _FORMATS[spec.suffix]
    # edit lists are in the movie timescale: one in which frame times and AAC priming are exact
    options = {"movie_timescale": str(math.lcm(spec.rate.numerator, SAMPLE_RATE))} if fmt == "mp4" else {}
    pcm = _audio(spec, bursts)
    with av.open(str(path), "w", format=fmt, options=options) as out:
        x264 = {"crf": "12", "preset": "veryfast"}
        if spec.kind == "vfr":  # as phones record: no B-frames, so the last packet is the last frame
            x264["bf"] = "0"
        vs = out.add_stream("libx264", rate=spec.rate, options=x264)
        vs.width, vs.height, vs.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        vs.codec_context.time_base = spec.video_tb
        vs.time_base = spec.video_tb
        vs.codec_context.gop_size = 12
        aus = cast("AudioStream", out.add_stream(acodec, rate=SAMPLE_RATE))
        aus.layout = "mono"
        aus.time_base = Fraction(1, SAMPLE_RATE)
        # every packet lasts until the next frame (the last as long as the one before), so the
        # stream's duration is the last frame's time plus its display time, as players show it
        ends = [*spec.times[1:], spec.times[-1] + _last_gap(spec.times)]
        durations = {
            int((spec.video_start + t) / spec.video_tb): int((e - t) / spec.video_tb)
            for t, e in zip(spec.times, ends, strict=True)
        }
        written = 0
        for i, t in enumerate(spec.times):
            frame = av.VideoFrame.from_ndarray(_picture(i, tag), "rgb24")
            pts = (spec.video_start + t) / spec.video_tb
            assert pts.denominator == 1, (spec.name, i, pts)
            frame.pts, frame.time_base = int(pts), spec.video_tb
            out.mux(_timed(vs.encode(frame), durations))
            upto = (
                len(pcm)
                if i == len(spec.times) - 1
                else min(len(pcm), math.floor((spec.video_start + t - spec.audio_start) * SAMPLE_RATE))
            )
            for lo in range(written, upto, 1024):
                hi = min(upto, lo + 1024)
                chunk = av.AudioFrame.from_ndarray(pcm[None, lo:hi], format="fltp", layout="mono")
                chunk.sample_rate, chunk.time_base = SAMPLE_RATE, Fraction(1, SAMPLE_RATE)
                chunk.pts = round(spec.audio_start * SAMPLE_RATE) + lo
                out.mux(aus.encode(chunk))
            written = max(written, upto)
        out.mux(_timed(vs.encode(None), durations))
        out.mux(aus.encode(None))


def _verify(spec: _Spec, path: Path, tag: int) -> tuple[Fraction, Fraction]:
    """Demux what was written: every frame where intended, in order, with its own code; the starts."""
    with av.open(str(path)) as c:
        stream, sound = c.streams.video[0], c.streams.audio[0]
        vtb, atb = stream.time_base, sound.time_base
        assert vtb is not None and atb is not None
        starts = (Fraction(stream.start_time or 0) * vtb, Fraction(sound.start_time or 0) * atb)
        got = []
        for frame in c.decode(stream):
            assert frame.pts is not None
            got.append((Fraction(frame.pts) * vtb, read_frame_index(frame.to_ndarray(format="rgb24"))))
    codes = [code for _, code in got]
    assert codes == [(i, tag) for i in range(len(spec.times))], f"{path}: frames decode as {codes}"
    times = tuple(t - got[0][0] for t, _ in got)
    assert times == spec.times, f"{path}: frame times moved: {times[:6]}... != {spec.times[:6]}..."
    return starts


def catalog() -> dict[str, Source]:
    """The pool's facts without writing anything (what strategies draw from); paths are bare names."""
    return {
        spec.name: Source(
            spec.name,
            Path(f"{spec.name}{spec.suffix}"),
            tag,
            spec.rate,
            spec.times,
            spec.kind,
            spec.video_start,
            spec.audio_start,
            _bursts(spec, tag),
        )
        for tag, spec in enumerate(_specs(), start=1)
    }


def make_pool(directory: Path) -> dict[str, Source]:
    """Write and verify every source of the pool into ``directory``; tags are 1, 2, 3..."""
    directory.mkdir(parents=True, exist_ok=True)
    pool: dict[str, Source] = {}
    for tag, spec in enumerate(_specs(), start=1):
        path = directory / f"{spec.name}{spec.suffix}"
        bursts = _bursts(spec, tag)
        tmp = path.with_name(f".{path.stem}.part{spec.suffix}")
        _write(spec, tmp, tag, bursts)
        video_start, audio_start = _verify(spec, tmp, tag)
        tmp.replace(path)
        pool[spec.name] = Source(
            spec.name, path.resolve(), tag, spec.rate, spec.times, spec.kind, video_start, audio_start, bursts
        )
    return pool
