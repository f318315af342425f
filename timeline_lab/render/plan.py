"""RenderPlan: pure data describing a render, printable as a filter graph and as an ffmpeg command."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from fractions import Fraction
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import RenderError
from .chapters import Chapter, check_select

if TYPE_CHECKING:
    from ..model.subtitles import Cue
    from .encoding.presets import ResolvedExport
    from .live import LiveSource, LiveTap

__all__ = [
    "ExportSettings",
    "ExportSettingsError",
    "FilterNode",
    "InputStream",
    "RenderPlan",
    "Segment",
    "SoftSubtitles",
    "SourceRead",
    "parse_size",
]


class ExportSettingsError(RenderError, ValueError):
    """An export setting of the wrong kind or value, named (a ValueError too, as it always was)."""


def parse_size(value: object) -> tuple[int, int]:
    """A size given as ``(width, height)`` or as the CLI's ``"WIDTHxHEIGHT"`` (``"1280x720"``)."""
    if isinstance(value, str):
        w, sep, h = value.strip().lower().partition("x")
        if sep and w.isdigit() and h.isdigit() and int(w) > 0 and int(h) > 0:
            return int(w), int(h)
    elif isinstance(value, tuple | list) and len(value) == 2 and all(_whole(v) for v in value):
        return int(value[0]), int(value[1])
    raise ExportSettingsError(
        f"size: expected (width, height) or 'WIDTHxHEIGHT' like '1280x720', got {value!r}"
    )


