"""Composition root: every service is built here, explicitly, and handed to whoever needs it.

Tests pass their own ``Services`` (another bus, a registry with test plugins, a vault on a temp
path); nothing reaches for a global. The default ``Studio`` builds one of these.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.events import EventBus

if TYPE_CHECKING:
    from .core.cache import MemoryCache
    from .core.jobs import JobRunner
    from .plugins.registry import PluginRegistry
    from .render.compile.effects import EffectRegistry
    from .security.vault import Vault
    from .telemetry import Telemetry

__all__ = ["Services"]

log = logging.getLogger(__name__)


def _effect_registry() -> EffectRegistry:
    """A Studio's own effect registry; kinds registered without a Studio stay visible through it."""
    from .render.compile.effects import STANDALONE_EFFECTS, EffectRegistry

    return EffectRegistry(fallback=STANDALONE_EFFECTS)


@dataclass
class Services:
    """The long-lived services of one Studio; build with :meth:`create`, replace any in tests."""

    workspace: Path
    bus: EventBus = field(default_factory=EventBus)
    plugins: PluginRegistry | None = None
    memory_cache: MemoryCache[Any, Any] | None = None
    telemetry: Telemetry | None = None
    jobs: JobRunner | None = None
    """Runs every background job of this Studio (renders, recognition, proxies) on one pool."""
    effects: EffectRegistry = field(default_factory=lambda: _effect_registry())
    """This Studio's plugin effect kinds (falling back to those registered without a Studio)."""
    _vault: Vault | None = field(default=None, repr=False)
    _effects: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls, workspace: str | Path, *, discover_plugins: bool = True, bus: EventBus | None = None
    ) -> Services:
        """Wire the defaults: event bus, memory cache, plugins from entry points (effects registered)."""
        from .core.cache import MemoryCache
        from .core.jobs import JobRunner
        from .telemetry import Telemetry

        services = cls(Path(workspace), bus or EventBus(), memory_cache=MemoryCache(256 * 2**20))
        services.telemetry = Telemetry(services.bus)
        services.jobs = JobRunner(services.bus, workers=2, name="timeline-lab-job")
        services.plugins = services._start_plugins(discover_plugins)
        return services

    def _start_plugins(self, discover: bool) -> PluginRegistry:
        from .plugins.events import PluginDisabled
        from .plugins.registry import PluginRegistry

        registry = PluginRegistry(self.bus, self.workspace if self.workspace.is_dir() else None)
        if discover:
            registry.discover()
        registry.start()
        self._register_effects(registry)
        self.bus.subscribe(PluginDisabled, lambda ev: self._drop_effects(ev.name))
        return registry

    def _register_effects(self, registry: PluginRegistry) -> None:
        for kind, renderer in registry.effects().items():
            self.effects.register(kind, renderer)
            self._effects.append((kind, renderer))

    def _drop_effects(self, plugin: str | None) -> None:
        """Withdraw the plugins' renderers (of one plugin, or all) from this Studio's registry."""
        for kind, renderer in [e for e in self._effects if plugin is None or e[0].startswith(f"{plugin}.")]:
            self.effects.unregister(kind, renderer)
            self._effects.remove((kind, renderer))

    @property
    def vault(self) -> Vault:
        """The secret vault, opened on first use (it may need the OS keychain or a passphrase)."""
        if self._vault is None:
            from .security.vault import Vault

            self._vault = Vault()
        return self._vault

    @vault.setter
    def vault(self, value: Vault) -> None:
        self._vault = value

    def close(self) -> None:
        """Shut plugins down (isolated plugin processes end here) and detach telemetry."""
        self._drop_effects(None)
        if self.jobs is not None:
            self.jobs.shutdown(wait=False)  # running jobs end on their own; no new ones start
        if self.plugins is not None:
            self.plugins.shutdown()
        if self.telemetry is not None:
            self.telemetry.close()

    def health(self) -> dict[str, Any]:
        """State of each service, for ``/timeline-lab/health``."""
        from dataclasses import asdict

        plugins = {i.name: i.state for i in self.plugins.info()} if self.plugins is not None else {}
        cache = asdict(self.memory_cache.stats()) if self.memory_cache is not None else None
        return {
            "workspace": str(self.workspace),
            "plugins": plugins,
            "memory_cache": cache,
            "vault": "open" if self._vault is not None else "not opened",
        }
