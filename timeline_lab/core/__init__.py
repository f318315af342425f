"""Core services: the typed event bus (and service wiring, telemetry as they land)."""

from .events import *  # noqa: F403  (the event types are the public surface)
from .events import __all__ as __all__
