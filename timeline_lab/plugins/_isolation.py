"""Run an untrusted plugin in a child process; the app talks to it with small JSON messages.

Protocol (one JSON object per message, ``send_bytes``/``recv_bytes``, never pickles):

- app -> child: ``initialize{id, base}``, ``handle{id, command, payload}``, ``effect{id, kind, params}``,
  ``shutdown{id}`` (each answered by ``result{id, ok, value | kind, error}``) and
  ``event{type, module, data}`` (fire and forget).
- child -> app: ``hello{manifest, effects}`` or ``fatal{stage, error}`` first; then results,
  ``publish{topic, data}`` (becomes :class:`PluginMessage`), ``log{level, name, message}`` and
  ``failed{stage, error}`` (an event handler raised).

A reader thread takes the child's messages; when the pipe closes unexpectedly the plugin is
reported as crashed (``stage="crash"``) and every waiting call fails at once.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import multiprocessing
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, is_dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ._child import main as child_main
from .api import CommandError, PluginError, PluginManifest
from .events import PluginMessage

if TYPE_CHECKING:
    from ..core.events import Event
    from .context import PluginContext

__all__ = ["IsolatedPlugin", "RemoteFailure"]

log = logging.getLogger("timeline_lab.plugins")
_MAX_MESSAGE = 64 * 1024 * 1024


class RemoteFailure(PluginError):
    """An exception raised inside the isolated child, carried back as ``Type: message`` text."""

    remote = True


def _jsonable(value: Any) -> Any:
    """Pydantic models and dataclasses as plain data (other values go to ``json.dumps`` as they are)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def _event_message(event: Event) -> dict[str, Any] | None:
    """An event as JSON data, or None when its fields cannot be expressed in JSON."""
    data = asdict(event) if is_dataclass(event) and not isinstance(event, type) else {}
    msg = {"op": "event", "type": type(event).__name__, "module": type(event).__module__, "data": data}
    try:
        json.dumps(msg, default=str)
    except (TypeError, ValueError):
        return None
    return msg


