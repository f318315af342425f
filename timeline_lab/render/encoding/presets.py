"""Export formats as data, and resolve(): ExportSettings checked and filled in before any encoding."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av

from ...errors import RenderError
from ...media.colour import CANVAS_MATRIX
from ..targets import frame_pattern
from .encoders import (
    HardwareCheck,
    canonical_encoder,
    check_channels,
    crf_range,
    family_of,
    no_hardware,
    pick_encoder,
    video_encoder_options,
)

if TYPE_CHECKING:
    import os

    from ..plan import ExportSettings

__all__ = ["FORMATS", "ExportFormat", "ResolvedExport", "audio_bitrate", "format_for", "resolve"]

Kind = Literal["video", "audio", "gif", "webp", "images"]


@dataclass(frozen=True)
class ExportFormat:
    """One export preset: container, default codecs and quality, so settings only name exceptions."""

    name: str
    container: str
    """FFmpeg muxer name (``mp4``, ``matroska``, ``image2``...)."""
    extensions: tuple[str, ...]
    kind: Kind
    video_codec: str | None
    """Default (software) video encoder; None for audio-only formats."""
    audio_codec: str | None
    """Default audio encoder; None where the container holds no audio (gif, webp, images)."""
    pix_fmt: str | None
    default_crf: int | None
    """Default quality as a CRF of ``video_codec`` (and its NVENC twin); None where it has none."""
    description: str = ""

    @property
    def crf_range(self) -> tuple[int, int] | None:
        """CRF values the default video encoder accepts, or None."""
        return crf_range(self.video_codec) if self.video_codec else None


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "mp4-h264", "mp4", (".mp4", ".m4v"), "video", "libx264", "aac", "yuv420p", 18, "plays anywhere"
        ),
        ExportFormat(
            "mp4-hevc", "mp4", (".mp4",), "video", "libx265", "aac", "yuv420p", 22, "smaller; Safari only"
        ),
        ExportFormat("mp4-av1", "mp4", (".mp4",), "video", "libsvtav1", "aac", "yuv420p", 30, "smallest"),
        ExportFormat("mkv-av1", "matroska", (".mkv",), "video", "libsvtav1", "libopus", "yuv420p", 30),
        ExportFormat(
            "webm-vp9", "webm", (".webm",), "video", "libvpx-vp9", "libopus", "yuv420p", 31, "open web"
        ),
        ExportFormat("mov-h264", "mov", (".mov",), "video", "libx264", "aac", "yuv420p", 18, "for NLEs"),
        ExportFormat("gif", "gif", (".gif",), "gif", "gif", None, "pal8", None, "pal8: needs a palette"),
        ExportFormat("webp", "webp", (".webp",), "webp", "libwebp_anim", None, "yuv420p", None, "animated"),
        ExportFormat("png-sequence", "image2", (".png",), "images", "png", None, "rgb24", None, "stills"),
        ExportFormat("audio-m4a", "ipod", (".m4a",), "audio", None, "aac", None, None),
        ExportFormat("audio-wav", "wav", (".wav",), "audio", None, "pcm_s16le", None, None),
        ExportFormat("audio-wav-float", "wav", (".wav",), "audio", None, "pcm_f32le", None, None, "stems"),
        ExportFormat("audio-flac", "flac", (".flac",), "audio", None, "flac", None, None),
        ExportFormat("audio-opus", "ogg", (".opus", ".ogg"), "audio", None, "libopus", None, None),
    )
}

_MP4_VIDEO = ("libx264", "h264_nvenc", "libx265", "hevc_nvenc", "libsvtav1", "av1_nvenc", "libvpx-vp9")
# What each muxer can hold (None: anything); checked so a bad mix fails before encoding starts.
_CONTAINER_CODECS: dict[str, tuple[str, ...] | None] = {
    "mp4": (*_MP4_VIDEO, "aac", "libopus", "flac", "libmp3lame"),
    "mov": ("libx264", "h264_nvenc", "libx265", "hevc_nvenc", "aac", "pcm_s16le"),
    "matroska": None,
    "webm": ("libvpx-vp9", "libsvtav1", "av1_nvenc", "libopus"),
    "gif": ("gif",),
    "webp": ("libwebp_anim",),
    "image2": ("png",),
    "ipod": ("aac",),
    "wav": ("pcm_s16le", "pcm_s24le", "pcm_f32le"),
    "flac": ("flac",),
    "ogg": ("libopus", "flac"),
}
# Sample format per audio encoder: float for lossy codecs; FLAC keeps 24 bits (in s32) of the
# float mix, as the 24-bit sources and every gain, fade and resample make more than 16.
_SAMPLE_FMT = {
    "aac": "fltp", "libopus": "flt", "libmp3lame": "fltp",
    "flac": "s32", "pcm_s16le": "s16", "pcm_s24le": "s32", "pcm_f32le": "flt",
}  # fmt: skip
_RAW_BITS = {"flac": 24}
"""Bits kept of an s32 sample format (FLAC above 24 is experimental): said, not left to the default."""
_ODD_SIZE_OK = frozenset({"libwebp_anim", "libvpx-vp9", "libsvtav1"})
_VIDEO_FLAGS = {"b": "-b:v"}
PATTERN = "frame_%06d.png"


@dataclass(frozen=True)
class ResolvedExport:
    """A validated export: every encoder, option and container flag the executor needs, filled in."""

    format: ExportFormat
    path: Path
    """Where the muxer writes; a ``frame_%06d.png`` pattern for image sequences."""
    container: str
    width: int
    height: int
    frame_rate: Fraction
    video_encoder: str | None
    video_options: dict[str, str] = field(hash=False)
    pix_fmt: str | None
    audio_encoder: str | None
    audio_bitrate: int | None
    sample_fmt: str | None
    sample_rate: int | None
    container_options: dict[str, str] = field(hash=False)
    notes: tuple[str, ...] = ()
    """Why something differs from what was asked for (an NVENC fallback, say)."""
    color_range: Literal["tv", "pc"] = "tv"
    """The canvas's range, which YUV pictures are written in and tagged with."""

    @property
    def colour_tags(self) -> tuple[str, str] | None:
        """(matrix, range) a YUV output's pictures are in and tagged with (BT.709, as every
        picture inside the graph); None for RGB, palette and grey outputs (no matrix)."""
        if self.pix_fmt is None:
            return None
        fmt = av.VideoFormat(self.pix_fmt)
        if fmt.is_rgb or fmt.has_palette or len(fmt.components) < 3:
            return None
        return CANVAS_MATRIX, self.color_range

    @property
    def audio_only(self) -> bool:
        """No video stream: the executor skips the video graph."""
        return self.format.kind == "audio"

    @property
    def gif(self) -> bool:
        """GIF: the executor must build a palette (palettegen/paletteuse) to reach ``pal8``."""
        return self.format.kind == "gif"

    @property
    def image_sequence(self) -> bool:
        """One file per frame: the executor creates the folder and writes no audio."""
        return self.format.kind == "images"

    @property
    def has_audio(self) -> bool:
        """Whether the output gets an audio stream."""
        return self.audio_encoder is not None

    @property
    def audio_options(self) -> dict[str, str]:
        """Options for the audio encoder (bitrate where the codec is lossy, bits kept of s32)."""
        options = {"b": str(self.audio_bitrate)} if self.audio_bitrate else {}
        bits = _RAW_BITS.get(self.audio_encoder or "") if self.sample_fmt == "s32" else None
        return {**options, "bits_per_raw_sample": str(bits)} if bits else options

    def to_ffmpeg_args(self) -> list[str]:
        """Output-side ffmpeg CLI arguments, ending with the output path (inputs and maps go before)."""
        args: list[str] = []
        if self.video_encoder is None:
            args.append("-vn")
        else:
            args += ["-c:v", self.video_encoder]
            for key, value in self.video_options.items():
                args += [_VIDEO_FLAGS.get(key, f"-{key}"), value]
            assert self.pix_fmt is not None
            rate = self.frame_rate
            args += ["-pix_fmt", self.pix_fmt, "-r", f"{rate.numerator}/{rate.denominator}"]
            if self.colour_tags is not None:
                matrix, rng = self.colour_tags
                args += ["-colorspace", matrix, "-color_primaries", matrix, "-color_trc", matrix]
                args += ["-color_range", rng]
        if self.audio_encoder is None:
            args.append("-an")
        else:
            args += ["-c:a", self.audio_encoder]
            for key, value in self.audio_options.items():
                args += [f"-{key}:a", value]
            assert self.sample_fmt is not None
            args += ["-sample_fmt", self.sample_fmt]
            if self.sample_rate:
                args += ["-ar", str(self.sample_rate)]
        for key, value in self.container_options.items():
            args += [f"-{key}", value]
        return [*args, "-f", self.container, str(self.path)]


