"""Synthetic test media whose pixels carry their own frame index, so frame accuracy is checkable."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import av
import numpy as np

from timeline_lab.atomic import OutputError, staged
from timeline_lab.errors import MediaError
from timeline_lab.media.sound_arrays import from_planes
from timeline_lab.model.time import parse_rate

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator

    from av.audio.stream import AudioStream
    from av.container import OutputContainer
    from av.video.stream import VideoStream

__all__ = ["make_clip", "make_demo_media", "read_frame_index", "read_frame_indices"]

# The top band: 24 equal blocks, 16 bits of frame index then 8 bits of tag, MSB first.
INDEX_BITS = 16
TAG_BITS = 8
BLOCKS = INDEX_BITS + TAG_BITS

# (container format, default video codec, audio codec) per file suffix.
_CONTAINERS: dict[str, tuple[str, str, str]] = {
    ".mp4": ("mp4", "libx264", "aac"),
    ".mov": ("mov", "libx264", "aac"),
    ".mkv": ("matroska", "libx264", "flac"),  # FLAC: no priming, so sample counts stay exact
    ".webm": ("webm", "libvpx-vp9", "libopus"),
}
_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
_VIDEO_OPTIONS: dict[str, dict[str, str]] = {
    "libx264": {"crf": "14", "preset": "veryfast", "sc_threshold": "0"},  # GOP grid stays fixed
    "libx265": {"crf": "16", "preset": "veryfast", "x265-params": "log-level=error"},
    "libvpx-vp9": {"crf": "20", "b": "0", "deadline": "realtime", "cpu-used": "8"},
    "h264_nvenc": {"preset": "p4", "rc": "constqp", "qp": "16"},
    "hevc_nvenc": {"preset": "p4", "rc": "constqp", "qp": "16"},
}
_BARS = np.array(
    [
        [191, 191, 191],
        [191, 191, 0],
        [0, 191, 191],
        [0, 191, 0],
        [191, 0, 191],
        [191, 0, 0],
        [0, 0, 191],
    ],
    dtype=np.uint8,
)
_SQUARE = np.array([255, 96, 0], dtype=np.uint8)


def _band_height(height: int) -> int:
    """Rows of the code band: at least 1/6 of the frame (readers sample at 1/12), min 8, even."""
    rows = max(8, -(-height // 6))
    return min(height, rows + rows % 2)


def make_clip(
    path: str | os.PathLike[str],
    *,
    width: int = 320,
    height: int = 240,
    rate: Fraction | int | str = Fraction(25),
    frames: int = 50,
    tone_hz: float = 440.0,
    tag: int = 0,
    sample_rate: int = 48000,
    channels: int = 2,
    audio: bool = True,
    video: bool = True,
    codec: str | None = None,
    pix_fmt: str = "yuv420p",
) -> Path:
    """Encode a clip whose every frame says which frame it is, for frame-exact tests and demos.

    The container follows the suffix (.mp4/.mov: H.264 + AAC, .mkv: H.264 + FLAC, .webm: VP9 +
    Opus); ``codec=None`` picks that default video codec. Frame ``i`` has pts ``i`` in the codec
    time base ``1/rate``; keyframes fall every ``round(rate / 2)`` frames (no scene-cut extras);
    audio lasts ``round(frames / rate * sample_rate)`` samples.
    """
    path = Path(path)
    fps = _check_common(path, rate, frames, tag, audio, video)
    fmt, default_codec, audio_codec = _CONTAINERS[path.suffix.lower()]
    vcodec = codec or default_codec
    if video:
        _check_video(width, height, vcodec, pix_fmt)
    if audio:
        _check_audio(path, sample_rate, channels, tone_hz)
    options = _container_options(fmt, fps, sample_rate if audio else None)
    total_samples = round(Fraction(frames) / fps * sample_rate)
    try:
        with staged(path) as tmp, av.open(str(tmp), "w", format=fmt, options=options) as out:
            vstream = _video_stream(out, vcodec, fps, width, height, pix_fmt) if video else None
            astream = _audio_stream(out, audio_codec, sample_rate, channels) if audio else None
            written = 0
            for i in range(frames):
                if vstream is not None:
                    frame = av.VideoFrame.from_ndarray(_render(i, tag, width, height), "rgb24")
                    frame.pts, frame.time_base = i, 1 / fps
                    out.mux(vstream.encode(frame))
                if astream is not None:  # keep audio in step with video so muxing interleaves
                    upto = total_samples if i == frames - 1 else int((i + 1) / fps * sample_rate)
                    for chunk in _tone(written, upto, tone_hz, sample_rate, channels):
                        out.mux(astream.encode(chunk))
                    written = upto
            for stream in (vstream, astream):
                if stream is not None:
                    out.mux(stream.encode(None))
    except BaseException as exc:  # (the staging file is gone: ``staged`` removes it)
        if isinstance(exc, OutputError):
            raise MediaError(str(exc)) from None
        if isinstance(exc, av.FFmpegError):
            reason = exc.strerror or exc
            raise MediaError(f"{path}: encoding with {vcodec}/{pix_fmt} failed ({reason})") from exc
        raise
    return path


def _container_options(fmt: str, fps: Fraction, sample_rate: int | None) -> dict[str, str]:
    """MP4/MOV: a movie timescale in which the AAC priming cut and the clip end are exact, faststart."""
    options = {}
    if fmt in ("mp4", "mov"):
        # Edit lists are written in the movie timescale (default 1/1000 s), which would round
        # the AAC priming cut and the clip end; pick one in which both ends are exact.
        timescale = math.lcm(fps.numerator, sample_rate or 1)
        if timescale < 2**31:
            options["movie_timescale"] = str(timescale)
        options["movflags"] = "+faststart"  # moov first: previews start before the download ends
    return options


def _video_stream(
    out: OutputContainer, codec: str, fps: Fraction, width: int, height: int, pix_fmt: str
) -> VideoStream:
    """The picture stream: frame ``i`` at pts ``i`` in ``1/fps``, a keyframe every half second."""
    stream = cast("VideoStream", out.add_stream(codec, rate=fps, options=_VIDEO_OPTIONS.get(codec, {})))
    stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
    stream.codec_context.gop_size = max(1, round(fps / 2))
    stream.codec_context.time_base = 1 / fps
    return stream


def _audio_stream(out: OutputContainer, codec: str, sample_rate: int, channels: int) -> AudioStream:
    """The tone's stream, in the standard layout for ``channels``."""
    stream = cast("AudioStream", out.add_stream(codec, rate=sample_rate))
    stream.layout = _LAYOUTS[channels]
    return stream


