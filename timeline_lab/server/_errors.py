"""Media server errors: each maps to one HTTP status in the handler, never to a traceback."""

from __future__ import annotations

from ..errors import TimelineLabError

__all__ = ["MediaGoneError", "ServerError", "TokenError"]


class ServerError(TimelineLabError):
    """The media server or registry cannot do what was asked (bad file, unusable key, no port)."""


class TokenError(ServerError):
    """A token that names nothing we serve: unknown, malformed or forged (HTTP 404)."""


class MediaGoneError(ServerError):
    """A token whose file expired, was unregistered, changed or removed since registration (HTTP 410)."""
