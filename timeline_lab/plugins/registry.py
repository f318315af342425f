"""Finds plugins, checks them, starts them in dependency order, and contains their failures."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Collection, Mapping
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.events import Event, EventBus
from ..errors import RenderError
from ._effects import check_steps
from ._loading import describe, instantiate, manifest_of
from ._records import PluginInfo, Slot, State
from ._versions import version_in_range
from .api import API_VERSION, CommandError, EffectRenderer, PluginError
from .context import PluginContext
from .events import PluginDisabled, PluginFailed, PluginLoaded, Stage

if TYPE_CHECKING:
    from ._sandbox import IsolationLimits

__all__ = ["ENTRY_POINT_GROUP", "PluginInfo", "PluginRegistry", "State"]

ENTRY_POINT_GROUP = "timeline_lab.plugins"
"""Packages declare plugins under ``[project.entry-points."timeline_lab.plugins"]``."""

log = logging.getLogger("timeline_lab.plugins")
_KIND_SUFFIX = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class PluginRegistry:
    """Owns every plugin's lifecycle: register/discover -> start -> handle/on_event -> shutdown.

    A plugin that raises (in ``initialize``, a command, an event handler or an effect renderer)
    is disabled and reported with :class:`PluginFailed` and :class:`PluginDisabled` events and a
    log line; plugins that depend on it are disabled too; the app goes on.

    Parameters
    ----------
    bus
        The app's event bus; every event on it is forwarded to active plugins' ``on_event``.
    workspace
        The folder relative ``fs_read``/``fs_write`` roots in manifests are taken from (else the cwd).
    timeout
        Seconds an isolated plugin gets to answer one call before it is stopped.
    limits
        Resource limits for isolated plugins' processes (:class:`IsolationLimits` defaults if None).
    unconfined
        Let isolated plugins run where the kernel cannot sandbox them (see :class:`IsolatedPlugin`);
        default from ``$TIMELINE_LAB_PLUGINS_UNCONFINED``.

    In-process plugins (:meth:`register`, or ``discover()`` without ``isolate``) are trusted code: they
    run in the app's interpreter, and their context's checks keep honest plugins honest, nothing more.
    Plugins you do not trust belong in :meth:`register_isolated`: a sandboxed child process.
    """

    def __init__(
        self,
        bus: EventBus | None = None,
        workspace: Path | None = None,
        *,
        timeout: float = 30.0,
        http_transport: Any = None,
        limits: IsolationLimits | None = None,
        unconfined: bool | None = None,
    ) -> None:
        self.bus = bus if bus is not None else EventBus()
        self.base = Path(workspace).resolve() if workspace is not None else Path.cwd().resolve()
        self.timeout = timeout
        self.limits, self.unconfined = limits, unconfined
        self._transport = http_transport
        self._slots: dict[str, Slot] = {}
        self._unloaded: dict[str, PluginInfo] = {}
        self._seen: set[tuple[str, str]] = set()
        self._order: list[str] = []
        self._lock = threading.RLock()
        self._sub = self.bus.subscribe(Event, self._forward)

    def __enter__(self) -> PluginRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # -- finding plugins -------------------------------------------------------------------------
    def discover(
        self, *, group: str = ENTRY_POINT_GROUP, isolate: bool | Collection[str] = False
    ) -> list[str]:
        """Register plugins from installed packages' entry points; returns the names registered.

        ``isolate`` (True, or entry-point names) runs those plugins in child processes: their code
        is then never imported into the app. A plugin that fails to load is reported, not raised.
        """
        found = []
        dists: dict[int, str] = {}  # a distribution's name parses its METADATA (~1 ms): once each
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            if (ep.name, ep.value) in self._seen:
                continue
            self._seen.add((ep.name, ep.value))
            if id(ep.dist) not in dists:
                dists[id(ep.dist)] = getattr(ep.dist, "name", None) or "?"
            dist = dists[id(ep.dist)]
            source = f"entry point {ep.name} = {ep.value} (from {dist})"
            isolated = isolate is True or (not isinstance(isolate, bool) and ep.name in isolate)
            try:
                if isolated:
                    found.append(self.register_isolated(ep.value, source=source))
                else:
                    found.append(self.register(ep.load(), source=source))
            except Exception as exc:
                self._unloaded[ep.name] = PluginInfo(
                    ep.name, "?", None, "failed", isolated, source, describe(exc)
                )
                self._report(ep.name, "discover", exc)
        return found

    def register(self, plugin: Any, *, source: str = "register()") -> str:
        """Add an in-process plugin (instance, class or factory); ``start()`` initializes it."""
        obj = instantiate(plugin)
        return self._add(Slot(obj, manifest_of(obj), source, isolated=False))

    def register_isolated(self, target: str, *, source: str | None = None) -> str:
        """Start ``"module:attr"`` in a sandboxed child process and add it; its manifest comes from the child.

        Raises :class:`PluginError` naming the plugin when it cannot start, or cannot be sandboxed
        here (no Landlock) and ``unconfined`` was not chosen.
        """
        from ._isolation import IsolatedPlugin

        proxy = IsolatedPlugin(
            target, base=self.base, timeout=self.timeout, limits=self.limits, unconfined=self.unconfined
        )
        try:
            name = self._add(Slot(proxy, proxy.manifest, source or f"isolated {target}", isolated=True))
        except PluginError:
            proxy.shutdown()
            raise
        proxy.on_failure = partial(self._fail, name)
        proxy.on_publish = self.bus.publish
        return name

    def _add(self, slot: Slot) -> str:
        with self._lock:
            old = self._slots.get(slot.name)
            if old is not None:
                raise PluginError(f"plugin {slot.name!r} is already registered (from {old.source})")
            self._slots[slot.name] = slot
            self._unloaded.pop(slot.name, None)
        return slot.name

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> list[str]:
        """Check and initialize every registered plugin, dependencies first; returns those started."""
        with self._lock:
            pending = {n: s for n, s in self._slots.items() if s.state == "registered"}
        for name, slot in list(pending.items()):
            problem = self._problem(slot)
            if problem:
                del pending[name]
                self._reject(slot, *problem)
        started = []
        for slot in self._ordered(pending):
            missing = [d for d in slot.manifest.dependencies if self._state(d) != "active"]
            if missing:
                dep = missing[0]
                why = "is not installed" if self._state(dep) is None else f"is {self._state(dep)}"
                self._reject(slot, "dependency", f"dependency {dep!r} {why}")
            elif self._initialize(slot):
                started.append(slot.name)
        return started

    def _problem(self, slot: Slot) -> tuple[Stage, str] | None:
        m = slot.manifest
        if not version_in_range(API_VERSION, m.api):
            return "api", f"needs plugin API {m.api!r}; this timeline_lab provides {API_VERSION}"
        for kind in getattr(slot.plugin, "effect_kinds", None) or {}:
            prefix, dot, rest = str(kind).partition(".")
            if prefix != m.name or not dot or not _KIND_SUFFIX.match(rest):
                return "load", f"effect kind {kind!r} must be namespaced '{m.name}.<kind>'"
        return None

    def _ordered(self, pending: dict[str, Slot]) -> list[Slot]:
        """Topological order (ties by name); plugins on a dependency cycle are rejected."""
        waiting = {n: {d for d in s.manifest.dependencies if d in pending} for n, s in pending.items()}
        order: list[Slot] = []
        while ready := sorted(n for n, deps in waiting.items() if not deps):
            for n in ready:
                order.append(pending[n])
                del waiting[n]
            for deps in waiting.values():
                deps.difference_update(ready)
        for n in sorted(waiting):
            self._reject(pending[n], "dependency", f"dependency cycle among {', '.join(sorted(waiting))}")
        return order

    def _initialize(self, slot: Slot) -> bool:
        ctx = PluginContext(
            slot.manifest,
            bus=self.bus,
            base=self.base,
            on_error=partial(self._fail, slot.name),
            http_transport=self._transport,
        )
        slot.ctx = ctx
        try:
            slot.plugin.initialize(ctx)
        except Exception as exc:
            ctx.close()
            self._reject(slot, "initialize", exc)
            return False
        with self._lock:
            slot.state = "active"
            self._order.append(slot.name)
        log.info("plugin %r %s started (%s)", slot.name, slot.manifest.version, slot.source)
        self.bus.publish(PluginLoaded(slot.name, slot.manifest.version, slot.isolated))
        return True

    def shutdown(self) -> None:
        """Shut active plugins down in reverse start order; stop isolated children; idempotent."""
        with self._lock:
            active = [self._slots[n] for n in reversed(self._order) if self._slots[n].state == "active"]
            idle = [s for s in self._slots.values() if s.state == "registered" and s.isolated]
            for slot in active + idle:
                slot.state = "stopped"
        for slot in active:
            self._stop(slot)
        for slot in idle:
            slot.plugin.close()
        self._sub.close()

    def disable(self, name: str, reason: str = "disabled on request") -> None:
        """Switch a running plugin off (its dependents too); it gets no more commands or events."""
        with self._lock:
            slot = self._slots.get(name)
            if slot is None or slot.state != "active":
                return
            slot.state = "disabled"
            slot.error = reason
        self._deactivate(slot, reason)

    def _deactivate(self, slot: Slot, reason: str) -> None:
        """Stop a plugin that was running, announce it, and disable whatever depends on it."""
        self._stop(slot)
        self.bus.publish(PluginDisabled(slot.name, reason))
        for other in list(self._slots.values()):
            if slot.name in other.manifest.dependencies:
                self.disable(other.name, f"dependency {slot.name!r} was disabled")

    # -- using plugins -----------------------------------------------------------------------------
    def handle(self, name: str, command: str, payload: Mapping[str, Any] | None = None) -> Any:
        """Send a command to a running plugin; if it raises it is disabled and PluginError raised."""
        slot = self._active(name)
        try:
            return slot.plugin.handle(command, dict(payload or {}))
        except CommandError:
            raise
        except Exception as exc:
            stage = "crash" if getattr(slot.plugin, "crashed", None) else "handle"
            self._fail(name, stage, exc)
            raise PluginError(
                f"plugin {name!r} failed on command {command!r} and was disabled: {describe(exc)}"
            ) from exc

    def effects(self) -> dict[str, EffectRenderer]:
        """``"<plugin>.<kind>" -> renderer(fx, ctx) -> chain items`` from running effect plugins.

        Ready for ``render.effects.register_effect``. Renderers are wrapped: steps are validated (no
        file-reading filters), a call after the plugin stopped raises, and a renderer that crashes or
        returns bad steps disables its plugin and raises :class:`PluginError` (a RenderError
        refusing bad parameters passes through and leaves the plugin running).
        """
        out: dict[str, EffectRenderer] = {}
        with self._lock:
            slots = [s for s in self._slots.values() if s.state == "active" and s.manifest.kind == "effect"]
        for slot in slots:
            for kind, fn in (getattr(slot.plugin, "effect_kinds", None) or {}).items():
                out[str(kind)] = partial(self._render_effect, slot.name, str(kind), fn)
        return out

    def _render_effect(
        self, name: str, kind: str, fn: EffectRenderer, *args: Any, **kwargs: Any
    ) -> list[Any]:
        slot = self._active(name)
        try:
            return check_steps(kind, fn(*args, **kwargs), allow_objects=not slot.isolated)
        except RenderError:
            raise  # the effect's parameters were refused: the user's input, not a plugin crash
        except Exception as exc:
            self._fail(name, "effect", exc)
            raise PluginError(
                f"effect {kind!r} failed and plugin {name!r} was disabled: {describe(exc)}"
            ) from exc

    def get(self, name: str) -> Any:
        """The plugin object (for isolated plugins, the host-side proxy)."""
        with self._lock:
            if name not in self._slots:
                raise PluginError(f"no plugin named {name!r}")
            return self._slots[name].plugin

    def info(self) -> list[PluginInfo]:
        """Every plugin seen, including ones that failed to load, sorted by name."""
        with self._lock:
            rows = [s.info() for s in self._slots.values()] + list(self._unloaded.values())
        return sorted(rows, key=lambda r: r.name)

    def state(self, name: str) -> State | None:
        """Lifecycle state of a plugin, or None if unknown."""
        return self._state(name)

    def __contains__(self, name: object) -> bool:
        return name in self._slots

    # -- internals ----------------------------------------------------------------------------------
    def _state(self, name: str) -> State | None:
        with self._lock:
            slot = self._slots.get(name)
            return slot.state if slot is not None else None

    def _active(self, name: str) -> Slot:
        with self._lock:
            slot = self._slots.get(name)
        if slot is None:
            raise PluginError(f"no plugin named {name!r}")
        if slot.state != "active":
            raise PluginError(f"plugin {name!r} is {slot.state}" + (f" ({slot.error})" if slot.error else ""))
        return slot

    def _forward(self, event: Event) -> None:
        """Bus subscriber: hand each event to every running plugin; one that raises is disabled."""
        with self._lock:
            slots = [s for s in self._slots.values() if s.state == "active"]
        for slot in slots:
            if slot.state != "active":
                continue  # disabled by an earlier plugin's reaction to this same event
            try:
                slot.plugin.on_event(event)
            except Exception as exc:
                self._fail(slot.name, "event", exc)

    def _fail(self, name: str, stage: str, error: BaseException | str) -> None:
        """A running plugin misbehaved: report, disable it and its dependents (first report wins)."""
        with self._lock:
            slot = self._slots.get(name)
            if slot is None or slot.state != "active":
                return
            slot.state = "failed"
            slot.error = f"{stage}: {error if isinstance(error, str) else describe(error)}"
        self._report(name, stage, error)
        self._deactivate(slot, f"failed in {stage}")

    def _reject(self, slot: Slot, stage: Stage, error: BaseException | str) -> None:
        """A plugin that never ran: mark failed, report, stop its child if isolated."""
        with self._lock:
            slot.state = "failed"
            slot.error = f"{stage}: {error if isinstance(error, str) else describe(error)}"
        self._report(slot.name, stage, error)
        if slot.isolated:
            slot.plugin.close()

    def _report(self, name: str, stage: str, error: BaseException | str) -> None:
        text = error if isinstance(error, str) else describe(error)
        exc_info = error if isinstance(error, BaseException) else None
        log.error("plugin %r failed (%s): %s", name, stage, text, exc_info=exc_info)
        self.bus.publish(PluginFailed(name, stage, text))

    def _stop(self, slot: Slot) -> None:
        """Best-effort ``shutdown()`` and context close; errors are reported, never raised."""
        try:
            slot.plugin.shutdown()
        except Exception as exc:
            self._report(slot.name, "shutdown", exc)
        if slot.ctx is not None:
            slot.ctx.close()