def format_for(path: str | os.PathLike[str], name: str = "auto") -> ExportFormat:
    """The export format named ``name``, or for ``auto`` the one the path's suffix implies."""
    path = Path(path)
    suffix = path.suffix.lower()
    if name != "auto":
        fmt = FORMATS.get(name)
        if fmt is None:
            raise RenderError(f"format: unknown format {name!r}; known formats: {', '.join(FORMATS)}")
        if suffix and suffix not in fmt.extensions:
            raise RenderError(
                f"path: {path.name!r} ends in {suffix!r} but format {name!r} writes "
                f"{', '.join(fmt.extensions)}"
            )
        return fmt
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt
    known = sorted({ext for f in FORMATS.values() for ext in f.extensions})
    raise RenderError(
        f"path: no export format for {path.name!r} (suffix {suffix or 'none'!r}); use one of "
        f"{', '.join(known)}, or pass format= one of: {', '.join(FORMATS)}"
    )


def resolve(
    export: ExportSettings,
    *,
    width: int,
    height: int,
    frame_rate: Fraction | int,
    sample_rate: int | None = None,
    channels: int = 2,
    color_range: Literal["tv", "pc"] = "tv",
    strict: bool = False,
    hardware: HardwareCheck = no_hardware,
) -> ResolvedExport:
    """Check ``export`` against its format and this FFmpeg build and fill in every default.

    Raises RenderError naming the bad setting and the allowed values, or CapabilityError for an
    encoder this build lacks. An NVENC encoder that cannot run falls back to software with a
    logged warning (and a note), unless ``strict``. ``width``/``height``/``frame_rate`` are
    ignored for audio-only formats; ``sample_rate``, when given, is checked against the encoder;
    ``channels`` sets the default sound bitrate; ``color_range`` is the canvas's.
    ``hardware`` says which NVENC encoders work (none by default: resolving never test-encodes).
    """
    fmt = format_for(export.path, export.format)
    if isinstance(export.threads, bool) or not isinstance(export.threads, int) or export.threads < 0:
        raise RenderError(f"threads: must be an int >= 0 (0: automatic), got {export.threads!r}")
    if export.loudnorm and not -70.0 <= export.loudness_target <= -5.0:
        raise RenderError(f"loudness_target: must be in -70..-5 LUFS, got {export.loudness_target}")
    rate = Fraction(frame_rate)
    notes: list[str] = []
    video = pix_fmt = None
    options: dict[str, str] = {}
    if fmt.video_codec is None:
        _reject_video_settings(fmt, export)
    else:
        video, options, pix_fmt, notes = _resolve_video(
            fmt, export, frame_rate, width, height, strict=strict, hardware=hardware
        )
    audio, bitrate, sample_fmt = _resolve_audio(fmt, export, sample_rate, channels)
    return ResolvedExport(
        format=fmt,
        path=_output_path(fmt, export.path),
        container=fmt.container,
        width=width,
        height=height,
        frame_rate=rate,
        video_encoder=video,
        video_options=options,
        pix_fmt=pix_fmt,
        audio_encoder=audio,
        audio_bitrate=bitrate,
        sample_fmt=sample_fmt,
        sample_rate=sample_rate,
        container_options=_container_options(fmt, export, rate, sample_rate, has_video=video is not None),
        notes=tuple(notes),
        color_range=color_range,
    )


