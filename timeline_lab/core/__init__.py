"""Core services: the typed event bus (and, later, service wiring and telemetry)."""

from .events import (
    Event,
    EventBus,
    RenderCancelled,
    RenderCompleted,
    RenderFailed,
    RenderProgress,
    RenderStarted,
    Subscription,
)

__all__ = [
    "Event",
    "EventBus",
    "RenderCancelled",
    "RenderCompleted",
    "RenderFailed",
    "RenderProgress",
    "RenderStarted",
    "Subscription",
]
