"""Real-world-shaped media (phones, cameras, browsers, broadcast) made with the ffmpeg CLI and PyAV.

Every video frame carries ``(index, tag)`` in its top band (``synth.read_frame_index`` reads it from
the upright picture); audio is silence with 20 ms 1 kHz bursts that start exactly when the frames
painted ``burst_frames`` are shown (one early, one near the end, so drift shows). Each file comes
with a :class:`Media` truth record written from the design (shown frames, their times, offsets,
rotation, SAR, default streams), except ``start`` and ``ff_times``, which ffprobe measures (muxers
add their own delays), so the tests can check the design against FFmpeg's own reading before
checking timeline_lab against the design.

:func:`build` writes everything into a folder keyed by the generator's content, so a rerun reuses it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
from PIL import Image

from timeline_lab.media.synth import _render

__all__ = [
    "AUDIO_ONLY",
    "BURST_HZ",
    "BURST_MS",
    "COMMENTARY_HZ",
    "FFMPEG",
    "KINDS",
    "SEQUENCES",
    "STILLS",
    "VIDEO",
]
__all__ += ["Media", "build"]

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
BURST_HZ = 1000.0
COMMENTARY_HZ = 440.0
BURST_MS = 20
SR = 48000
Kind = Literal["video", "still", "sequence", "audio"]


@dataclass(frozen=True)
class Media:
    """One corpus file and what a player must show and play from it."""

    name: str
    path: str  # a printf pattern for image sequences
    kind: Kind
    tag: int
    indices: tuple[int, ...]  # painted index of each shown frame, in display order
    times: tuple[Fraction, ...]  # each shown frame's time from the first shown frame
    duration: Fraction  # how long the shown frames last, the last one included
    rate: Fraction | None  # constant frame rate; None for variable rate (and stills)
    size: tuple[int, int]  # stored pixels
    display: tuple[int, int]  # after SAR and rotation
    rotation: int = 0  # counter-clockwise degrees, as PyAV's VideoFrame.rotation (0..359)
    sar: Fraction = Fraction(1)
    video_stream: int | None = 0  # container index of the default video stream
    audio_stream: int | None = 1  # container index of the default audio stream
    other_video: tuple[tuple[int, int], ...] = ()  # (stream index, tag) of non-default video
    other_audio: tuple[tuple[int, float], ...] = ()  # (stream index, tone Hz) of non-default audio
    burst_frames: tuple[int, ...] = ()  # painted indices of the frames the bursts start with
    audio_bursts: tuple[Fraction, ...] = ()  # audio-only files: burst onsets from the first sample (s)
    # how much later than its frame every player plays the burst, from a delay the file does not
    # signal (MP3 in AVI). (An MP4 without edit lists is fine: the muxer stretches the first AAC
    # packet by the B-frame delay, so the timestamps keep sound and picture together.)
    audio_skew: Fraction = Fraction(0)
    sample_rate: int = SR
    timecode: str | None = None
    interlaced: bool = False
    remnant: int = 0  # frames after the shown ones that FFmpeg shows too: a stream copy cut's orphans
    start: Fraction | None = None  # measured: first shown frame's absolute time (ffprobe)
    ff_times: tuple[Fraction, ...] = field(default=(), repr=False)  # measured shown-frame times

    @property
    def vfr(self) -> bool:
        """True when frames are not evenly spaced."""
        return self.kind == "video" and self.rate is None

    @property
    def frames(self) -> int:
        """Frames a player shows."""
        return len(self.indices)

    @property
    def average_rate(self) -> Fraction:
        """Shown frames per second of shown duration."""
        return len(self.indices) / self.duration

    @property
    def bursts(self) -> tuple[Fraction, ...]:
        """Burst onsets from the first shown frame (audio-only files: from the first sample)."""
        if self.kind == "audio":
            return self.audio_bursts
        return tuple(self.times[self.indices.index(f)] + self.audio_skew for f in self.burst_frames)

    @property
    def stored_times(self) -> tuple[Fraction, ...]:
        """Shown-frame times as a player reads them: the exact grid at a constant rate, else the file's.

        A variable-rate frame's time is what its container stored (Matroska rounds to 1 ms), taken
        from ffprobe (printed to 1 us, so a design time within 1 us is the exact one).
        """
        if not self.vfr or self.start is None:
            return self.times
        us = Fraction(1, 1_000_000)
        stored = [f - self.start for f in self.ff_times]
        return tuple(d if abs(d - f) <= us else f for f, d in zip(stored, self.times, strict=True))

    def shown_at(self, t: Fraction) -> int:
        """Painted index on screen at ``t`` from the first shown frame (sample-and-hold)."""
        k = max(0, sum(1 for x in self.stored_times if x <= t) - 1)
        return self.indices[k]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (fractions as strings) for the manifest."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, Fraction):
                out[key] = str(value)
            elif key in ("times", "ff_times", "audio_bursts"):
                out[key] = [str(x) for x in value]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Media:
        """Inverse of :meth:`to_json`."""
        d = dict(data)
        for key in ("duration", "rate", "sar", "start", "audio_skew"):
            d[key] = None if d[key] is None else Fraction(d[key])
        for key in ("times", "ff_times", "audio_bursts"):
            d[key] = tuple(Fraction(x) for x in d[key])
        for key in ("indices", "size", "display", "burst_frames"):
            d[key] = tuple(d[key])
        d["other_video"] = tuple(tuple(x) for x in d["other_video"])
        d["other_audio"] = tuple(tuple(x) for x in d["other_audio"])
        return cls(**d)


# --- low-level writers ------------------------------------------------------------------------
def _ff(*args: str | Path, stdin: bytes | None = None, stdout: Path | None = None) -> None:
    """Run the ffmpeg CLI; its stderr is the error message."""
    assert FFMPEG is not None
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-threads", "1", *map(str, args)]
    out = stdout.open("wb") if stdout else subprocess.PIPE
    try:
        done = subprocess.run(cmd, input=stdin, stdout=out, stderr=subprocess.PIPE, check=False)
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)}\n{done.stderr.decode(errors='replace')}")


def _wav(
    path: Path,
    seconds: Fraction,
    bursts: tuple[Fraction, ...] = (),
    *,
    sr: int = SR,
    channels: int = 2,
    hum: float | None = None,
) -> Path:
    """Silence with 1 kHz bursts at ``bursts`` (s), or a steady ``hum`` tone (16-bit PCM)."""
    n = int(seconds * sr) + 1
    pcm = np.zeros(n)
    if hum:
        pcm = 0.4 * np.sin(2 * np.pi * hum * np.arange(n) / sr)
    for b in bursts:
        lo = round(b * sr)
        k = np.arange(sr * BURST_MS // 1000)
        pcm[lo : lo + k.size] = 0.5 * np.sin(2 * np.pi * BURST_HZ * k / sr)[: max(0, n - lo)]
    data = (np.repeat(pcm[:, None], channels, axis=1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(data.tobytes())
    return path


X264 = "-c:v libx264 -preset veryfast -crf 16 -pix_fmt yuv420p"
AAC = "-c:a aac -b:a 128k"


def _video(name: str, path: Path, tag: int, times: list[Fraction], duration: Fraction, **kw: Any) -> Media:
    """Truth for a video whose shown frames are painted 0..n-1 at ``times``."""
    kw.setdefault("size", (160, 120))
    kw.setdefault("display", kw["size"])
    n = len(times)
    return Media(name, str(path), "video", tag, tuple(range(n)), tuple(times), duration, **kw)


def _cfr(
    d: Path,
    name: str,
    ext: str,
    args: str,
    *,
    w: int = 160,
    h: int = 120,
    rate: Fraction = Fraction(25),
    n: int = 40,
    tag: int = 1,
    offset: Fraction = Fraction(0),
    audio: bool = True,
    sr: int = SR,
    channels: int = 2,
    rotation: int = 0,
    sar: Fraction = Fraction(1),
    burst_frames: tuple[int, ...] | None = None,
    **truth: Any,
) -> Media:
    """Constant rate from piped frames drawn upright at ``w`` x ``h`` (+ a burst WAV).

    ``offset``: the video starts this much after the audio; ``rotation``: pixels are stored turned
    so that a display matrix of ``rotation`` (added later) shows them upright.
    """
    path = d / f"{name}{ext}"
    times = [Fraction(k) / rate for k in range(n)]
    bursts = burst_frames or (10, n - 6)
    stored = f"{h}x{w}" if rotation in (90, 270) else f"{w}x{h}"
    inputs = ["-itsoffset", str(float(offset))] if offset else []
    inputs += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", stored, "-framerate", str(rate), "-i", "pipe:0"]
    if audio:
        wav = _wav(
            d / f"{name}.wav",
            offset + n / rate,
            tuple(offset + times[f] for f in bursts),
            sr=sr,
            channels=channels,
        )
        inputs += ["-i", str(wav)]
    pixels = b"".join(np.rot90(_render(i, tag, w, h), -rotation // 90).tobytes() for i in range(n))
    _ff(*inputs, *args.split(), "-fps_mode", "passthrough", path, stdin=pixels)
    size = (h, w) if rotation in (90, 270) else (w, h)
    return _video(
        name, path, tag, times, n / rate, rate=rate, size=size, display=(round(w * sar), h),
        rotation=rotation, sar=sar, audio_stream=1 if audio else None,
        burst_frames=bursts if audio else (), sample_rate=sr, **truth,
    )  # fmt: skip


def _vfr(
    d: Path, name: str, ext: str, times: list[Fraction], last: Fraction, tag: int, sr: int = SR
) -> Media:
    """Variable rate (PyAV writes each frame at ``times[k]``, 1/90000 s ticks), then AAC is muxed in."""
    tb = Fraction(1, 90000)
    tmp = d / f"{name}.v.mp4"
    with av.open(str(tmp), "w") as out:
        s = out.add_stream("libx264", rate=30, options={"crf": "16", "preset": "veryfast"})
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        s.codec_context.time_base = s.time_base = tb
        for i, t in enumerate(times):
            frame = av.VideoFrame.from_ndarray(_render(i, tag, 160, 120), "rgb24")
            frame.pts, frame.time_base = round(t / tb), tb
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    wav = _wav(d / f"{name}.wav", times[-1] + last, (times[10], times[-6]), sr=sr)
    path = d / f"{name}{ext}"
    _ff("-i", tmp, "-i", wav, *f"-map 0:v -map 1:a -c:v copy {AAC}".split(), path)
    n = len(times)
    return _video(
        name, path, tag, times, times[-1] + last, rate=None, sample_rate=sr, burst_frames=(10, n - 6)
    )


def _simple(name: str, ext: str, args: str, **kw: Any) -> Callable[[Path], Media]:
    """A maker for :func:`_cfr` with these ffmpeg output options."""

    def make(d: Path) -> Media:
        return _cfr(d, name, ext, args, **kw)

    make.__name__ = f"_{name}"
    return make


# --- the kinds that need more than one step ---------------------------------------------------
def _editlist_cut(d: Path) -> Media:
    """MP4 stream-copied from a non-keyframe (``-ss`` + ``-c copy``): an edit list hides 12 frames."""
    src = _cfr(d, "editlist_src", ".mp4", f"{X264} -g 25 {AAC}", n=75, tag=15, burst_frames=(20, 70))
    path = d / "editlist_cut.mp4"
    _ff("-ss", "0.48", "-i", src.path, "-c", "copy", path)
    times = tuple(Fraction(k, 25) for k in range(63))
    return replace(src, name="editlist_cut", path=str(path), indices=tuple(range(12, 75)), times=times,
                   duration=Fraction(63, 25))  # fmt: skip


def _copycut_end(d: Path) -> Media:
    """MP4 stream-copied with ``-t`` (a trimming app's cut): it ends inside a GOP, keeping the last
    anchor but not the B-frames shown before it. Shown frames: the run before that hole (the anchor
    after it is the broken GOP's remnant, left out), at the constant rate the file has."""
    src = _cfr(d, "copycut_src", ".mp4", f"{X264} -bf 3 -g 25 {AAC}", n=75, tag=19, burst_frames=(20, 50))
    path = d / "copycut_end.mp4"
    _ff("-i", src.path, "-c", "copy", "-t", "2.3", path)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        pts = sorted(p.pts for p in c.demux(s) if p.pts is not None and not p.is_discard)
    step = pts[1] - pts[0]
    kept = next(k for k in range(1, len(pts)) if pts[k] - pts[k - 1] != step)  # the frames before the hole
    assert 0 < len(pts) - kept <= 3, f"the cut should leave 1-3 frames after a hole: {pts[-6:]}"
    times = tuple(Fraction(k, 25) for k in range(kept))
    return replace(src, name="copycut_end", path=str(path), indices=tuple(range(kept)), times=times,
                   duration=Fraction(kept, 25), remnant=len(pts) - kept)  # fmt: skip


def _rotated(rotation: int) -> Callable[[Path], Media]:
    """A phone clip: pixels stored sideways, then a display matrix (``rotate`` tag on a stream copy)."""

    def make(d: Path) -> Media:
        w, h = (108, 192) if rotation in (90, 270) else (192, 108)
        name = f"rotate{rotation}"
        raw = _cfr(d, f"{name}_raw", ".mp4", f"{X264} {AAC}", w=w, h=h, rate=Fraction(30), n=30,
                   tag=20 + rotation // 90, rotation=rotation)  # fmt: skip
        path = d / f"{name}.mp4"
        _ff("-i", raw.path, "-c", "copy", "-metadata:s:v:0", f"rotate={rotation}", path)
        return replace(raw, name=name, path=str(path))

    make.__name__ = f"_rotate{rotation}"
    return make


def _vfr_step(ext: str) -> Callable[[Path], Media]:
    """30 fps for a second, then 15 fps for a second: 45 frames, 22.5 fps on average."""

    def make(d: Path) -> Media:
        times = [Fraction(k, 30) for k in range(30)] + [1 + Fraction(k, 15) for k in range(15)]
        return _vfr(d, f"vfr_step_{ext[1:]}", ext, times, Fraction(1, 15), 40 if ext == ".mp4" else 41)

    make.__name__ = f"_vfr_step_{ext[1:]}"
    return make


def _phone_vfr(d: Path) -> Media:
    """Phone-like ~30 fps with jittery timestamps and a dropped frame; 44.1 kHz AAC."""
    jitter = np.random.default_rng(12).uniform(-0.004, 0.004, 50)
    times = [Fraction(k + (k >= 25), 30) + Fraction(round(j * 90000), 90000) for k, j in enumerate(jitter)]
    times[0] = Fraction(0)
    return _vfr(d, "phone_vfr", ".mp4", times, Fraction(1, 30), 42, sr=44100)


def _pause_end(d: Path) -> Media:
    """A screen recorder that writes a frame only when the picture changes: 40 frames at 30 fps
    with B-frames, then the last one after a 2 s pause (its anchor is decoded before the frames
    shown ahead of it, like a stream-copy cut's orphans, but nothing is missing)."""
    times = [Fraction(k, 30) for k in range(40)] + [Fraction(39, 30) + 2]
    return _vfr(d, "pause_end", ".mp4", times, Fraction(1, 30), 105)


def _two_video(d: Path) -> Media:
    """MKV with a small non-default video first and the default (main) video second."""
    thumb = _cfr(d, "tv_thumb", ".mp4", X264, w=96, h=72, n=30, tag=50, audio=False)
    main = _cfr(d, "tv_main", ".mp4", X264, n=30, tag=51, audio=False)
    wav = _wav(d / "tv.wav", Fraction(30, 25), (Fraction(10, 25), Fraction(24, 25)))
    path = d / "two_video.mkv"
    mux = f"-map 0:v -map 1:v -map 2:a -c:v copy {AAC} -disposition:v:0 0 -disposition:v:1 default"
    _ff("-i", thumb.path, "-i", main.path, "-i", wav, *mux.split(), path)
    return replace(main, name="two_video", path=str(path), video_stream=1, audio_stream=2,
                   other_video=((0, 50),), burst_frames=(10, 24))  # fmt: skip


def _cover_art(d: Path) -> Media:
    """MP4 with a cover picture (attached_pic) besides the video."""
    main = _cfr(d, "cover_main", ".mp4", f"{X264} {AAC}", n=30, tag=52)
    cover = d / "cover.png"
    Image.fromarray(_render(999, 53, 96, 96)).save(cover)
    path = d / "cover_art.mp4"
    mux = "-map 0:v -map 0:a -map 1 -c copy -c:v:1 mjpeg -disposition:v:1 attached_pic"
    _ff("-i", main.path, "-i", cover, *mux.split(), path)
    return replace(main, name="cover_art", path=str(path))


def _two_audio(d: Path) -> Media:
    """MKV whose first audio is a non-default commentary (440 Hz hum), the second the default."""
    main = _cfr(d, "ta_main", ".mp4", X264, n=30, tag=54, audio=False)
    hum = _wav(d / "ta_hum.wav", Fraction(30, 25), hum=COMMENTARY_HZ)
    wav = _wav(d / "ta.wav", Fraction(30, 25), (Fraction(10, 25), Fraction(24, 25)))
    path = d / "two_audio.mkv"
    mux = f"-map 0:v -map 1:a -map 2:a -c:v copy {AAC} -disposition:a:0 0 -disposition:a:1 default"
    _ff("-i", main.path, "-i", hum, "-i", wav, *mux.split(), "-metadata:s:a:0", "title=Commentary", path)
    return replace(main, name="two_audio", path=str(path), audio_stream=2, other_audio=((1, COMMENTARY_HZ),),
                   burst_frames=(10, 24))  # fmt: skip


def _still(ext: str) -> Callable[[Path], Media]:
    """A still picture painted as frame 7 (PNG: with alpha, opaque over the code band)."""

    def make(d: Path) -> Media:
        rgb = _render(7, 60, 160, 120)
        path = d / f"still{ext}"
        if ext == ".png":
            alpha = np.full((120, 160, 1), 160, np.uint8)
            alpha[:24] = 255
            Image.fromarray(np.concatenate([rgb, alpha], axis=2), "RGBA").save(path)
        else:
            Image.fromarray(rgb).save(path, quality=95)
        return Media(f"still_{ext[1:]}", str(path), "still", 60, (7,), (Fraction(0),), Fraction(1, 25), None,
                     (160, 120), (160, 120), audio_stream=None)  # fmt: skip

    make.__name__ = f"_still_{ext[1:]}"
    return make


def _sequence(d: Path) -> Media:
    """A numbered PNG sequence (``frames/%05d.png`` from 00001), played at 24 fps."""
    folder = d / "frames"
    folder.mkdir(exist_ok=True)
    for i in range(24):
        Image.fromarray(_render(i, 61, 160, 120)).save(folder / f"{i + 1:05d}.png", compress_level=1)
    times = [Fraction(k, 24) for k in range(24)]
    m = _video("sequence", folder / "%05d.png", 61, times, Fraction(1), rate=Fraction(24), audio_stream=None)
    return replace(m, kind="sequence")


def _mp3(d: Path) -> Media:
    """Audio-only MP3 (its LAME header says how many priming samples to drop); bursts at 0.5, 1.2 s."""
    wav = _wav(d / "mp3.wav", Fraction(3, 2), (Fraction(1, 2), Fraction(6, 5)), sr=44100)
    path = d / "tone.mp3"
    _ff("-i", wav, "-c:a", "libmp3lame", "-b:a", "128k", path)
    return Media("mp3", str(path), "audio", 0, (), (), Fraction(3, 2), None, (0, 0), (0, 0),
                 video_stream=None, audio_stream=0, audio_bursts=(Fraction(1, 2), Fraction(6, 5)),
                 sample_rate=44100)  # fmt: skip


def _ts_midgop(d: Path) -> Media:
    """A broadcast capture that begins mid-GOP: the TS is cut at a packet boundary inside frame 5.

    Nothing before the next IDR frame (12) can be decoded, so a player's first picture is 12.
    """
    src = _cfr(
        d, "midgop_src", ".ts", f"{X264} -bf 2 -g 12 {AAC} -f mpegts", n=48, tag=17, burst_frames=(20, 42)
    )
    cmd = [FFPROBE or "ffprobe", "-v", "error", "-select_streams", "0", "-show_entries", "packet=pts,pos",
           "-of", "json", src.path]  # fmt: skip
    packets = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)["packets"]
    first = min(int(p["pts"]) for p in packets)
    pos = next(int(p["pos"]) for p in packets if int(p["pts"]) - first == 5 * 3600)  # 90 kHz, 25 fps
    path = d / "ts_midgop.ts"
    path.write_bytes(Path(src.path).read_bytes()[pos // 188 * 188 :])
    times = tuple(Fraction(k, 25) for k in range(36))
    return replace(src, name="ts_midgop", path=str(path), indices=tuple(range(12, 48)), times=times,
                   duration=Fraction(36, 25))  # fmt: skip


def _webm_no_duration(d: Path) -> Media:
    """Browser MediaRecorder-like WebM (VP8 + Opus) written to a pipe: no duration, no cues."""
    n, rate, tag = 30, Fraction(30), 70
    wav = _wav(d / "rec.wav", n / rate, (Fraction(10, 30), Fraction(24, 30)))
    path = d / "mediarecorder.webm"
    pixels = b"".join(_render(i, tag, 160, 120).tobytes() for i in range(n))
    raw = f"-f rawvideo -pix_fmt rgb24 -s 160x120 -framerate {rate} -i pipe:0"
    enc = "-c:v libvpx -deadline realtime -cpu-used 8 -b:v 1M -c:a libopus -f webm pipe:1"
    _ff(*raw.split(), "-i", wav, *enc.split(), stdin=pixels, stdout=path)
    times = [Fraction(k) / rate for k in range(n)]
    return _video("mediarecorder", path, tag, times, n / rate, rate=rate, burst_frames=(10, 24))


def _size_change(
    name: str, ext: str, video: str, audio: str, second: tuple[int, int], tag: int
) -> Callable[[Path], Media]:
    """Pictures that change size midway (160x120, then ``second`` from frame 20; same shape): a call
    that drops its resolution under load (WebRTC, MediaRecorder) or joined broadcast segments. The
    container says the first size; players scale the rest to it."""

    def make(d: Path) -> Media:
        n, half, rate = 40, 20, Fraction(25)
        parts = []
        for k, ((w, h), frames) in enumerate((((160, 120), range(half)), (second, range(half, n)))):
            part = d / f"{name}.{k}{ext}"
            pixels = b"".join(_render(i, tag, w, h).tobytes() for i in frames)
            raw = f"-f rawvideo -pix_fmt rgb24 -s {w}x{h} -framerate {rate} -i pipe:0"
            _ff(*raw.split(), *video.split(), "-an", part, stdin=pixels)
            parts.append(part)
        listing = d / f"{name}.txt"
        listing.write_text("".join(f"file '{p}'\n" for p in parts))
        wav = _wav(d / f"{name}.wav", n / rate, (Fraction(10) / rate, Fraction(n - 6) / rate))
        path = d / f"{name}{ext}"
        joined = ["-f", "concat", "-safe", "0", "-i", listing, "-i", wav, "-map", "0:v", "-map", "1:a"]
        _ff(*joined, "-c:v", "copy", *audio.split(), path)
        times = [Fraction(k) / rate for k in range(n)]
        return _video(name, path, tag, times, n / rate, rate=rate, burst_frames=(10, n - 6))

    make.__name__ = f"_{name}"
    return make


def _sound_switch(name: str, second: tuple[int, int], tag: int) -> Callable[[Path], Media]:
    """A broadcast capture whose sound changes shape at frame 20 (a programme after an advert:
    stereo to 5.1, 44.1 to 48 kHz): two MPEG-TS segments, each with its own AAC, joined byte for
    byte as a recorder or ``cat`` joins them; the second's priming overlaps the first's end."""

    def make(d: Path) -> Media:
        n, half, rate = 40, 20, Fraction(25)
        parts = []
        for k, (frames, (channels, sr)) in enumerate(((range(half), (2, 44100)), (range(half, n), second))):
            burst = Fraction(10 if k == 0 else n - 6 - half) / rate
            wav = _wav(d / f"{name}{k}.wav", half / rate, (burst,), channels=channels, sr=sr)
            part = d / f"{name}.{k}.ts"
            pixels = b"".join(_render(i, tag, 160, 120).tobytes() for i in frames)
            raw = f"-f rawvideo -pix_fmt rgb24 -s 160x120 -framerate {rate} -i pipe:0"
            clock = f"-avoid_negative_ts disabled -output_ts_offset {float(k * half / rate)}"  # runs on
            _ff(*raw.split(), "-i", wav, *f"{X264} -g 10 {AAC} -ar {sr} {clock} -f mpegts".split(), part,
                stdin=pixels)  # fmt: skip
            parts.append(part)
        path = d / f"{name}.ts"
        path.write_bytes(b"".join(p.read_bytes() for p in parts))
        times = [Fraction(k) / rate for k in range(n)]
        return _video(
            name, path, tag, times, n / rate, rate=rate, burst_frames=(10, n - 6), sample_rate=44100
        )

    make.__name__ = f"_{name}"
    return make


MAKERS: tuple[Callable[[Path], Media], ...] = (
    _simple("ts_offset10", ".ts", f"{X264} -g 12 {AAC} -f mpegts -output_ts_offset 10", n=48, tag=10),
    _simple("avchd", ".mts", f"{X264} -bf 2 -g 15 -c:a ac3 -f mpegts -mpegts_m2ts_mode 1", w=192, h=108,
            rate=Fraction(30000, 1001), n=45, tag=11),
    _simple("late_video", ".mp4", f"{X264} {AAC}", rate=Fraction(30), n=45, tag=12, offset=Fraction(3, 10)),
    _simple("fragmented", ".mp4", f"{X264} -g 15 {AAC} -movflags frag_keyframe+empty_moov", rate=Fraction(30),
            n=45, tag=13),
    # Matroska can't start below 0, so the muxer shifts all by the AAC priming: video starts at 21 ms
    _simple("mkv_offset", ".mkv", f"{X264} {AAC}", n=40, tag=14),
    _editlist_cut,
    _copycut_end,
    _simple("bframes_noedit", ".mp4", f"{X264} -bf 3 {AAC} -use_editlist 0", rate=Fraction(30), n=36, tag=16),
    # intra refresh (low-latency encoders, game capture): one IDR, then recovery points that a
    # decoder must start a refresh period before, or it drops (or shows half-built) frames
    _simple("intra_refresh", ".mp4", f"{X264} -x264-params keyint=12:intra-refresh=1:bframes=0 {AAC}", n=60,
            tag=53),
    _rotated(90),
    _rotated(180),
    _rotated(270),
    _simple("dvd_anamorphic", ".vob", "-c:v mpeg2video -q:v 3 -g 12 -bf 2 -aspect 16:9 -c:a ac3 -f vob",
            w=720, h=576, n=25, tag=30, sar=Fraction(64, 45)),
    _simple("dv_ntsc", ".avi", "-c:v dvvideo -pix_fmt yuv411p -aspect 4:3 -c:a pcm_s16le", w=720, h=480,
            rate=Fraction(30000, 1001), n=20, tag=31, sar=Fraction(8, 9), interlaced=True),
    _vfr_step(".mp4"),
    _vfr_step(".mkv"),
    _phone_vfr,
    _pause_end,
    _two_video,
    _cover_art,
    _two_audio,
    _still(".png"),
    _still(".jpg"),
    _sequence,
    _mp3,
    # AVI has no field for the MP3 encoder delay (LAME: 1105 samples), so every player is that late;
    # the default negative-timestamp shift would also stamp frame 1 a frame late, hence "disabled".
    _simple("divx_mp3", ".avi", "-c:v mpeg4 -vtag XVID -q:v 3 -c:a libmp3lame -avoid_negative_ts disabled",
            tag=80, sr=44100, audio_skew=Fraction(1105, 44100)),
    _simple("webm_opus", ".webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -crf 30 -b:v 0 "
            "-c:a libopus", rate=Fraction(30), n=30, tag=81),
    # an overlay export with transparency (opaque here): its pictures decoded by libvpx
    _simple("webm_alpha", ".webm", "-c:v libvpx-vp9 -pix_fmt yuva420p -auto-alt-ref 0 -deadline realtime "
            "-cpu-used 8 -crf 30 -b:v 0 -g 12 -c:a libopus", rate=Fraction(25), n=36, tag=106),
    _simple("mjpeg_mono", ".avi", "-c:v mjpeg -q:v 3 -pix_fmt yuvj420p -c:a pcm_s16le", rate=Fraction(30),
            n=30, tag=82, channels=1),
    _simple("mjpeg_mov", ".mov", "-c:v mjpeg -q:v 3 -c:a pcm_s16le", rate=Fraction(24), n=24, tag=83),
    _simple("hevc10", ".mp4", "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le "
            f"-x265-params log-level=error -tag:v hvc1 {AAC}", rate=Fraction(30), n=30, tag=84),
    _simple("gif", ".gif", "-vf split[a][b];[a]palettegen[p];[b][p]paletteuse -f gif", rate=Fraction(10),
            n=20, tag=71, audio=False),
    _webm_no_duration,
    _simple("ntsc2997", ".mp4", f"{X264} {AAC}", rate=Fraction(30000, 1001), n=45, tag=90),
    _simple("ntsc5994", ".mp4", f"{X264} {AAC}", rate=Fraction(60000, 1001), n=60, tag=91),
    _simple("film23976", ".mkv", f"{X264} {AAC}", rate=Fraction(24000, 1001), n=36, tag=92),
    _simple("broadcast_25i", ".ts", f"{X264} -flags +ildct+ilme -x264-params tff=1 -c:a mp2 -f mpegts",
            w=176, h=144, n=25, tag=93, interlaced=True),
    _simple("odd_size", ".mp4", f"{X264} {AAC}", w=190, h=106, rate=Fraction(30), n=30, tag=94),
    _simple("prores_tc", ".mov", "-c:v prores_ks -profile:v 0 -pix_fmt yuv422p10le -c:a pcm_s24le "
            "-timecode 01:00:00:00", rate=Fraction(24000, 1001), n=24, tag=95, timecode="01:00:00:00"),
    # the 33-bit MPEG clock wraps 1.3 s in (2**33 / 90 kHz = 95443.72 s)
    _simple("ts_wrap", ".ts", f"{X264} -g 12 {AAC} -f mpegts -output_ts_offset 95441", n=48, tag=18),
    _ts_midgop,
    _simple("mxf_tc", ".mxf", "-c:v mpeg2video -q:v 3 -g 12 -bf 2 -c:a pcm_s16le -timecode 10:00:00:00 "
            "-f mxf", w=192, h=108, n=25, tag=96, timecode="10:00:00:00"),
    _simple("wmv_asf", ".wmv", "-c:v wmv2 -q:v 3 -c:a wmav2", n=25, tag=97, sr=44100),
    _simple("obs_flv", ".flv", f"{X264} -g 30 {AAC}", rate=Fraction(30000, 1001), n=45, tag=98),
    # H.263 QCIF: 12:11 pixels
    _simple("phone_3gp", ".3gp", "-c:v h263 -q:v 3 -c:a aac -ar 16000 -ac 1", w=176, h=144,
            rate=Fraction(15), n=22, tag=99, sr=16000, channels=1, sar=Fraction(12, 11)),
    _size_change("call_drop_vp8", ".webm", "-c:v libvpx -deadline realtime -cpu-used 8 -b:v 1M -g 10",
                 "-c:a libopus", (80, 60), 101),
    _size_change("ts_size_change", ".ts", f"{X264} -g 10 -f mpegts", f"{AAC} -f mpegts", (320, 240), 102),
    _sound_switch("layout_switch", (6, 44100), 103),
    _sound_switch("rate_switch", (2, 48000), 104),
    _simple("theora_ogv", ".ogv", "-c:v libtheora -q:v 7 -c:a libvorbis", rate=Fraction(30), n=30, tag=100),
)  # fmt: skip
KINDS: tuple[str, ...] = tuple(m.__name__.lstrip("_") for m in MAKERS)


# --- measuring and caching --------------------------------------------------------------------
def _ffprobe_times(m: Media) -> tuple[Fraction, ...]:
    """Shown-frame times of the default video stream as ffprobe decodes them (edit lists applied)."""
    assert FFPROBE is not None and m.video_stream is not None
    cmd = [
        FFPROBE,
        "-v",
        "error",
        "-select_streams",
        str(m.video_stream),
        "-show_entries",
        "frame=best_effort_timestamp_time",
        "-of",
        "csv=p=0",
        m.path,
    ]
    out = subprocess.run(cmd, capture_output=True, check=True, text=True).stdout
    times: list[Fraction] = []
    for cell in (x.strip().rstrip(",") for x in out.split()):
        if cell == "N/A" and len(times) >= 2:  # MPEG-PS leaves the last frame unstamped: extrapolate
            times.append(2 * times[-1] - times[-2])
        elif cell and cell != "N/A":
            times.append(Fraction(cell))
    return tuple(times)


def _made(maker: Callable[[Path], Media], d: Path) -> Media:
    m = maker(d)
    if m.kind == "video":
        times = _ffprobe_times(m)
        m = replace(m, start=times[0] if times else None, ff_times=times)
    return m


def _fingerprint() -> str:
    """Changes when this generator, FFmpeg or PyAV changes (so the cached corpus is rebuilt)."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(Path(__file__).with_name("__init__.py").read_bytes())
    assert FFMPEG is not None
    h.update(subprocess.run([FFMPEG, "-version"], capture_output=True, check=True).stdout[:200])
    h.update(av.__version__.encode())
    return h.hexdigest()[:16]


def build(root: Path, workers: int = 2) -> dict[str, Media]:
    """Make every kind under ``root/<fingerprint>`` (reused when already complete)."""
    d = root / f"corpus-{_fingerprint()}"
    manifest = d / "manifest.json"
    if manifest.exists():
        return {k: Media.from_json(v) for k, v in json.loads(manifest.read_text()).items()}
    for old in root.glob("corpus-*"):  # other generator versions, or an interrupted build
        shutil.rmtree(old)
    d.mkdir(parents=True)
    with ThreadPoolExecutor(workers) as pool:
        made = list(pool.map(lambda mk: _made(mk, d), MAKERS))
    out = {name: m for name, m in zip(KINDS, made, strict=True)}
    tmp = manifest.with_suffix(".part")
    tmp.write_text(json.dumps({k: m.to_json() for k, m in out.items()}, indent=1))
    tmp.replace(manifest)
    return out


STILLS: tuple[str, ...] = ("still_png", "still_jpg")
SEQUENCES: tuple[str, ...] = ("sequence",)
AUDIO_ONLY: tuple[str, ...] = ("mp3",)
VIDEO: tuple[str, ...] = tuple(k for k in KINDS if k not in (*STILLS, *SEQUENCES, *AUDIO_ONLY))
