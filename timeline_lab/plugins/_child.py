"""The child side of an isolated plugin: confine this process, load the plugin, answer JSON requests.

Started by :class:`._process.ChildProcess` as ``python -I -c <boot> <import root> <fd>``. The first
message on the channel is the sandbox config (see :mod:`._sandbox`); :func:`._confine.confine`
applies it before the plugin's module is imported. Only JSON bytes cross the channel in either
direction (never pickles), so a hostile child cannot run code in the app by what it sends back.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
from dataclasses import asdict, is_dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx  # noqa: F401  (imported before confinement: the plugin's ctx.http needs it)

from ..core.events import Event, EventBus
from . import _http  # noqa: F401  (same)
from ._confine import confine
from ._loading import describe, instantiate, load_reference, manifest_of
from ._remote_http import ChannelTransport
from .api import CommandError, PluginManifest
from .context import PluginContext
from .events import ForwardedEvent

__all__ = ["main"]


class _Channel:
    """JSON messages over the IPC connection, safe to send from several threads."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def send(self, **msg: Any) -> None:
        data = json.dumps(msg, default=str).encode()
        with self.lock:
            self.conn.send_bytes(data)

    def recv(self) -> dict[str, Any]:
        msg: dict[str, Any] = json.loads(self.conn.recv_bytes())
        return msg


class _ForwardingBus(EventBus):
    """The child's bus: what the plugin publishes goes to the app as :class:`PluginMessage`."""

    def __init__(self, chan: _Channel) -> None:
        super().__init__()
        self.chan = chan

    def publish(self, event: Event) -> None:
        super().publish(event)
        data = asdict(event) if is_dataclass(event) and not isinstance(event, type) else {}
        self.chan.send(op="publish", topic=type(event).__name__, data=data)

    def deliver(self, event: Event) -> None:
        """Hand an event from the app to local subscribers without echoing it back."""
        super().publish(event)


class _LogForwarder(logging.Handler):
    def __init__(self, chan: _Channel) -> None:
        super().__init__(logging.DEBUG)
        self.chan = chan

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.chan.send(op="log", level=record.levelno, name=record.name, message=record.getMessage())
        except Exception:
            self.handleError(record)


def _pump(chan: _Channel, inbox: queue.Queue[dict[str, Any] | None], http: ChannelTransport) -> None:
    """Reader thread: HTTP answers go to the waiting request, everything else to the main loop."""
    try:
        while True:
            msg = chan.recv()
            if msg.get("op") == "http_result":
                http.resolve(msg)
            else:
                inbox.put(msg)
    except (EOFError, OSError, ValueError):
        pass  # the app went away
    http.fail_all("the app closed the channel")
    inbox.put(None)


_CHANNEL_FD = 3


def main(fd: int) -> None:
    """Entry point of the child process; never returns (``os._exit``, so stray threads end too)."""
    if fd != _CHANNEL_FD:  # the channel at 3, whatever number the app's end had: all it holds is 0-3
        os.dup2(fd, _CHANNEL_FD, inheritable=False)
        os.close(fd)
        fd = _CHANNEL_FD
        sys.argv[2:3] = [str(fd)]  # as the boot line passed it
    chan = _Channel(Connection(fd))
    try:
        _serve(chan, fd)
    finally:
        os._exit(0)


def _serve(chan: _Channel, fd: int) -> None:
    """Start the plugin, then answer the app's messages until it asks to shut down or goes away."""
    started = _start(chan, fd)
    if started is None:
        return
    session = _Session(chan, *started)
    inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(
        target=_pump, args=(chan, inbox, session.http), name="plugin-channel", daemon=True
    ).start()
    while (msg := inbox.get()) is not None:
        if msg.get("op") == "event":
            session.on_event(msg)
            continue
        session.answer(msg)
        if msg.get("op") == "shutdown":
            break


def _start(chan: _Channel, fd: int) -> tuple[Any, PluginManifest] | None:
    """Confine this process, load the plugin, forward its logs, say hello; None after a fatal error."""
    try:
        config = chan.recv()
        notes = confine(config, fd)
    except BaseException as exc:
        chan.send(op="fatal", stage="sandbox", error=describe(exc))
        return None
    try:
        plugin = instantiate(load_reference(str(config["target"])))
        manifest = manifest_of(plugin)
        kinds = sorted(getattr(plugin, "effect_kinds", None) or {})
    except BaseException as exc:
        chan.send(op="fatal", stage="load", error=describe(exc))
        return None
    root = logging.getLogger()
    root.addHandler(_LogForwarder(chan))
    root.setLevel(logging.WARNING)
    logging.getLogger("timeline_lab.plugins").setLevel(logging.DEBUG)
    chan.send(op="hello", manifest=manifest.model_dump(mode="json"), effects=kinds, notes=notes)
    return plugin, manifest


class _Session:
    """The loaded plugin and what it reaches the app through: its bus, its HTTP and its context."""

    def __init__(self, chan: _Channel, plugin: Any, manifest: PluginManifest) -> None:
        self.chan, self.plugin, self.manifest = chan, plugin, manifest
        self.bus = _ForwardingBus(chan)
        self.http = ChannelTransport(chan.send)
        self.ctx: PluginContext | None = None

    def failed(self, stage: str, exc: BaseException) -> None:
        """Report an error the app did not ask about (an event handler's, a subscriber's)."""
        self.chan.send(op="failed", stage=stage, error=describe(exc))

    def on_event(self, msg: dict[str, Any]) -> None:
        """An app event: to the plugin's ``on_event``, then to its own subscribers."""
        event = ForwardedEvent(msg["type"], msg["module"], msg["data"])
        try:
            self.plugin.on_event(event)
            self.bus.deliver(event)
        except Exception as exc:
            self.failed("event", exc)

    def answer(self, msg: dict[str, Any]) -> None:
        """Run one request and send its result: a JSON value, a command error or a failure."""
        rid = msg.get("id")
        try:
            value = self._run(msg)
            json.dumps(value)  # refuse non-JSON results here, with a clear error
            self.chan.send(op="result", id=rid, ok=True, value=value)
        except CommandError as exc:
            self.chan.send(op="result", id=rid, ok=False, kind="command", error=str(exc))
        except Exception as exc:
            self.chan.send(op="result", id=rid, ok=False, kind="failure", error=describe(exc))

    def _run(self, msg: dict[str, Any]) -> Any:
        """What the plugin returns for one request (None for the lifecycle ones)."""
        op = msg.get("op")
        if op == "initialize":
            self.ctx = PluginContext(
                self.manifest,
                bus=self.bus,
                base=Path(msg["base"]),
                on_error=self.failed,
                http_transport=self.http,
            )
            self.plugin.initialize(self.ctx)
        elif op == "handle":
            return self.plugin.handle(msg["command"], msg["payload"])
        elif op == "effect":
            steps = self.plugin.effect_kinds[msg["kind"]](*msg["args"], **msg["kwargs"])
            return [list(step) if isinstance(step, tuple) else step for step in steps]
        elif op == "shutdown":
            self.plugin.shutdown()
            if self.ctx is not None:
                self.ctx.close()
        else:
            raise ValueError(f"unknown op {op!r}")
        return None
