"""What probing a media file reports: its streams' exact times, rates, geometry and defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from timeline_lab.errors import MediaError
from timeline_lab.media import sequence
from timeline_lab.media.colour import colour_range, stream_matrix
from timeline_lab.model.time import RationalTime
from timeline_lab.model.timecode import DROP_FRAME_RATES, format_timecode, timecode_frames

__all__ = ["AudioStreamInfo", "MediaInfo", "VideoStreamInfo", "display_size", "info_from_json", "info_json"]

_S = TypeVar("_S", "VideoStreamInfo", "AudioStreamInfo")
_PICTURE_FORMATS = frozenset({"image2", "gif", "apng"})
"""Demuxers besides the ``*_pipe`` image ones whose one-picture files are stills."""


@dataclass(frozen=True)
class VideoStreamInfo:
    """One video stream; times are exact, at the frame rate whenever that is exact."""

    index: int
    codec: str
    width: int
    height: int
    frame_rate: Fraction
    time_base: Fraction
    start: RationalTime
    duration: RationalTime | None
    frame_count: int | None
    pix_fmt: str | None
    color_range: str
    rotation: int
    """Counter-clockwise degrees the display matrix turns the picture (after ``flip``)."""
    sample_aspect_ratio: Fraction
    variable_frame_rate: bool
    bit_rate: int | None
    default: bool = False
    flip: bool = False
    """The display matrix mirrors the picture left to right, before ``rotation`` (a selfie camera,
    EXIF orientations 2, 4, 5, 7): ``media.orientation``."""
    display_width: int = 0
    """Width a player shows: SAR applied (square pixels), then the display matrix."""
    display_height: int = 0
    timecode: str | None = None
    """Source timecode of the first frame (``01:00:00:00``) when the file carries one."""
    timecode_rate: Fraction | None = None
    """The rate ``timecode`` counts frames at, when not the picture's: a MOV's timecode track's
    (a 50p camera's 25 fps timecode); None: ``frame_rate``."""
    color_space: str = "unspecified"
    """The YUV matrix the file's tags name (``bt709``, ``smpte170m``...), or "unspecified"."""
    color_primaries: str = "unspecified"
    """The primaries the tags name (``bt709``, ``bt2020``...), or "unspecified"."""
    color_transfer: str = "unspecified"
    """The transfer the tags name (``bt709``; ``smpte2084`` or ``arib-std-b67``: HDR), or "unspecified"."""
    field_order: str = "unknown"
    """How the pictures were scanned: "progressive", "tff" or "bff" (interlaced, top or bottom field
    shown first), or "unknown" when neither the container nor the codec says. Renders take an
    interlaced stream's frames woven, as they are (no deinterlacing)."""

    def timecode_frame(self, timecode: str, rate: Fraction | None = None) -> int:
        """The frame at ``rate`` (the stream's) from midnight that ``timecode``, counted on this
        stream's timecode clock, names: the one shown at its time. Raises ValueError when that
        clock has no such timecode."""
        rate = rate or self.frame_rate
        clock = self.timecode_rate or rate
        counted = timecode_frames(timecode, clock)
        return counted if clock == rate else math.floor(counted * rate / clock + Fraction(1, 2))

    @property
    def matrix(self) -> str:
        """The YUV matrix the pixels are in: the tag, else what players assume for this size."""
        return stream_matrix(self.color_space, self.width, self.height, self.pix_fmt)

    @property
    def range(self) -> str:
        """ "tv" or "pc": the range the pixels are in (the tag, else by pixel format)."""
        return colour_range(self.color_range, self.pix_fmt)

    @property
    def display_aspect_ratio(self) -> Fraction:
        """Shape of the picture a player shows (SAR and rotation applied), e.g. 16/9 for anamorphic PAL."""
        sar = self.sample_aspect_ratio or Fraction(1)
        dar = Fraction(self.width, self.height) * sar if self.height else Fraction(0)
        return 1 / dar if dar and self.rotation % 180 == 90 else dar


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream; times are exact, at the sample rate whenever that is exact."""

    index: int
    codec: str
    sample_rate: int
    channels: int
    layout: str
    time_base: Fraction
    start: RationalTime
    duration: RationalTime | None
    sample_count: int | None
    bit_rate: int | None
    default: bool = False
    delay: Fraction = Fraction(0)
    """Seconds by which decoded samples are stamped late: the encoder delay FFmpeg skips but
    still counts (MP3's LAME padding); the first decoded sample belongs at ``start``."""
    time_reference: int | None = None
    """Samples since midnight of the first sample: a BWF recorder's start timecode (bext)."""
    timecode_rate: Fraction | None = None
    """The recorder's timecode rate (iXML ``TIMECODE_RATE``), when the file says it."""
    drop_frame: bool = False
    """The recorder ran drop-frame timecode (iXML ``TIMECODE_FLAG``, at 29.97)."""

    def timecode(self, rate: Fraction | None = None) -> str | None:
        """Start timecode (``01:00:00:00``) at ``rate``, else the recorder's; None without one."""
        rate = rate or self.timecode_rate
        if self.time_reference is None or rate is None:
            return None
        drop = self.drop_frame and rate == self.timecode_rate
        frames = math.floor(Fraction(self.time_reference, self.sample_rate) * rate)  # the frame it lies in
        return format_timecode(frames, rate, drop_frame=drop and rate in DROP_FRAME_RATES)


@dataclass(frozen=True)
class MediaInfo:
    """What a file holds, read once so the editor never reopens a file just to ask."""

    path: Path
    format_name: str
    duration: RationalTime | None
    bit_rate: int | None
    video: tuple[VideoStreamInfo, ...]
    audio: tuple[AudioStreamInfo, ...]
    size_bytes: int

    @property
    def has_video(self) -> bool:
        """True when there is a real video stream (cover art does not count)."""
        return bool(self.video)

    @property
    def has_audio(self) -> bool:
        """True when there is at least one audio stream."""
        return bool(self.audio)

    @property
    def still(self) -> bool:
        """True for a still image (PNG, JPEG, ...): one picture that a clip holds for any length. A GIF
        or APNG of one picture (a logo) is one too: its own demuxer, not an image one, reads it."""
        v = self.primary_video
        image = self.format_name.endswith("_pipe") or self.format_name in _PICTURE_FORMATS
        return image and v is not None and v.frame_count == 1 and not self.audio and not self.sequence

    @property
    def sequence(self) -> bool:
        """True for an image sequence (a pattern or a folder of images read as one stream)."""
        return sequence.is_sequence(self.path)

    @property
    def primary_video(self) -> VideoStreamInfo | None:
        """The video stream a player shows: the default-disposition one, else the first."""
        return next((v for v in self.video if v.default), self.video[0] if self.video else None)

    @property
    def primary_audio(self) -> AudioStreamInfo | None:
        """The audio stream a player plays: the default-disposition one, else the first."""
        return next((a for a in self.audio if a.default), self.audio[0] if self.audio else None)

    def video_stream(self, index: int | None) -> VideoStreamInfo | None:
        """Video stream ``index`` (a container stream index), or the primary one for None."""
        return self.primary_video if index is None else _pick(self.path, self.video, index, "video")

    def audio_stream(self, index: int | None) -> AudioStreamInfo | None:
        """Audio stream ``index`` (a container stream index), or the primary one for None."""
        return self.primary_audio if index is None else _pick(self.path, self.audio, index, "audio")


def _pick(path: Path, streams: tuple[_S, ...], index: int, kind: str) -> _S:
    """The stream with container index ``index``; MediaError naming the file and what there is."""
    for s in streams:
        if s.index == index:
            return s
    article = "an" if kind[0] in "aeiou" else "a"
    msg = f"{path}: stream {index} is not {article} {kind} stream ({kind}: {[s.index for s in streams]})"
    raise MediaError(msg)


def display_size(width: int, height: int, sar: Fraction, rotation: int) -> tuple[int, int]:
    """What a player shows: width stretched by the sample aspect ratio (kept even), then rotated."""
    w = width if sar == 1 else max(2, round(width * sar / 2) * 2)
    return (height, w) if rotation % 180 == 90 else (w, height)


def _plain(value: object) -> object:
    """A field's value in JSON, exact: fractions and times tagged so they come back as they were."""
    if isinstance(value, Fraction):
        return {"fraction": [value.numerator, value.denominator]}
    if isinstance(value, RationalTime):
        return {"time": value.to_json()}
    return value


def _typed(value: object) -> object:
    """Inverse of ``_plain``."""
    if isinstance(value, dict) and len(value) == 1:
        if "fraction" in value:
            num, den = value["fraction"]
            return Fraction(int(num), int(den))
        if "time" in value:
            return RationalTime.from_json(value["time"])
    return value


def info_json(info: MediaInfo) -> dict[str, object]:
    """``info`` as JSON (for the probe kept on disk), without its path."""

    def plain(d: VideoStreamInfo | AudioStreamInfo | MediaInfo) -> dict[str, object]:
        return {f.name: _plain(getattr(d, f.name)) for f in fields(d)}

    out = {k: v for k, v in plain(info).items() if k not in ("path", "video", "audio")}
    out["video"] = [plain(s) for s in info.video]
    out["audio"] = [plain(s) for s in info.audio]
    return out


def info_from_json(data: dict[str, Any], path: Path) -> MediaInfo:
    """The MediaInfo ``info_json`` wrote, for ``path``; raises on anything malformed."""

    def typed(d: dict[str, Any]) -> dict[str, Any]:
        return {k: _typed(v) for k, v in d.items()}

    video = tuple(VideoStreamInfo(**typed(s)) for s in data["video"])
    audio = tuple(AudioStreamInfo(**typed(s)) for s in data["audio"])
    rest = typed({k: v for k, v in data.items() if k not in ("video", "audio")})
    return MediaInfo(path=path, video=video, audio=audio, **rest)
