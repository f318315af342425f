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

__all__ = ["STILL_RATE", "MediaReference"]

STILL_RATE = Fraction(30000, 1001)
"""Default frame rate of a still image's clip (the default project rate): ``count`` frames at it."""
STILL_SECONDS = 24 * 60 * 60
"""How long a still image is available: longer than any timeline holds it."""


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
    still: bool = Field(False, description="a still image: one picture, held for any duration")
    sequence: bool = Field(False, description="an image sequence read at ``rate`` (a pattern or a folder)")
    variable_rate: bool = Field(False, description="variable frame rate video: ``rate`` is the average")

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        video_stream: int | None = None,
        audio_stream: int | None = None,
        still_rate: Fraction = STILL_RATE,
    ) -> MediaReference:
        """Probe ``path`` and record what the timeline needs to know about it."""
        from ..media.probe import probe
        from ..media.sequence import is_sequence

        info = probe(path, rate=Fraction(still_rate) if is_sequence(path) else None)
        return cls.from_info(
            info, video_stream=video_stream, audio_stream=audio_stream, still_rate=still_rate
        )

    @classmethod
    def from_info(
        cls,
        info: MediaInfo,
        *,
        video_stream: int | None = None,
        audio_stream: int | None = None,
        still_rate: Fraction = STILL_RATE,
    ) -> MediaReference:
        """Build a reference from an existing probe result (default streams unless chosen).

        A still image gets ``still_rate`` and a day of available time: clips of it may be any length.
        """
        from ..errors import MediaError

        video, audio = info.video_stream(video_stream), info.audio_stream(audio_stream)
        if info.still and video is not None:
            held = Fraction(still_rate)
            return cls(
                path=str(Path(info.path).resolve()),
                rate=held,
                available_range=TimeRange(RationalTime(0, held), RationalTime(held * STILL_SECONDS, held)),
                has_video=True,
                width=video.display_width,
                height=video.display_height,
                still=True,
            )
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
            sequence=info.sequence,
            variable_rate=video is not None and video.variable_frame_rate,
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
