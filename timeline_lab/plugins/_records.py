"""The registry's bookkeeping: one slot per plugin, and the read-only row it reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .api import PluginKind, PluginManifest
from .context import PluginContext

__all__ = ["PluginInfo", "Slot", "State"]

State = Literal["registered", "active", "failed", "disabled", "stopped"]


@dataclass(frozen=True)
class PluginInfo:
    """One row of the registry's report: who, which state, and the last error if any."""

    name: str
    version: str
    kind: PluginKind | None
    state: State
    isolated: bool
    source: str
    error: str | None = None


@dataclass
class Slot:
    plugin: Any
    manifest: PluginManifest
    source: str
    isolated: bool
    state: State = "registered"
    error: str | None = None
    ctx: PluginContext | None = None

    @property
    def name(self) -> str:
        return self.manifest.name

    def info(self) -> PluginInfo:
        m = self.manifest
        return PluginInfo(m.name, m.version, m.kind, self.state, self.isolated, self.source, self.error)
