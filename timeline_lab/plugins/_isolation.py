"""Run an untrusted plugin in a sandboxed child process; the app talks to it with small JSON messages.

Protocol (one JSON object per message over a socket pair, never pickles):

- app -> child: the sandbox config first; then ``initialize{id, base}``, ``handle{id, command,
  payload}``, ``effect{id, kind, args, kwargs}``, ``shutdown{id}`` (each answered by ``result{id, ok,
  value | kind, error}``), ``event{type, module, data}`` (fire and forget) and ``http_result``.
- child -> app: ``hello{manifest, effects, notes}`` or ``fatal{stage, error}`` first; then results,
  ``publish{topic, data}`` (becomes :class:`PluginMessage`), ``log{level, name, message}``,
  ``failed{stage, error}`` (an event handler raised) and ``http{id, method, url, headers, body}``.

The plugin's manifest is only known once its code ran, and the sandbox must be set before that: the
child is first started with no permissions at all; if the manifest asks for more (folders, variables,
subprocesses) a second child is started with exactly that, and must report the same manifest.

A reader thread takes the child's messages. A message that is too big, too deeply nested, not JSON
or not the protocol ends the child at once and is reported as a crash, as is a child that exits;
every waiting call then fails at once. Child log lines land on ``timeline_lab.plugins.<name>``, at
most at WARNING, as one escaped line.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, is_dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from . import _remote_http
from ._process import ChildProcess
from ._sandbox import ENV_UNCONFINED, IsolationLimits, check_available, plan
from ._wire import MAX_MESSAGE, BadMessage, clean, decode, log_level
from .api import CommandError, Permissions, PluginError, PluginManifest
from .events import PluginMessage

if TYPE_CHECKING:
    from ..core.events import Event
    from ._http import PluginHTTP
    from .context import PluginContext

__all__ = ["IsolatedPlugin", "RemoteFailure"]

log = logging.getLogger("timeline_lab.plugins")
_HTTP_IN_FLIGHT = 8


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
    """Host-side proxy with the :class:`Plugin` methods; the real plugin lives in a sandboxed child.

    Parameters
    ----------
    target
        ``"module:attr"`` of the plugin; its code is never imported into the app.
    base
        Workspace root: relative ``fs_read``/``fs_write`` folders are taken from it.
    limits
        Resource limits for the child (:class:`IsolationLimits` defaults when None).
    unconfined
        Run even where the kernel cannot sandbox the child (no Landlock, or too old); default from
        ``$TIMELINE_LAB_PLUGINS_UNCONFINED``. The clean environment, limits and process group still apply.
    """

    def __init__(
        self,
        target: str,
        *,
        base: Path | None = None,
        timeout: float = 30.0,
        start_timeout: float = 60.0,
        limits: IsolationLimits | None = None,
        unconfined: bool | None = None,
    ) -> None:
        self.target, self.timeout = target, timeout
        self.on_failure: Callable[[str, str], None] = lambda stage, error: None
        self.on_publish: Callable[[Event], None] = lambda event: None
        self.crashed: str | None = None
        if unconfined is None:
            unconfined = os.environ.get(ENV_UNCONFINED, "").strip().lower() in ("1", "true", "yes")
        landlock = check_available(target, unconfined)
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self._plock = threading.Lock()
        self._closing = self._stopped = False
        self._name = ""
        self._http: PluginHTTP | None = None
        self._callbacks = ThreadPoolExecutor(1, thread_name_prefix=f"plugin-callbacks:{target}")
        self._http_pool = ThreadPoolExecutor(2, thread_name_prefix=f"plugin-http:{target}")
        self._http_slots = threading.BoundedSemaphore(_HTTP_IN_FLIGHT)
        self._tmpdir = tempfile.mkdtemp(prefix="timeline-lab-plugin-")
        where = (base or Path.cwd()).resolve()
        sandbox = partial(
            plan,
            target,
            where,
            tmpdir=self._tmpdir,
            limits=limits or IsolationLimits(),
            landlock=landlock,
            required=not unconfined,
        )
        try:
            first = sandbox(Permissions())
            hello = self._boot(first.config, first.env, start_timeout)
            self.manifest = PluginManifest.model_validate(hello["manifest"])
            final = sandbox(self.manifest.permissions)
            if final != first:  # the manifest asks for more than nothing: start again with exactly that
                self._end_child()
                hello = self._boot(final.config, final.env, start_timeout)
                if hello.get("manifest") != self.manifest.model_dump(mode="json"):
                    raise PluginError("its manifest changed between two loads")
            self.effect_kinds = {str(k): partial(self._effect, str(k)) for k in hello["effects"]}
        except (PluginError, ValidationError, KeyError, TypeError, OSError) as exc:
            self._stop(graceful=False)
            text = str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {clean(exc, 500)}"
            raise PluginError(f"isolated plugin {target!r} did not start: {text}") from None
        self._name = self.manifest.name
        for note in hello.get("notes") or []:
            log.warning("isolated plugin %r runs unconfined: %s", self._name, clean(note, 300))
        if 0 < landlock < 6:
            why = f"Landlock ABI {landlock} < 6: signals and abstract unix sockets are not scoped"
            log.warning("isolated plugin %r: %s", self._name, why)

    def __repr__(self) -> str:
        return f"IsolatedPlugin({self.target!r}, pid={self._child.pid})"

    @property
    def alive(self) -> bool:
        """True while the child process runs."""
        with self._plock:
            return not self._stopped and self._child.exit_reason() is None

    @property
    def pid(self) -> int:
        """Process id of the child (its process group id too)."""
        return self._child.pid

    # -- Plugin protocol -------------------------------------------------------------------------
    def initialize(self, ctx: PluginContext) -> None:
        """Have the child build its own context (same permissions) and initialize the plugin.

        HTTP requests from the child are made here, with ``ctx.http`` (the manifest's host rules).
        """
        self._http = ctx.http
        self._call({"op": "initialize", "base": str(ctx.fs.base)})

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        """Forward a command; the payload and the answer must be JSON."""
        return self._call({"op": "handle", "command": command, "payload": dict(payload)})

    def on_event(self, event: Event) -> None:
        """Forward an event without waiting (the plugin's own messages are not echoed back)."""
        if isinstance(event, PluginMessage) and event.plugin == self.manifest.name:
            return
        msg = _event_message(event)
        if msg is not None and not self._closing and self.crashed is None and self.alive:
            with contextlib.suppress(OSError, ValueError):
                self._send(msg)

    def shutdown(self) -> None:
        """Ask the child to shut down, then kill its whole process group (no survivor)."""
        graceful = self.alive and self.crashed is None and threading.current_thread() is not self._reader
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
    @property
    def _label(self) -> str:
        return self._name or self.target

    def _boot(self, config: dict[str, Any], env: dict[str, str], start_timeout: float) -> dict[str, Any]:
        """Start a child with ``config`` and wait for its hello."""
        self._hello: Future[dict[str, Any]] = Future()
        self._closing = self._stopped = False
        self._child = ChildProcess(config, env, self._tmpdir, self.target)
        self._reader = threading.Thread(
            target=self._read, args=(self._child,), name=f"plugin-reader:{self.target}", daemon=True
        )
        self._reader.start()
        try:
            return self._hello.result(start_timeout)
        except TimeoutError:
            raise PluginError("timed out") from None

    def _send(self, msg: dict[str, Any]) -> None:
        data = json.dumps(msg, default=str).encode()
        with self._lock:
            self._child.conn.send_bytes(data)

    def _call(self, msg: dict[str, Any], timeout: float | None = None) -> Any:
        if self.crashed is not None or self._stopped:
            reason = self.crashed or "it was stopped"
            raise PluginError(f"isolated plugin {self._label!r} is not running ({reason})")
        rid = next(self._ids)
        fut: Future[Any] = Future()
        self._pending[rid] = fut
        try:
            self._send({**msg, "id": rid})
        except (OSError, ValueError):
            self._pending.pop(rid, None)
            raise PluginError(f"isolated plugin {self._label!r} is not running") from None
        try:
            return fut.result(self.timeout if timeout is None else timeout)
        except TimeoutError:
            self._stop(graceful=False)
            raise PluginError(f"isolated plugin {self._label!r}: {msg['op']} timed out") from None
        finally:
            self._pending.pop(rid, None)

    def _read(self, child: ChildProcess) -> None:
        """Reader thread: route results, publish and log child messages, notice a crash."""
        bad: str | None = None
        try:
            while True:
                self._dispatch(decode(child.conn.recv_bytes(MAX_MESSAGE)))
        except EOFError:
            pass
        except BadMessage as exc:
            bad = str(exc)
        except OSError as exc:  # over MAX_MESSAGE, or the channel was closed under us
            bad = None if self._closing else f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a field of the wrong type or missing: not the protocol
            bad = f"{type(exc).__name__}: {clean(exc, 300)}"
        if bad is not None:
            child.kill()  # a child that breaks the protocol runs no further
            reason = f"bad message from child ({bad})"
        else:
            reason = child.exit_reason(wait=2) or "child process closed its channel"
            child.kill()  # whatever it left behind (or itself, if it only closed the channel)
            if child.stderr_tail() and "code 0" not in reason:
                reason += f"; last stderr line: {child.stderr_tail()}"
        if child is not self._child:
            return
        if not self._hello.done():
            self._hello.set_exception(PluginError(reason))
        elif not self._closing:
            self.crashed = reason  # set before waiting calls fail, so the registry reports a crash
            self._later(self.on_failure, "crash", reason)
        for fut in list(self._pending.values()):
            if not fut.done():
                fut.set_exception(PluginError(f"isolated plugin {self._label!r}: {reason}"))

    def _dispatch(self, msg: dict[str, Any]) -> None:
        op = msg["op"]
        if op == "hello":
            if not isinstance(msg.get("manifest"), dict) or not isinstance(msg.get("effects"), list):
                raise BadMessage("hello without manifest and effects")
            self._hello.set_result(msg)
        elif op == "fatal":
            self._hello.set_exception(PluginError(f"{clean(msg['stage'], 40)}: {clean(msg['error'])}"))
        elif op == "result":
            fut = self._pending.get(int(msg["id"]))
            if fut is None or fut.done():
                return
            if msg["ok"]:
                fut.set_result(msg.get("value"))
            elif msg.get("kind") == "command":
                fut.set_exception(CommandError(clean(msg["error"])))
            else:
                fut.set_exception(RemoteFailure(clean(msg["error"])))
        elif op == "publish":
            data = msg.get("data")
            topic = clean(msg["topic"], 200)
            self.on_publish(PluginMessage(self.manifest.name, topic, data if isinstance(data, dict) else {}))
        elif op == "log":
            logger = logging.getLogger(f"timeline_lab.plugins.{self._name or 'unnamed'}")
            origin, text = clean(msg.get("name", ""), 200), clean(msg.get("message", ""))
            logger.log(log_level(msg.get("level")), "[%s] %s", origin, text)
        elif op == "failed":
            self._later(self.on_failure, "event", clean(msg["error"]))
        elif op == "http":
            if not self._http_slots.acquire(blocking=False):
                busy = {"ok": False, "kind": "transport", "error": f"over {_HTTP_IN_FLIGHT} requests at once"}
                self._send({"op": "http_result", "id": msg.get("id"), **busy})
                return
            try:
                self._http_pool.submit(self._serve_http, msg)
            except RuntimeError:  # shutting down
                self._http_slots.release()
        else:
            raise BadMessage(f"unknown op {clean(op, 40)!r}")

    def _serve_http(self, msg: dict[str, Any]) -> None:
        try:
            if self._http is None:
                reply = {"ok": False, "kind": "transport", "error": "plugin is not initialized"}
            else:
                reply = _remote_http.serve(self._http, msg)
            with contextlib.suppress(OSError, ValueError):
                self._send({"op": "http_result", "id": msg.get("id"), **reply})
        finally:
            self._http_slots.release()

    def _later(self, fn: Callable[..., None], *args: Any) -> None:
        """Run app callbacks off the reader thread, in order, so they may call the plugin back."""

        def guarded() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("isolated plugin %r: callback %r failed", self._label, fn)

        with contextlib.suppress(RuntimeError):  # already shut down: the plugin is being stopped
            self._callbacks.submit(guarded)

    def _end_child(self, *, graceful: bool = False) -> None:
        """Kill the current child's process group, reap it, let its reader finish, close the channel."""
        with self._plock:
            if self._stopped:
                return
            self._closing = True
            if graceful:
                self._child.exit_reason(wait=5)
            self._child.reap()
            self._stopped = True
        if self._reader is not threading.current_thread():
            self._reader.join(timeout=5)
        self._child.conn.close()

    def _stop(self, *, graceful: bool = True) -> None:
        """End the child (after a grace period, or at once) and release everything the proxy holds."""
        if hasattr(self, "_child"):
            self._end_child(graceful=graceful)
        self._callbacks.shutdown(wait=False)
        self._http_pool.shutdown(wait=False)
        shutil.rmtree(self._tmpdir, ignore_errors=True)
