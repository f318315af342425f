"""``ctx.http`` for isolated plugins: the child cannot open sockets, so the app makes the request.

The child's :class:`PluginHTTP` checks the host locally (clear errors), then
:class:`ChannelTransport` sends ``http{id, method, url, headers, body}`` over the IPC channel; the
app answers with :func:`serve` using its own guarded client for that plugin (the authoritative
check: same manifest rules, every redirect hop re-checked) and replies ``http_result``. Bodies
travel base64-encoded and whole (no streaming), up to :data:`MAX_BODY` bytes: the app reads a
response as it arrives and stops at that limit (a redirect's body is not read at all), and passes
it on still compressed, so it never holds more than that for one request; the child decodes it.
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import httpx

from .api import PermissionDenied

if TYPE_CHECKING:
    from ._http import PluginHTTP

__all__ = ["MAX_BODY", "ChannelTransport", "serve"]

MAX_BODY = 32 * 1024 * 1024
_DROP = {"host", "content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"}
# a reply keeps its Content-Encoding: the body goes to the child as it came off the wire
_DROP_REPLY = _DROP - {"content-encoding"}
_MAX_REDIRECTS = 5  # as PluginHTTP's own client


class _TooLarge(Exception):
    """A response over :data:`MAX_BODY`, found before or while reading it."""


class ChannelTransport(httpx.BaseTransport):
    """Child side: one request at a time per call, answered through :meth:`resolve`."""

    def __init__(self, send: Callable[..., None], timeout: float = 300.0) -> None:
        self.send, self.timeout = send, timeout
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Ask the app to make ``request``; its answer (or refusal) comes back as if from the wire."""
        body = request.read()
        fut: Future[dict[str, Any]] = Future()
        with self._lock:
            hid = next(self._ids)
            self._pending[hid] = fut
        try:
            self.send(
                op="http",
                id=hid,
                method=request.method,
                url=str(request.url),
                headers=[[k, v] for k, v in request.headers.multi_items() if k.lower() not in _DROP],
                body=base64.b64encode(body).decode("ascii"),
            )
            reply = fut.result(self.timeout)
        except TimeoutError:
            raise httpx.ReadTimeout("the app did not answer the HTTP request", request=request) from None
        finally:
            with self._lock:
                self._pending.pop(hid, None)
        if not reply.get("ok"):
            if reply.get("kind") == "denied":
                raise PermissionDenied(str(reply.get("error")))
            raise httpx.ConnectError(str(reply.get("error")), request=request)
        return httpx.Response(
            int(reply["status"]),
            headers=[(str(k), str(v)) for k, v in reply.get("headers", [])],
            content=base64.b64decode(reply.get("body") or ""),
            request=request,
        )

    def resolve(self, msg: dict[str, Any]) -> None:
        """Hand an ``http_result`` to the waiting request (unknown ids are ignored)."""
        with self._lock:
            fut = self._pending.get(msg.get("id"))  # type: ignore[arg-type]
        if fut is not None and not fut.done():
            fut.set_result(msg)

    def fail_all(self, reason: str) -> None:
        """The app went away: every waiting request fails."""
        with self._lock:
            pending = list(self._pending.values())
        for fut in pending:
            if not fut.done():
                fut.set_result({"ok": False, "kind": "transport", "error": reason})


def serve(http: PluginHTTP, msg: dict[str, Any]) -> dict[str, Any]:
    """App side: make the child's request with the plugin's guarded client; never raises."""
    try:
        headers = [(str(k), str(v)) for k, v in msg.get("headers") or [] if str(k).lower() not in _DROP]
        body = base64.b64decode(str(msg.get("body") or ""), validate=True)
        method, url = str(msg["method"]).upper(), str(msg["url"])
    except (KeyError, TypeError, ValueError) as exc:
        return {"ok": False, "kind": "transport", "error": f"malformed request ({type(exc).__name__})"}
    try:
        resp, data = _fetch(http, http.build_request(method, url, headers=headers, content=body or None))
    except PermissionDenied as exc:
        return {"ok": False, "kind": "denied", "error": str(exc)}
    except _TooLarge as exc:
        return {"ok": False, "kind": "transport", "error": str(exc)}
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return {"ok": False, "kind": "transport", "error": f"{type(exc).__name__}: {exc}"}
    return {
        "ok": True,
        "status": resp.status_code,
        "headers": [[k, v] for k, v in resp.headers.multi_items() if k.lower() not in _DROP_REPLY],
        "body": base64.b64encode(data).decode("ascii"),
    }


def _fetch(http: PluginHTTP, request: httpx.Request) -> tuple[httpx.Response, bytes]:
    """Follow redirects by hand, so no hop's body is read whole (httpx reads each one it follows)."""
    for _ in range(_MAX_REDIRECTS + 1):
        resp = http.send(request, stream=True, follow_redirects=False)
        try:
            if resp.next_request is None:
                return resp, _read_capped(resp)
            request = resp.next_request  # built by httpx: method, body and auth as a browser would
        finally:
            resp.close()
    raise httpx.TooManyRedirects(f"over {_MAX_REDIRECTS} redirects", request=request)


def _read_capped(resp: httpx.Response) -> bytes:
    """The body as sent (still encoded), refused by Content-Length or once past :data:`MAX_BODY`."""
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY and resp.request.method != "HEAD":
        msg = f"response of {int(declared)} bytes is over the {MAX_BODY}-byte limit for isolated plugins"
        raise _TooLarge(msg)
    data = bytearray()
    for chunk in resp.iter_raw():
        if len(data) + len(chunk) > MAX_BODY:
            msg = (
                f"response is over the {MAX_BODY}-byte limit for isolated plugins "
                f"(stopped reading at {len(data) + len(chunk)} bytes)"
            )
            raise _TooLarge(msg)
        data += chunk
    return bytes(data)