def _check_common(
    path: Path, rate: Fraction | int | str, frames: int, tag: int, audio: bool, video: bool
) -> Fraction:
    suffix = path.suffix.lower()
    if suffix not in _CONTAINERS:
        raise ValueError(f"path: suffix {suffix!r} not supported, use one of {sorted(_CONTAINERS)}")
    try:
        fps = parse_rate(rate)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rate: must be a positive number, got {rate!r}") from exc
    if not isinstance(frames, int) or not 1 <= frames < 2**INDEX_BITS:
        raise ValueError(f"frames: must be an int in 1..{2**INDEX_BITS - 1}, got {frames!r}")
    if not isinstance(tag, int) or not 0 <= tag < 2**TAG_BITS:
        raise ValueError(f"tag: must be an int in 0..{2**TAG_BITS - 1}, got {tag!r}")
    if not (audio or video):
        raise ValueError("audio, video: at least one must be True")
    return fps


def _check_video(width: int, height: int, codec: str, pix_fmt: str) -> None:
    if not isinstance(width, int) or width < 2 * BLOCKS:
        raise ValueError(f"width: must be an int >= {2 * BLOCKS} (2 px a block), got {width!r}")
    if not isinstance(height, int) or height < 16:
        raise ValueError(f"height: must be an int >= 16, got {height!r}")
    try:
        av.Codec(codec, "w")
    except (av.FFmpegError, ValueError):
        raise ValueError(f"codec: this FFmpeg has no encoder named {codec!r}") from None
    try:
        av.VideoFormat(pix_fmt)
    except ValueError:
        raise ValueError(f"pix_fmt: not a pixel format: {pix_fmt!r}") from None
    if pix_fmt.startswith(("yuv420", "yuvj420", "nv12", "nv21")):
        for name, size in (("width", width), ("height", height)):
            if size % 2:
                raise ValueError(f"{name}: must be even for {pix_fmt} (chroma is halved), got {size}")


def _check_audio(path: Path, sample_rate: int, channels: int, tone_hz: float) -> None:
    if channels not in _LAYOUTS:
        raise ValueError(f"channels: must be 1..8, got {channels!r}")
    if not isinstance(sample_rate, int) or sample_rate <= 0:
        raise ValueError(f"sample_rate: must be a positive int, got {sample_rate!r}")
    if path.suffix.lower() == ".webm" and sample_rate != 48000:
        raise ValueError(f"sample_rate: Opus in .webm needs 48000, got {sample_rate}")
    if not 0 < tone_hz < sample_rate / 2:
        raise ValueError(f"tone_hz: must be in (0, {sample_rate / 2}), got {tone_hz!r}")


