"""Plugin lifecycle events, on the same bus as renders, so logs and widgets see plugin trouble."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.events import Event

__all__ = ["ForwardedEvent", "PluginDisabled", "PluginFailed", "PluginLoaded", "PluginMessage", "Stage"]

Stage = Literal[
    "discover", "load", "api", "dependency", "initialize", "handle", "event", "effect", "shutdown", "crash"
]


@dataclass(frozen=True)
class PluginLoaded(Event):
    """A plugin passed its checks and ``initialize`` returned; it now gets commands and events."""

    name: str
    version: str
    isolated: bool = False


@dataclass(frozen=True)
class PluginFailed(Event):
    """A plugin could not be loaded or raised; ``stage`` says where, ``error`` what."""

    name: str
    stage: str  # one of Stage
    error: str


@dataclass(frozen=True)
class PluginDisabled(Event):
    """A running plugin was switched off (after a failure, a failed dependency, or on request)."""

    name: str
    reason: str


@dataclass(frozen=True)
class PluginMessage(Event):
    """A custom event an isolated plugin published (its type name and fields, as JSON data)."""

    plugin: str
    topic: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ForwardedEvent(Event):
    """An app event as an isolated plugin sees it in its own process: type name, module, JSON data."""

    type_name: str
    module: str
    data: dict[str, Any] = field(default_factory=dict)
