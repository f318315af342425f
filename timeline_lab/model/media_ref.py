"""What a clip points at: the media file plus the facts the model needs without re-probing."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from ._base import ExactFraction, Model, PathText
from .time import TimeRange

__all__ = ["STILL_RATE", "STILL_SECONDS", "WRITING", "MediaReference"]

STILL_RATE = Fraction(30000, 1001)
"""Default frame rate of a still image's clip (the default project rate): ``count`` frames at it."""
STILL_SECONDS = 24 * 60 * 60
"""How long a still image is available: longer than any timeline holds it."""

WRITING = "timeline_lab.media_writing"
"""Serialization context key while a project file is written: ``(memo, path)``, a dict the references
written so far are kept in, and how to write a path (``model.io`` makes paths relative)."""


class MediaReference(Model):
    """A local media file and its probed extent (so validation needs no I/O).

    Made from a probe by ``media.reference.reference_for`` (the model itself never reads files).
    """

    path: PathText
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
    size: int | None = Field(None, ge=0, description="file size in bytes, to find the file again")
    fingerprint: str | None = Field(None, description="sha256 of size, first and last MiB: the same file")

    @field_validator("rate")
    @classmethod
    def _positive_rate(cls, v: Fraction) -> Fraction:
        if v <= 0:  # (one of 0 loaded, then a timeline check failed naming no field)
            raise ValueError(f"must be > 0 (got {v})")
        return v

    @model_serializer(mode="wrap")
    def _write(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        """As pydantic writes it; while a project file is written, each reference once (clips share
        a few: writing one is most of writing a clip) with its path as the file wants it."""
        writing = info.context.get(WRITING) if isinstance(info.context, dict) else None
        if writing is None:
            return handler(self)
        memo: dict[int, tuple[MediaReference, Any]] = writing[0]
        path: Callable[[str], str] = writing[1]
        done = memo.get(id(self))
        if done is None:  # (the reference is kept with it, so its id is not reused meanwhile)
            out = handler(self)
            if isinstance(out, dict):
                out["path"] = path(self.path)
            done = memo[id(self)] = (self, out)
        return done[1]

    @property
    def name(self) -> str:
        """File name, for labels."""
        return Path(self.path).name
