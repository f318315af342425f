"""One exception hierarchy, so callers can catch everything timeline_lab raises with one clause."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "CancelledError",
    "CapabilityError",
    "DamagedMediaError",
    "MediaError",
    "ProjectError",
    "ProjectFileError",
    "RenderError",
    "TimelineLabError",
    "first_error",
]


def first_error(exc: ValidationError) -> tuple[str, str]:
    """A pydantic error's first failure as (its field path, dotted; its reason), so a refusal names
    the field: its own str starts "N validation errors for X", and a validator's reason comes
    after "Value error, "."""
    err = exc.errors()[0]
    return ".".join(str(p) for p in err["loc"]), str(err["msg"]).removeprefix("Value error, ")


class TimelineLabError(Exception):
    """Root of every error timeline_lab raises on purpose."""


class ProjectError(TimelineLabError):
    """An edit or a project state that would break the timeline's invariants."""


class ProjectFileError(ProjectError):
    """A project file that cannot be read: bad JSON, unknown schema, invalid field (names the path)."""


class MediaError(TimelineLabError):
    """A media file that is missing, unreadable or not media (names the file)."""


class DamagedMediaError(MediaError):
    """A media file whose whole is unusable as it is (truncated, clocks joined): never just one
    stream left out of it."""


class CapabilityError(TimelineLabError):
    """An encoder, decoder or filter the bundled FFmpeg cannot provide."""


class RenderError(TimelineLabError):
    """A render that failed; the target file is left as it was."""


class CancelledError(RenderError):
    """A render stopped on request; the target file is left as it was."""
