"""What ``initialize(ctx)`` receives: capability objects, each limited to what the manifest declares.

In-process plugins are trusted code: they run Python in the app's own interpreter, so these limits
are guard rails that keep honest plugins honest and make every reach outside visible — not a
sandbox. Untrusted code belongs in an isolated plugin (``register_isolated``), which gets the same
context in its own process, confined by the kernel (Landlock, seccomp, resource limits).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.events import Event, EventBus, Subscription
from ._fs import ConfinedFS
from .api import PermissionDenied, PluginManifest

if TYPE_CHECKING:
    import subprocess

    from ._http import PluginHTTP

__all__ = ["PluginContext", "RestrictedBus"]

E = TypeVar("E", bound=Event)
ErrorSink = Callable[[str, BaseException], None]
"""Called as ``sink(stage, exc)`` when plugin code run on the plugin's behalf raises."""


def _app_event_type(kind: type) -> type | None:
    """The first class in ``kind``'s MRO that is an app event (``timeline_lab.*`` but not a builtin plugin's).

    Checked over the whole MRO, so a plugin's subclass of ``RenderCompleted`` (which subscribers of
    ``RenderCompleted`` would receive) is an app event too; the ``Event`` base itself is not.
    """
    for cls in kind.__mro__:
        if cls is Event or cls is object:
            continue
        module = cls.__module__
        if module.startswith("timeline_lab.") and not module.startswith("timeline_lab.plugins.builtin."):
            return cls
    return None


class RestrictedBus:
    """Publish the plugin's own event types, subscribe to any; subscriptions end with the plugin.

    Only ``publish``, ``subscribe`` and ``close`` exist: the app's bus lives in closures, not in an
    attribute, so ``ctx.bus`` cannot be used to reach it. (In-process plugins are trusted code all
    the same: Python lets them reach anything in the interpreter by introspection. Untrusted
    plugins belong in a sandboxed child, see ``PluginRegistry.register_isolated``.)
    """

    __slots__ = ("_close", "_publish", "_subscribe")

    def __init__(self, plugin: str, bus: EventBus, on_error: ErrorSink) -> None:
        subs: list[Subscription] = []
        closed = False

        def publish(event: Event) -> None:
            if not isinstance(event, Event):
                raise TypeError(f"plugin {plugin!r}: {event!r} is not an Event")
            app_type = Event if type(event) is Event else _app_event_type(type(event))
            if app_type is not None:
                msg = f"plugin {plugin!r} may not publish app event {type(event).__name__}"
                if app_type is not type(event):
                    msg += f" (a subclass of {app_type.__name__})"
                raise PermissionDenied(msg)
            if not closed:
                bus.publish(event)

        def subscribe(kind: type[E], fn: Callable[[E], None]) -> Subscription:
            def guarded(event: E) -> None:
                if closed:
                    return
                try:
                    fn(event)
                except Exception as exc:
                    on_error("event", exc)

            sub = bus.subscribe(kind, guarded)
            subs.append(sub)
            return sub

        def close() -> None:
            nonlocal closed
            closed = True
            for sub in subs:
                sub.close()
            subs.clear()

        self._publish, self._subscribe, self._close = publish, subscribe, close

    def publish(self, event: Event) -> None:
        """Publish ``event``; app events (``timeline_lab.*`` types, their subclasses) are refused."""
        self._publish(event)

    def subscribe(self, kind: type[E], fn: Callable[[E], None]) -> Subscription:
        """Like ``EventBus.subscribe``; a handler that raises disables the plugin."""
        return self._subscribe(kind, fn)

    def close(self) -> None:
        """Drop every subscription (idempotent)."""
        self._close()

    def __repr__(self) -> str:
        return "RestrictedBus()"


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
        import subprocess  # here: starting a Studio never runs a program

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