class IsolatedPlugin:
    """Host-side proxy with the :class:`Plugin` methods; the real plugin lives in a child process."""

    def __init__(self, target: str, *, timeout: float = 30.0, start_timeout: float = 60.0) -> None:
        self.target, self.timeout = target, timeout
        self.on_failure: Callable[[str, str], None] = lambda stage, error: None
        self.on_publish: Callable[[Event], None] = lambda event: None
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self._closing = self._stopped = False
        self.crashed: str | None = None
        self._plock = threading.Lock()
        self._callbacks = ThreadPoolExecutor(1, thread_name_prefix=f"plugin-callbacks:{target}")
        self._hello: Future[dict[str, Any]] = Future()
        mp = multiprocessing.get_context("spawn")
        self._conn, child_conn = mp.Pipe(duplex=True)
        self._proc = mp.Process(
            target=child_main, args=(child_conn, target), daemon=True, name=f"plugin:{target}"
        )
        self._proc.start()
        child_conn.close()
        self._reader = threading.Thread(target=self._read, name=f"plugin-reader:{target}", daemon=True)
        self._reader.start()
        try:
            hello = self._hello.result(start_timeout)
        except Exception as exc:
            self._stop(graceful=False)
            reason = "timed out" if isinstance(exc, TimeoutError) else str(exc)
            raise PluginError(f"isolated plugin {target!r} did not start: {reason}") from None
        self.manifest = PluginManifest.model_validate(hello["manifest"])
        self.effect_kinds = {str(k): partial(self._effect, str(k)) for k in hello["effects"]}

    def __repr__(self) -> str:
        return f"IsolatedPlugin({self.target!r}, pid={self._proc.pid})"

    @property
    def alive(self) -> bool:
        """True while the child process runs."""
        with self._plock:
            return not self._stopped and self._proc.is_alive()

    # -- Plugin protocol -------------------------------------------------------------------------
    def initialize(self, ctx: PluginContext) -> None:
        """Have the child build its own context (same permissions) and initialize the plugin."""
        self._call({"op": "initialize", "base": str(ctx.fs.base)})

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        """Forward a command; the payload and the answer must be JSON."""
        return self._call({"op": "handle", "command": command, "payload": dict(payload)})

    def on_event(self, event: Event) -> None:
        """Forward an event without waiting (the plugin's own messages are not echoed back)."""
        if isinstance(event, PluginMessage) and event.plugin == self.manifest.name:
            return
        msg = _event_message(event)
        if msg is not None and not self._closing and self.alive:
            self._send(msg)

    def shutdown(self) -> None:
        """Ask the child to shut down, then make sure it is gone."""
        graceful = self.alive and threading.current_thread() is not self._reader
        try:
            if graceful:
                self._call({"op": "shutdown"}, timeout=min(self.timeout, 10.0))
        finally:
            self._stop(graceful=graceful)

    def close(self) -> None:
        """Stop the child without asking the plugin (it never started, or it must not run on)."""
        self._stop(graceful=False)

    def _effect(self, kind: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Render an effect in the child; ``Effect``/``EffectContext`` travel as JSON dicts."""
        msg = {"op": "effect", "kind": kind, "args": [_jsonable(a) for a in args]}
        steps = self._call({**msg, "kwargs": {k: _jsonable(v) for k, v in kwargs.items()}})
        return [tuple(s) if isinstance(s, list) else s for s in steps]

    # -- plumbing --------------------------------------------------------------------------------
    def _send(self, msg: dict[str, Any]) -> None:
        data = json.dumps(msg, default=str).encode()
        with self._lock:
            self._conn.send_bytes(data)

    def _call(self, msg: dict[str, Any], timeout: float | None = None) -> Any:
        rid = next(self._ids)
        fut: Future[Any] = Future()
        self._pending[rid] = fut
        try:
            self._send({**msg, "id": rid})
        except (OSError, ValueError):
            self._pending.pop(rid, None)
            raise PluginError(f"isolated plugin {self.target!r} is not running") from None
        try:
            return fut.result(self.timeout if timeout is None else timeout)
        except TimeoutError:
            self._stop(graceful=False)
            raise PluginError(f"isolated plugin {self.target!r}: {msg['op']} timed out") from None
        finally:
            self._pending.pop(rid, None)

    def _read(self) -> None:
        """Reader thread: route results, publish and log child messages, notice a crash."""
        try:
            while True:
                self._dispatch(json.loads(self._conn.recv_bytes(_MAX_MESSAGE)))
        except (EOFError, OSError, ValueError, TypeError, KeyError) as exc:
            problem = exc
        with self._plock:
            code = None
            if not self._stopped:
                self._proc.join(timeout=2)
                code = self._proc.exitcode
        reason = f"child process exited (code {code})"
        if not isinstance(problem, EOFError):
            reason = f"bad message from child ({type(problem).__name__}: {problem})"
        if not self._hello.done():
            self._hello.set_exception(PluginError(reason))
        elif not self._closing:
            self.crashed = reason  # set before waiting calls fail, so the registry reports a crash
            self._later(self.on_failure, "crash", reason)
        for fut in list(self._pending.values()):
            if not fut.done():
                fut.set_exception(PluginError(f"isolated plugin {self.target!r}: {reason}"))

    def _dispatch(self, msg: dict[str, Any]) -> None:
        op = msg["op"]
        if op == "hello":
            self._hello.set_result(msg)
        elif op == "fatal":
            self._hello.set_exception(PluginError(f"{msg['stage']}: {msg['error']}"))
        elif op == "result":
            fut = self._pending.get(int(msg["id"]))
            if fut is None or fut.done():
                return
            if msg["ok"]:
                fut.set_result(msg.get("value"))
            elif msg.get("kind") == "command":
                fut.set_exception(CommandError(str(msg["error"])))
            else:
                fut.set_exception(RemoteFailure(str(msg["error"])))
        elif op == "publish":
            data = msg.get("data")
            event = PluginMessage(
                self.manifest.name, str(msg["topic"]), data if isinstance(data, dict) else {}
            )
            self.on_publish(event)
        elif op == "log":
            log.log(int(msg["level"]), "[%s] %s", msg.get("name", self.target), msg.get("message", ""))
        elif op == "failed":
            self._later(self.on_failure, str(msg["stage"]), str(msg["error"]))

    def _later(self, fn: Callable[..., None], *args: Any) -> None:
        """Run app callbacks off the reader thread, in order, so they may call the plugin back."""

        def guarded() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("isolated plugin %r: callback %r failed", self.target, fn)

        with contextlib.suppress(RuntimeError):  # already shut down: the plugin is being stopped
            self._callbacks.submit(guarded)

    def _stop(self, *, graceful: bool = True) -> None:
        """Reap the child (after a grace period, or at once), join the reader, close the pipe."""
        with self._plock:
            if self._stopped:
                return
            self._closing = True
            if graceful:
                self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
            self._stopped = True
        if self._reader is not threading.current_thread():
            self._reader.join(timeout=5)
        self._callbacks.shutdown(wait=False)
        self._conn.close()
        self._proc.close()
