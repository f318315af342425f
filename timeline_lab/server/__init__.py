"""Media over HTTP for previews: byte ranges from registered files only, by opaque token.

Two modes, one handler: a standalone server in the kernel (``MediaServer``), or the Jupyter server
extension (``timeline_lab.server.jupyter``) behind Jupyter's login. ``media_url`` picks for you.
"""

from __future__ import annotations

from ._errors import MediaGoneError, ServerError, TokenError
from .range import HealthHandler, MediaHandler, MediaService
from .registry import MediaRegistry
from .sealing import TokenSealer
from .standalone import MediaServer
from .urls import default_server, jupyter_base_url, media_url, unregister_media

__all__ = [
    "HealthHandler",
    "MediaGoneError",
    "MediaHandler",
    "MediaRegistry",
    "MediaServer",
    "MediaService",
    "ServerError",
    "TokenError",
    "TokenSealer",
    "default_server",
    "jupyter_base_url",
    "media_url",
    "unregister_media",
]
