"""What ``initialize(ctx)`` receives: capability objects, each limited to what the manifest declares.

In-process plugins run Python in the app's own interpreter, so these limits are guard rails that
keep honest plugins honest and make every reach outside visible — not a sandbox. Untrusted code
belongs in an isolated plugin (``register_isolated``), which gets the same context in its own process.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.events import Event, EventBus, Subscription
from ._fs import ConfinedFS
from .api import PermissionDenied, PluginManifest

if TYPE_CHECKING:
    from ._http import PluginHTTP

__all__ = ["PluginContext", "RestrictedBus"]

E = TypeVar("E", bound=Event)
ErrorSink = Callable[[str, BaseException], None]
"""Called as ``sink(stage, exc)`` when plugin code run on the plugin's behalf raises."""


class RestrictedBus:
    """Publish the plugin's own event types, subscribe to any; subscriptions end with the plugin."""

    def __init__(self, plugin: str, bus: EventBus, on_error: ErrorSink) -> None:
        self._plugin, self._bus, self._on_error = plugin, bus, on_error
        self._subs: list[Subscription] = []
        self._closed = False

    def publish(self, event: Event) -> None:
        """Publish ``event``; app and lifecycle events (``timeline_lab.*`` types) cannot be forged."""
        if not isinstance(event, Event):
            raise TypeError(f"plugin {self._plugin!r}: {event!r} is not an Event")
        module = type(event).__module__
        if module.startswith("timeline_lab.") and not module.startswith("timeline_lab.plugins.builtin."):
            msg = f"plugin {self._plugin!r} may not publish app event {type(event).__name__}"
            raise PermissionDenied(msg)
        if not self._closed:
            self._bus.publish(event)

    def subscribe(self, kind: type[E], fn: Callable[[E], None]) -> Subscription:
        """Like ``EventBus.subscribe``; a handler that raises disables the plugin."""

        def guarded(event: E) -> None:
            if self._closed:
                return
            try:
                fn(event)
            except Exception as exc:
                self._on_error("event", exc)

        sub = self._bus.subscribe(kind, guarded)
        self._subs.append(sub)
        return sub

    def close(self) -> None:
        """Drop every subscription (idempotent)."""
        self._closed = True
        for sub in self._subs:
            sub.close()
        self._subs.clear()


class PluginContext:
    """Capabilities for one plugin: ``fs``, ``http``, ``run``, ``bus``, ``log``, ``manifest``."""

    def __init__(
        self,
        manifest: PluginManifest,
        *,
        bus: EventBus,
        base: Path,
        on_error: ErrorSink,
        http_transport: Any = None,
    ) -> None:
        self.manifest = manifest
        self.name = manifest.name
        perms = manifest.permissions
        self.fs = ConfinedFS(self.name, base, perms.fs_read, perms.fs_write)
        self.bus = RestrictedBus(self.name, bus, on_error)
        self.log = logging.getLogger(f"timeline_lab.plugins.{self.name}")
        self._http: PluginHTTP | None = None
        self._transport = http_transport

    @property
    def http(self) -> PluginHTTP:
        """An HTTP client limited to the declared hosts (created on first use)."""
        if self._http is None:
            from ._http import PluginHTTP

            self._http = PluginHTTP(
                self.name, self.manifest.permissions.host_rules(), transport=self._transport
            )
        return self._http

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        input: bytes | None = None,
        timeout: float | None = 60.0,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a program (argument list, never a shell) if the manifest declares ``subprocess``."""
        if not self.manifest.permissions.subprocess:
            msg = f"plugin {self.name!r} may not run {list(args)[:1]!r}: needs subprocess permission"
            raise PermissionDenied(msg)
        if isinstance(args, str | bytes):
            raise TypeError(f"plugin {self.name!r}: pass an argument list, not a shell string")
        where = self.fs.path(cwd) if cwd is not None else None
        return subprocess.run(
            [str(a) for a in args],
            cwd=where,
            input=input,
            timeout=timeout,
            check=check,
            capture_output=True,
            env=dict(env) if env is not None else None,
        )

    def close(self) -> None:
        """End subscriptions and close HTTP connections; called by the registry after shutdown."""
        self.bus.close()
        if self._http is not None:
            self._http.close()
            self._http = None