def _background(width: int, height: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """Colour bars: a still reference against which scaling and colour bugs show."""
    columns = (np.arange(width) * len(_BARS)) // width
    return np.broadcast_to(_BARS[columns], (height, width, 3)).copy()


def _bounce(position: int, span: int) -> int:
    """Triangle wave in 0..span, so the moving square never jumps."""
    if span <= 0:
        return 0
    position %= 2 * span
    return position if position <= span else 2 * span - position


def _render(index: int, tag: int, width: int, height: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """One RGB frame: bars, a square moved by the frame index, and the code band on top."""
    img = _background(width, height)
    top = _band_height(height)
    side = max(4, min(width, height - top) // 4)
    x = _bounce(index * max(1, width // 40), width - side)
    y = top + _bounce(index * max(1, height // 60), height - top - side)
    img[y : y + side, x : x + side] = _SQUARE
    code = (index << TAG_BITS) | tag
    edges = (np.arange(BLOCKS + 1) * width) // BLOCKS
    for k in range(BLOCKS):
        bit = (code >> (BLOCKS - 1 - k)) & 1
        img[:top, edges[k] : edges[k + 1]] = 255 if bit else 0
    return img


def _tone(start: int, stop: int, hz: float, rate: int, channels: int) -> Iterator[av.AudioFrame]:
    """Sine samples start..stop (exact sample positions, so chunks join without clicks)."""
    for lo in range(start, stop, 4096):
        hi = min(stop, lo + 4096)
        t = np.arange(lo, hi, dtype=np.float64) / rate
        wave = (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
        yield from_planes(np.repeat(wave[None, :], channels, axis=0), _LAYOUTS[channels], rate, lo)


def read_frame_index(image: np.ndarray[Any, Any]) -> tuple[int, int]:
    """Read ``(frame_index, tag)`` back from a frame of any size, to prove which frame it is."""
    if image.ndim == 3:
        gray = image[..., :3].astype(np.float32).mean(axis=2)
    elif image.ndim == 2:
        gray = image.astype(np.float32)
    else:
        raise ValueError(f"image: expected (H, W) or (H, W, C), got shape {image.shape}")
    h, w = gray.shape
    if w < BLOCKS or h < 2:
        raise ValueError(f"image: {w}x{h} is too small to hold {BLOCKS} code blocks")
    # Continuous coordinates: the band covers at least the top 1/6 whatever the source size
    # was, so rows around h/12 are inside it; average the central half of each block.
    rows = _span(h / 12, h / 24, h)
    block = w / BLOCKS
    code = 0
    for k in range(BLOCKS):
        patch = gray[rows, _span((k + 0.5) * block, block / 4, w)]
        code = (code << 1) | int(patch.mean() >= 128)
    return code >> TAG_BITS, code & (2**TAG_BITS - 1)


def _span(centre: float, radius: float, size: int) -> slice:
    """Pixels whose centres lie within ``radius`` of ``centre`` (at least the one under it)."""
    lo = max(0, math.ceil(centre - radius - 0.5))
    hi = min(size - 1, math.floor(centre + radius - 0.5))
    if hi < lo:
        lo = hi = min(size - 1, int(centre))
    return slice(lo, hi + 1)


def read_frame_indices(path: str | os.PathLike[str]) -> list[tuple[int, int]]:
    """Decode every video frame of ``path`` and read its code (tests and debugging)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return [read_frame_index(f.to_ndarray(format="rgb24")) for f in container.decode(stream)]


# name, size, rate, frames, tone, tag
_DEMO: tuple[tuple[str, int, int, Fraction, int, float, int], ...] = (
    ("bars_25fps_320x240.mp4", 320, 240, Fraction(25), 75, 440.0, 1),
    ("bars_29.97fps_320x180.mp4", 320, 180, Fraction(30000, 1001), 90, 660.0, 2),
    ("bars_24fps_256x144.mp4", 256, 144, Fraction(24), 48, 880.0, 3),
)


def make_demo_media(directory: str | os.PathLike[str]) -> list[Path]:
    """Small clips for the demo and notebooks (mixed rates and sizes); existing files are kept."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, width, height, rate, frames, tone, tag in _DEMO:
        target = root / name
        if not target.exists():
            make_clip(target, width=width, height=height, rate=rate, frames=frames, tone_hz=tone, tag=tag)
        paths.append(target)
    return paths