def _resolve_video(
    fmt: ExportFormat,
    export: ExportSettings,
    frame_rate: Fraction | int,
    width: int,
    height: int,
    *,
    strict: bool,
    hardware: HardwareCheck,
) -> tuple[str, dict[str, str], str, list[str]]:
    """The video encoder, its options and pixel format, and a note when NVENC fell back to software."""
    rate = Fraction(frame_rate)
    if rate <= 0:
        raise RenderError(f"frame_rate: must be positive, got {frame_rate!r}")
    assert fmt.video_codec is not None  # audio-only formats never get here
    family = family_of(fmt.video_codec) or fmt.video_codec
    video, note = pick_encoder(export.video_codec, family, strict=strict, hardware=hardware)
    _check_container(fmt, "video_codec", video, "video")
    crf = export.crf
    if crf is None and export.bitrate is None and family_of(video) == family:
        crf = fmt.default_crf  # NVENC twins share the format's x264-scale default
    gop = export.gop
    if gop is None and fmt.kind == "video":
        gop = max(1, round(2 * rate))  # a keyframe every 2 s: seekable previews
    options = video_encoder_options(
        video, crf=crf, bitrate=export.bitrate, preset=export.preset, gop=gop, threads=export.threads
    )
    pix_fmt = _check_picture(video, export.pix_fmt or fmt.pix_fmt or "yuv420p", width, height)
    return video, options, pix_fmt, [note] if note else []


