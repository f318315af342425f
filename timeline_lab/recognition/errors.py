"""Recognition errors: one root under TimelineLabError, so callers catch them like any other."""

from __future__ import annotations

from ..errors import TimelineLabError

__all__ = ["ModelNotFoundError", "RecognitionCancelledError", "RecognitionError"]


class RecognitionError(TimelineLabError):
    """A model, a video or an option that recognition cannot work with (the message names which)."""


class ModelNotFoundError(RecognitionError):
    """A model that is not on disk; the message says where to put the file."""


class RecognitionCancelledError(RecognitionError):
    """A recognition job stopped on request; nothing was cached for the unfinished file."""
