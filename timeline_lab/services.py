"""Composition root: every service is built here, explicitly, and handed to whoever needs it.

One ``Services`` per Studio owns the bus, jobs, plugins, effect registry, caches, warm decoders,
detection models, telemetry and (started by the server layer when first needed) the media
server; lower layers get what they need as a parameter. Tests pass their own ``Services``
(another bus, a registry with test plugins, a vault on a temp path). The process-default Studio
(``Studio.default()``) is built with ``process_default=True``: its caches, reader pool and model
manager are the module-level defaults that media and recognition functions use when called
without a Studio, so a notebook's direct calls and its widgets share them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .core.cache import CacheSet
from .core.events import EventBus

if TYPE_CHECKING:
    from .core.jobs import JobRunner
    from .media._decoder import ReaderPool
    from .plugins.registry import PluginRegistry
    from .recognition.models import ModelManager
    from .render.compile.effects import EffectRegistry
    from .security.vault import Vault
    from .telemetry import Telemetry

__all__ = ["Services"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def _effect_registry() -> EffectRegistry:
    """A Studio's own effect registry; kinds registered without a Studio stay visible through it."""
    from .render.compile.effects import STANDALONE_EFFECTS, EffectRegistry

    return EffectRegistry(fallback=STANDALONE_EFFECTS)


def _reader_pool() -> ReaderPool:
    from .media._decoder import ReaderPool

    return ReaderPool()


@dataclass
class Services:
    """The long-lived services of one Studio; build with :meth:`create`, replace any in tests."""

    workspace: Path
    bus: EventBus = field(default_factory=EventBus)
    plugins: PluginRegistry | None = None
    telemetry: Telemetry | None = None
    jobs: JobRunner | None = None
    """Runs every background job of this Studio (renders, recognition, proxies) on one pool."""
    effects: EffectRegistry = field(default_factory=lambda: _effect_registry())
    """This Studio's plugin effect kinds (falling back to those registered without a Studio)."""
    caches: CacheSet = field(default_factory=CacheSet)
    """Previews, filmstrips and waveforms of this Studio, in memory and on disk."""
    readers: ReaderPool = field(default_factory=lambda: _reader_pool())
    """Warm decoders for exact frames (the preview widget's paused frames, thumbnails)."""
    process_default: bool = False
    """True for the default Studio's: caches, readers and models are the module-level defaults."""
    _models: ModelManager | None = field(default=None, repr=False)
    _vault: Vault | None = field(default=None, repr=False)
    _effects: list[tuple[str, Any]] = field(default_factory=list, repr=False)
    _started: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(
        cls,
        workspace: str | Path,
        *,
        discover_plugins: bool = True,
        bus: EventBus | None = None,
        process_default: bool = False,
    ) -> Services:
        """Wire the defaults: event bus, jobs, telemetry, plugins from entry points (effects registered).

        ``process_default``: only ``Studio.default()`` passes it; see the module docstring.
        """
        from .core.jobs import JobRunner
        from .telemetry import Telemetry

        services = cls(Path(workspace), bus or EventBus())
        if process_default:
            from .core.cache import DEFAULT_CACHES
            from .media._decoder import DEFAULT_READERS

            services.caches, services.readers, services.process_default = (
                DEFAULT_CACHES,
                DEFAULT_READERS,
                True,
            )
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
    def models(self) -> ModelManager:
        """Loaded detection models, made on first use (the default Studio's: ``default_manager()``)."""
        with self._lock:
            if self._models is None:
                from .recognition.models import ModelManager, default_manager

                self._models = default_manager() if self.process_default else ModelManager()
            return self._models

    def get_or_start(self, name: str, start: Callable[[], T]) -> T:
        """The service ``name`` of a layer above this one, made by ``start`` when first asked for.

        The media server is one: ``server.urls`` starts it for the Studio whose media a page plays
        (this layer cannot import the server). :meth:`close` stops each (``stop()`` or ``close()``).
        """
        with self._lock:
            if name not in self._started:
                self._started[name] = start()
            return cast(T, self._started[name])

    def started(self, name: str) -> Any:
        """The service ``name`` if :meth:`get_or_start` made it (and :meth:`close` has not), else None."""
        with self._lock:
            return self._started.get(name)

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
        """Shut plugins down (isolated plugin processes end here), stop the media server, close the
        decoders and caches (their files stay), and detach telemetry."""
        self._drop_effects(None)
        if self.jobs is not None:
            self.jobs.shutdown(wait=False)  # running jobs end on their own; no new ones start
        if self.plugins is not None:
            self.plugins.shutdown()
        with self._lock:
            started, self._started = list(self._started.values()), {}
            models = self._models if not self.process_default else None
        for service in started:
            stop = getattr(service, "stop", None) or getattr(service, "close", None)
            if callable(stop):
                stop()
        if models is not None:
            models.clear()
        self.readers.close()
        self.caches.close()
        if self.telemetry is not None:
            self.telemetry.close()

    def health(self) -> dict[str, Any]:
        """State of each service, for ``/timeline-lab/health``."""
        from dataclasses import asdict

        plugins = {i.name: i.state for i in self.plugins.info()} if self.plugins is not None else {}
        return {
            "workspace": str(self.workspace),
            "plugins": plugins,
            "caches": {name: asdict(stats) for name, stats in self.caches.stats().items()},
            "vault": "open" if self._vault is not None else "not opened",
        }