def _reject_video_settings(fmt: ExportFormat, export: ExportSettings) -> None:
    """Audio-only formats: any video setting is a mistake worth reporting."""
    if export.video_codec != "auto":
        raise RenderError(f"video_codec: {fmt.name} is audio-only; leave video_codec as 'auto'")
    for setting in ("crf", "bitrate", "preset", "gop", "pix_fmt"):
        if getattr(export, setting) is not None:
            raise RenderError(f"{setting}: {fmt.name} is audio-only and has no video; leave it unset")


def _check_container(fmt: ExportFormat, setting: str, encoder: str, kind: str) -> None:
    """Refuse an encoder the format's muxer cannot hold, or one of the wrong media type."""
    if av.Codec(encoder, "w").type != kind:
        raise RenderError(f"{setting}: {encoder!r} is not an encoder for {kind}")
    allowed = _CONTAINER_CODECS.get(fmt.container)
    if allowed is not None and encoder not in allowed:
        ok = ", ".join(c for c in allowed if av.Codec(c, "w").type == kind)
        raise RenderError(f"{setting}: {fmt.name} ({fmt.container}) cannot hold {encoder}; allowed: {ok}")


def _check_picture(encoder: str, pix_fmt: str, width: int, height: int) -> str:
    """Validate size and pixel format for ``encoder``; 4:2:0/4:2:2 need even sizes for most encoders."""
    for name, size in (("width", width), ("height", height)):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise RenderError(f"{name}: must be a positive int, got {size!r}")
    try:
        probe = av.VideoFormat(pix_fmt, 4, 4)
    except ValueError:
        raise RenderError(f"pix_fmt: {pix_fmt!r} is not a pixel format") from None
    supported = [f.name for f in av.Codec(encoder, "w").video_formats or ()]
    if pix_fmt not in supported:
        raise RenderError(f"pix_fmt: {encoder} cannot encode {pix_fmt}; supported: {', '.join(supported)}")
    if encoder not in _ODD_SIZE_OK:
        chroma = [c for c in probe.components if c.is_chroma]
        for name, size, subsampled in (
            ("width", width, any(c.width < 4 for c in chroma)),
            ("height", height, any(c.height < 4 for c in chroma)),
        ):
            if subsampled and size % 2:
                raise RenderError(
                    f"{name}: {pix_fmt} halves chroma, so {encoder} needs an even {name}; got {size} "
                    f"(scale to {size - 1} or {size + 1}, or use a 4:4:4 pix_fmt)"
                )
    return pix_fmt


