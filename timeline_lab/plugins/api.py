"""What a plugin author writes against: the API version, the manifest, the protocol and its errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import TimelineLabError
from ._hosts import HostRule
from ._versions import parse_range

if TYPE_CHECKING:
    from ..core.events import Event
    from .context import PluginContext

__all__ = [
    "API_VERSION",
    "BasePlugin",
    "CommandError",
    "EffectRenderer",
    "PermissionDenied",
    "Permissions",
    "Plugin",
    "PluginError",
    "PluginKind",
    "PluginManifest",
]

API_VERSION = "1.0"
"""Version of this plugin API; manifests declare the range they work with (``api=">=1.0,<2"``)."""

PluginKind = Literal["effect", "transition", "exporter", "importer", "analyzer", "service"]

EffectRenderer = Callable[..., list[Any]]
"""Called as the render engine calls it, ``renderer(fx, ctx)`` (the ``Effect`` and its
``EffectContext``), returning chain items: ``(filter, options)`` steps — or, from in-process plugins
only, graph fragments. In an isolated plugin ``fx`` and ``ctx`` arrive as JSON dicts (fractions as
``"num/den"``) and only steps can come back."""

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class PluginError(TimelineLabError):
    """A plugin that cannot be loaded, failed, is disabled, or was asked for something it lacks."""


class CommandError(PluginError):
    """Raise from ``handle()`` to refuse a command (unknown name, bad payload) without being disabled."""


class PermissionDenied(PluginError):
    """A plugin reached for a file, host or subprocess its manifest does not declare."""


class Permissions(BaseModel):
    """Capabilities a plugin asks for; everything not listed is refused.

    ``fs_read``/``fs_write`` are folders (relative ones are taken from the workspace root); a write
    root is readable too. ``network`` holds host rules (see :class:`HostRule`: ``*.example.com``
    means true subdomains only, not the apex). ``subprocess`` allows ``ctx.run`` — which can do
    anything the user can, so grant it only to trusted plugins. ``env`` names environment variables
    an isolated plugin's process receives from the app (it starts with a clean environment
    otherwise); the vault passphrase can never be named.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fs_read: tuple[str, ...] = ()
    fs_write: tuple[str, ...] = ()
    network: tuple[str, ...] = ()
    subprocess: bool = False
    env: tuple[str, ...] = ()

    @field_validator("env")
    @classmethod
    def _env(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for name in v:
            if not _ENV_NAME.match(name):
                raise ValueError(f"env {name!r}: not an environment variable name")
            if name.upper().startswith("TIMELINE_LAB_VAULT"):
                raise ValueError(f"env {name!r}: the vault's settings are never passed to plugins")
        return v

    @field_validator("network")
    @classmethod
    def _hosts(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(str(HostRule.parse(h)) for h in v)

    def host_rules(self) -> tuple[HostRule, ...]:
        """Parsed network rules."""
        return tuple(HostRule.parse(h) for h in self.network)


class PluginManifest(BaseModel):
    """Who the plugin is, which API range it supports, what it needs; checked before it runs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="unique, lower case; also the namespace of its effect kinds")
    version: str
    api: str = Field(description="range of API_VERSION it works with, e.g. '>=1.0,<2'")
    kind: PluginKind
    description: str = ""
    dependencies: tuple[str, ...] = ()
    permissions: Permissions = Permissions()

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"plugin name {v!r}: use lower case letters, digits, '_' or '-'")
        return v

    @field_validator("api")
    @classmethod
    def _api(cls, v: str) -> str:
        parse_range(v)
        return v

    @field_validator("dependencies")
    @classmethod
    def _deps(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for dep in v:
            cls._name(dep)
        return v


@runtime_checkable
class Plugin(Protocol):
    """The lifecycle the registry drives: initialize -> handle/on_event -> shutdown.

    Effect plugins also provide ``effect_kinds: dict[str, EffectRenderer]`` keyed ``"<name>.<kind>"``.
    Any exception escaping these methods disables the plugin (except :class:`CommandError`).
    """

    manifest: PluginManifest

    def initialize(self, ctx: PluginContext) -> None:
        """Keep ``ctx``; its capability objects are the only sanctioned way to reach the outside."""

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        """Answer one command from the app (JSON-able in and out, so isolated plugins work too)."""

    def on_event(self, event: Event) -> None:
        """See every event on the app's bus (called in the publishing thread; keep it quick)."""

    def shutdown(self) -> None:
        """Release resources; the registry closes the context afterwards."""


class BasePlugin:
    """Convenient base: stores the context, refuses unknown commands, ignores events."""

    manifest: PluginManifest
    ctx: PluginContext

    def initialize(self, ctx: PluginContext) -> None:
        """Keep the context for later calls."""
        self.ctx = ctx

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        """No commands by default."""
        raise CommandError(f"plugin {self.manifest.name!r} has no command {command!r}")

    def on_event(self, event: Event) -> None:
        """Ignore events by default."""

    def shutdown(self) -> None:
        """Nothing to release by default."""
