"""The child side of an isolated plugin: a JSON request loop around one plugin object.

Only JSON bytes cross the pipe in either direction (never pickles), so a hostile child cannot run
code in the app by what it sends back.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, is_dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..core.events import Event, EventBus
from ._loading import describe, instantiate, load_reference, manifest_of
from .api import CommandError
from .context import PluginContext
from .events import ForwardedEvent

__all__ = ["main"]


class _Channel:
    """JSON messages over a multiprocessing connection, safe to send from several threads."""

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


def main(conn: Connection, target: str) -> None:
    """Entry point of the child process (started with the ``spawn`` method)."""
    chan = _Channel(conn)
    try:
        plugin = instantiate(load_reference(target))
        manifest = manifest_of(plugin)
        kinds = sorted(getattr(plugin, "effect_kinds", None) or {})
    except BaseException as exc:
        chan.send(op="fatal", stage="load", error=describe(exc))
        return
    log = logging.getLogger("timeline_lab.plugins")
    log.addHandler(_LogForwarder(chan))
    log.setLevel(logging.DEBUG)
    log.propagate = False
    chan.send(op="hello", manifest=manifest.model_dump(mode="json"), effects=kinds)
    bus = _ForwardingBus(chan)
    ctx: PluginContext | None = None

    def failed(stage: str, exc: BaseException) -> None:
        chan.send(op="failed", stage=stage, error=describe(exc))

    while True:
        try:
            msg = chan.recv()
        except (EOFError, OSError):
            break  # the app went away
        op, rid = msg.get("op"), msg.get("id")
        if op == "event":
            event = ForwardedEvent(msg["type"], msg["module"], msg["data"])
            try:
                plugin.on_event(event)
                bus.deliver(event)
            except Exception as exc:
                failed("event", exc)
            continue
        try:
            value: Any = None
            if op == "initialize":
                ctx = PluginContext(manifest, bus=bus, base=Path(msg["base"]), on_error=failed)
                plugin.initialize(ctx)
            elif op == "handle":
                value = plugin.handle(msg["command"], msg["payload"])
            elif op == "effect":
                steps = plugin.effect_kinds[msg["kind"]](*msg["args"], **msg["kwargs"])
                value = [list(step) if isinstance(step, tuple) else step for step in steps]
            elif op == "shutdown":
                plugin.shutdown()
                if ctx is not None:
                    ctx.close()
            else:
                raise ValueError(f"unknown op {op!r}")
            json.dumps(value)  # refuse non-JSON results here, with a clear error
            chan.send(op="result", id=rid, ok=True, value=value)
        except CommandError as exc:
            chan.send(op="result", id=rid, ok=False, kind="command", error=str(exc))
        except Exception as exc:
            chan.send(op="result", id=rid, ok=False, kind="failure", error=describe(exc))
        if op == "shutdown":
            break