def _whole(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class MeasuredLoudness:
    """The mix's EBU R128 loudness and the gain that takes it to the target (two-pass normalisation)."""

    integrated: float
    """Integrated loudness before normalisation, LUFS."""
    true_peak: float
    """Highest true peak of any channel before normalisation, dBTP."""
    lra: float
    """Loudness range, LU."""
    gain: float
    """dB to apply: the target minus ``integrated``, more where the limiter takes some back."""
    limited: bool
    """The gain takes a true peak above the ceiling: a limiter follows it."""


@dataclass(frozen=True)
class ExportSettings:
    """Where and how to encode; ``None`` means the chosen format's default (see render.presets)."""

    path: Path
    format: str = "auto"
    """Export preset name (``mp4-h264``, ``webm-vp9``, ``gif``...); ``auto`` picks by file suffix."""
    video_codec: str = "auto"
    """``auto``: the format's codec, on NVENC when a real test encode works."""
    crf: int | None = None
    bitrate: int | None = None
    preset: str | None = None
    gop: int | None = None
    pix_fmt: str | None = None
    audio_codec: str | None = None
    audio_bitrate: int | None = None
    """Bits per second of a lossy sound codec; None: 192 kbps up to stereo, 64 kbps a channel above
    (384 kbps for 5.1: at 192 kbps FFmpeg's AAC encoder kept test tones in six channels at 12-21 dB
    SNR, at 384 kbps at 36-41 dB)."""
    loudnorm: bool = False
    loudness_target: float = -16.0
    loudness_measured: MeasuredLoudness | None = None
    """The mix measured by a first pass (``Studio`` measures it): one gain then lands on the target
    (a true-peak limiter at -1.5 dBTP where the gain needs it); without it, FFmpeg's one-pass
    ``loudnorm`` guesses as it goes and misses by a LU or more."""
    faststart: bool = True
    threads: int = 0
    subtitles: Literal["burn", "stream", "sidecar"] = "burn"
    """Subtitle tracks: drawn into the picture, soft streams (.mkv/.webm), or .srt files beside it."""
    overwrite: bool = False
    """Replace an existing file that is not an earlier render of this project (else it is refused)."""
    audio: bool = True
    """False: no sound stream even where the format has one (a cluster render's video segments)."""
    chapters: str = "auto"
    """Which markers become chapters where the container holds them (see ``render.chapters``)."""
    size: tuple[int, int] | None = None
    """Width and height of the output (None: the project's), of the project's shape: the project is
    drawn as at its own size, then resized (``compile.canvas``). ``"WxH"`` (the CLI's form) is read too."""

    @classmethod
    def of(cls, path: str | os.PathLike[str], /, **settings: Any) -> ExportSettings:
        """Settings from keyword arguments (``studio.render``'s), an unknown one refused with the list."""
        known = [f.name for f in fields(cls) if f.name != "path"]
        unknown = sorted(set(settings) - set(known))
        if unknown:
            msg = f"{', '.join(unknown)}: not an export setting; the settings are {', '.join(known)}"
            raise ExportSettingsError(msg)
        return cls(path=Path(path), **settings)

    def __post_init__(self) -> None:
        """Refuse a setting of the wrong kind here, by name, not deep inside a render."""
        if not isinstance(self.path, str | os.PathLike):
            raise ExportSettingsError(f"path: expected a file path, got {type(self.path).__name__}")
        set_ = object.__setattr__
        set_(self, "path", Path(self.path))
        for name in ("format", "video_codec", "preset", "pix_fmt", "audio_codec", "chapters"):
            value = getattr(self, name)
            if not (isinstance(value, str) or (value is None and name not in _REQUIRED_TEXT)):
                raise ExportSettingsError(f"{name}: expected text, got {_kind(value)}")
        for name in _COUNTS:  # their ranges are the encoder's (encoding.presets checks them)
            value = getattr(self, name)
            if value is None and name != "threads":
                continue
            if not _whole(value):
                raise ExportSettingsError(f"{name}: expected a whole number, got {_kind(value)}")
            set_(self, name, int(value))
        for name in ("loudnorm", "faststart", "overwrite", "audio"):
            if not isinstance(getattr(self, name), bool):
                raise ExportSettingsError(f"{name}: expected True or False, got {_kind(getattr(self, name))}")
        target = self.loudness_target
        if not (isinstance(target, Real) and not isinstance(target, bool) and math.isfinite(target)):
            raise ExportSettingsError(
                f"loudness_target: expected LUFS as a number (e.g. -16), got {_kind(target)}"
            )
        set_(self, "loudness_target", float(target))
        if not isinstance(self.loudness_measured, MeasuredLoudness | None):
            raise ExportSettingsError(
                f"loudness_measured: expected None, got {_kind(self.loudness_measured)}"
            )
        if self.subtitles not in ("burn", "stream", "sidecar"):
            msg = f"subtitles: expected 'burn', 'stream' or 'sidecar', got {_kind(self.subtitles)}"
            raise ExportSettingsError(msg)
        try:
            check_select(self.chapters)
        except ValueError as exc:
            raise ExportSettingsError(str(exc)) from None
        if self.size is not None:
            set_(self, "size", parse_size(self.size))


_REQUIRED_TEXT = ("format", "video_codec", "chapters")
_COUNTS = ("crf", "bitrate", "gop", "audio_bitrate", "threads")
"""Whole-number settings (None leaves the format's default; threads has none: 0 is automatic)."""


def _kind(value: object) -> str:
    """A refused value as a message shows it: its type, and itself when short."""
    text = repr(value)
    return f"{type(value).__name__} {text}" if len(text) <= 40 else type(value).__name__


@dataclass(frozen=True)
class SoftSubtitles:
    """One subtitle track carried as text (a stream in the container, or a sidecar file)."""

    name: str
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class InputStream:
    """A decoded stream (or a still image) feeding a buffer source pad named ``label``."""

    label: str
    path: Path
    kind: Literal["video", "audio", "image"]
    stream_index: int
    time_base: Fraction
    width: int = 0
    height: int = 0
    pix_fmt: str = ""
    sample_rate: int = 0
    sample_fmt: str = ""
    layout: str = ""
    frame_rate: Fraction | None = None
    """The stream's rate as its buffer source announces it (the ffmpeg CLI sets the same)."""
    decoder: str = ""
    """A decoder other than FFmpeg's default for the codec ("": the default; ``media.alpha_decoders``)."""


@dataclass(frozen=True)
class SourceRead:
    """Which part of a file one clip needs, and where its frames land on the timeline.

    Decode from ``seek`` (absolute source seconds, as the file stamps them) until ``end``; a
    source instant ``s`` plays at timeline second ``tl_anchor + (s - src_anchor) / speed``,
    which orders reads across layers so every layer is fed in step and memory stays flat.
    """

    path: Path
    seek: Fraction
    end: Fraction
    video: str | None
    audio: str | None
    tl_anchor: Fraction = Fraction(0)
    src_anchor: Fraction = Fraction(0)
    speed: Fraction = Fraction(1)
    image: bool = False
    need: Fraction | None = None
    """Absolute time of the last video frame the clip shows: the file must reach it."""
    open_rate: Fraction | None = None
    """The rate an image sequence is read at (None for files)."""

    def timeline_time(self, source_seconds: Fraction) -> Fraction:
        """Timeline second at which a source instant of this read is shown."""
        return self.tl_anchor + (source_seconds - self.src_anchor) / self.speed

    @property
    def opens_at(self) -> Fraction:
        """Timeline second of the first frame this read delivers."""
        return self.timeline_time(self.seek)


@dataclass(frozen=True)
class FilterNode:
    """One libavfilter instance with explicitly labelled input and output pads."""

    name: str
    filter: str
    args: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    instance: str | None = None
    """Instance name (``crop@face1``) for filters that receive commands from ``sendcmd``."""

    @property
    def ident(self) -> str:
        """``filter`` or ``filter@instance`` as libavfilter names it."""
        return f"{self.filter}@{self.instance}" if self.instance else self.filter

    def text(self) -> str:
        """This node in filtergraph syntax: ``[in]filter=args[out]`` (graph-level escaping applied)."""
        ins = "".join(f"[{p}]" for p in self.inputs)
        outs = "".join(f"[{p}]" for p in self.outputs)
        args = "".join(f"\\{c}" if c in "\\'[],;" else c for c in self.args)
        body = f"{self.ident}={args}" if args else self.ident
        return f"{ins}{body}{outs}"


@dataclass(frozen=True)
class Segment:
    """A span of output frames with a constant set of active items (the unit of later parallelism)."""

    start_frame: int
    frames: int
    items: tuple[str, ...]


@dataclass(frozen=True)
class RenderPlan:
    """Everything execute() needs; no I/O has happened yet beyond probing."""

    width: int
    height: int
    frame_rate: Fraction
    sample_rate: int
    channels: int
    pix_fmt: str
    total_frames: int
    total_samples: int
    inputs: tuple[InputStream, ...]
    reads: tuple[SourceRead, ...]
    nodes: tuple[FilterNode, ...]
    video_out: str | None
    audio_out: str | None
    segments: tuple[Segment, ...]
    export: ExportSettings
    output: ResolvedExport
    notes: tuple[str, ...] = field(default=())
    subtitles: tuple[SoftSubtitles, ...] = field(default=())
    sources: tuple[Path, ...] = field(default=())
    """Every media file of the project: the render refuses to write onto any of them."""
    project_id: str = ""
    project_name: str = ""
    """Written into the output's ``comment`` tag, so a later render knows the file is its own."""
    live: tuple[LiveSource | LiveTap, ...] = field(default=())
    """Parts Python draws or applies while the render runs (annotations, frame functions)."""
    chapters: tuple[Chapter, ...] = field(default=())
    """Chapters to write into the container, in project frames (empty where it holds none)."""

    def filtergraph(self) -> str:
        """The whole graph as one ``-filter_complex`` string."""
        return ";".join(node.text() for node in self.nodes)

    def describe(self) -> str:
        """Human-readable summary: format, segments and the graph, one node per line."""
        from .command import describe

        return describe(self)

    def to_ffmpeg_args(self, encoder: str | None = None) -> list[str]:
        """The equivalent ffmpeg CLI invocation (argv list), to reproduce or benchmark this render."""
        from .command import ffmpeg_args

        return ffmpeg_args(self, encoder)
