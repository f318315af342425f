"""What a clip points at: the media file plus the facts the model needs without re-probing."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from ._base import ExactFraction, Model
from .time import RationalTime, TimeRange

if TYPE_CHECKING:
    from ..media.probe import MediaInfo

__all__ = ["MediaReference"]


class MediaReference(Model):
    """A local media file and its probed extent (so validation needs no I/O)."""

    path: str
    rate: ExactFraction = Field(description="video frame rate, or the sample rate for audio-only")
    available_range: TimeRange
    has_video: bool = True
    has_audio: bool = False
    width: int | None = None
    height: int | None = None
    video_stream: int | None = Field(None, ge=0, description="container stream index; None: the default")
    audio_stream: int | None = Field(None, ge=0, description="container stream index; None: the default")

    @classmethod
    def from_file(
        cls, path: str | Path, *, video_stream: int | None = None, audio_stream: int | None = None
    ) -> MediaReference:
        """Probe ``path`` and record what the timeline needs to know about it."""
        from ..media.probe import probe

        return cls.from_info(probe(path), video_stream=video_stream, audio_stream=audio_stream)

    @classmethod
    def from_info(
        cls, info: MediaInfo, *, video_stream: int | None = None, audio_stream: int | None = None
    ) -> MediaReference:
        """Build a reference from an existing probe result (default streams unless chosen)."""
        from ..errors import MediaError

        video, audio = info.video_stream(video_stream), info.audio_stream(audio_stream)
        if video is not None:
            rate: Fraction = video.frame_rate
            if video.frame_count is not None:
                length = RationalTime.from_frames(video.frame_count, rate)
            elif video.duration is not None:
                length = video.duration.rescaled_to(rate)
            else:
                raise MediaError(f"{info.path}: video stream has no known duration")
        elif audio is not None:
            rate = Fraction(audio.sample_rate)
            if audio.sample_count is not None:
                length = RationalTime.from_frames(audio.sample_count, rate)
            elif audio.duration is not None:
                length = audio.duration.rescaled_to(rate)
            else:
                raise MediaError(f"{info.path}: audio stream has no known duration")
        else:
            raise MediaError(f"{info.path}: no video or audio stream")
        return cls(
            path=str(Path(info.path).resolve()),
            rate=rate,
            available_range=TimeRange(RationalTime(0, rate), length),
            has_video=video is not None,
            has_audio=audio is not None,
            width=video.display_width if video is not None else None,
            height=video.display_height if video is not None else None,
            video_stream=video_stream,
            audio_stream=audio_stream,
        )

    @property
    def name(self) -> str:
        """File name, for labels."""
        return Path(self.path).name
