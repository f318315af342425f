"""A clip's MediaReference made from a probe: the facts the model keeps so it never reads files."""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path

from ..errors import MediaError
from ..model.media_ref import STILL_RATE, STILL_SECONDS, MediaReference
from ..model.time import RationalTime, TimeRange
from .probe import MediaInfo, probe
from .relink import fingerprint
from .sequence import is_sequence
from .urls import as_url, stat_url

__all__ = ["reference_for", "reference_from_info"]


def reference_for(
    path: str | Path,
    *,
    video_stream: int | None = None,
    audio_stream: int | None = None,
    still_rate: Fraction = STILL_RATE,
) -> MediaReference:
    """Probe ``path`` and record what the timeline needs to know about it."""
    info = probe(path, rate=Fraction(still_rate) if is_sequence(path) else None)
    ref = reference_from_info(
        info, video_stream=video_stream, audio_stream=audio_stream, still_rate=still_rate
    )
    if (url := as_url(ref.path)) is not None:  # a remote file: its size and content, read by URL
        ref = ref.model_copy(update={"size": stat_url(url).size, "fingerprint": fingerprint(url)})
    elif Path(ref.path).is_file():  # a file (not an image-sequence pattern): how to find it again
        identity = {"size": Path(ref.path).stat().st_size, "fingerprint": fingerprint(ref.path)}
        ref = ref.model_copy(update=identity)
    return ref


def _where(path: Path) -> str:
    """How a reference names its file: the URL it was read from, or absolute with symbolic links
    kept (``project/media -> /drive/footage`` stays under the project, so saved relative to it);
    resolved only when ``..`` would be read past a link."""
    if (url := as_url(path)) is not None:
        return url
    p = Path(path)
    return str(p.resolve() if ".." in p.parts else Path(os.path.abspath(p)))  # noqa: PTH100


def reference_from_info(
    info: MediaInfo,
    *,
    video_stream: int | None = None,
    audio_stream: int | None = None,
    still_rate: Fraction = STILL_RATE,
) -> MediaReference:
    """Build a reference from an existing probe result (default streams unless chosen).

    A still image gets ``still_rate`` and a day of available time: clips of it may be any length.
    """
    video, audio = info.video_stream(video_stream), info.audio_stream(audio_stream)
    if info.still and video is not None:
        held = Fraction(still_rate)
        return MediaReference(
            path=_where(info.path),
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
        elif info.duration is not None:  # Matroska keeps only the segment's (a remote file's is not counted)
            length = RationalTime(math.floor(info.duration.to_seconds() * rate), rate)
        else:
            raise MediaError(f"{info.path}: audio stream has no known duration")
    else:
        raise MediaError(f"{info.path}: no video or audio stream")
    return MediaReference(
        path=_where(info.path),
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