def audio_bitrate(export: ExportSettings, channels: int) -> int:
    """The sound bitrate of ``export``: its own, else 192 kbps up to stereo and 64 kbps a channel above."""
    if export.audio_bitrate is None:
        return 192_000 if channels <= 2 else 64_000 * channels
    bitrate = export.audio_bitrate
    if isinstance(bitrate, bool) or not isinstance(bitrate, int) or bitrate < 1000:
        raise RenderError(f"audio_bitrate: must be an int >= 1000 (bits/s), got {bitrate!r}")
    return bitrate


def _resolve_audio(
    fmt: ExportFormat, export: ExportSettings, sample_rate: int | None, channels: int
) -> tuple[str | None, int | None, str | None]:
    """Audio encoder, bitrate (lossy codecs only) and sample format for ``fmt``."""
    if not export.audio:
        return None, None, None
    if fmt.audio_codec is None:
        if export.audio_codec is not None:
            raise RenderError(f"audio_codec: {fmt.name} holds no audio; leave audio_codec unset")
        return None, None, None
    encoder = canonical_encoder(export.audio_codec or fmt.audio_codec)
    _check_container(fmt, "audio_codec", encoder, "audio")
    codec = av.Codec(encoder, "w")
    formats = [f.name for f in codec.audio_formats or ()]
    sample_fmt = _SAMPLE_FMT.get(encoder, formats[0] if formats else "fltp")
    if formats and sample_fmt not in formats:
        sample_fmt = formats[0]
    rates = list(codec.audio_rates or ())
    if sample_rate is not None and rates and sample_rate not in rates:
        shown = ", ".join(str(r) for r in rates)
        raise RenderError(f"sample_rate: {encoder} takes {shown} Hz, got {sample_rate}")
    check_channels(encoder, channels, sample_rate)
    bitrate = None
    if not codec.lossless:
        bitrate = audio_bitrate(export, channels)
    return encoder, bitrate, sample_fmt


def _container_options(
    fmt: ExportFormat, export: ExportSettings, rate: Fraction, sample_rate: int | None, *, has_video: bool
) -> dict[str, str]:
    """Muxer options: faststart and an exact timescale for MP4-family, looping for animations."""
    options: dict[str, str] = {}
    if fmt.container in ("mp4", "mov", "ipod"):
        if export.faststart:
            options["movflags"] = "+faststart"  # moov first: playback starts before the download ends
        if sample_rate:  # edit lists are in this timescale: exact for both frames and samples
            timescale = math.lcm(rate.numerator if has_video else 1, sample_rate)
            if timescale < 2**31:
                options["movie_timescale"] = str(timescale)
    if fmt.kind in ("gif", "webp"):
        options["loop"] = "0"  # loop forever (the webp muxer's own default plays once)
    if fmt.kind == "images":
        options["start_number"] = "0"  # file number == frame index
    return options


def _output_path(fmt: ExportFormat, path: Path) -> Path:
    """The muxer's target: image sequences get a numbered pattern inside a folder."""
    if fmt.kind != "images":
        return path
    if path.suffix.lower() in fmt.extensions:  # a pattern: its folder gets the numbered files
        if frame_pattern(path.name) is None:
            raise RenderError(
                f"path: {path.name!r} names one file; {fmt.name} needs a folder or a pattern with one "
                f"%d (%06d: six digits) such as {PATTERN!r}"
            )
        return path
    return path / PATTERN
