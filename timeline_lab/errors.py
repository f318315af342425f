"""One exception hierarchy, so callers can catch everything timeline_lab raises with one clause."""

from __future__ import annotations

__all__ = [
    "CancelledError",
    "CapabilityError",
    "DamagedMediaError",
    "MediaError",
    "ProjectError",
    "ProjectFileError",
    "RenderError",
    "TimelineLabError",
]


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
