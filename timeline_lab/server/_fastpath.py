"""The standalone server's fast path: a plain ranged GET answered without a ``RequestHandler``.

A player's requests are nearly all the same: GET, the right key, a live token, no validators, one
range or none. For those the ``RequestHandler`` machinery (header dict, routing regexes, ``flush``,
``finish``, futures) costs more than sending the MiB. ``MediaRouter`` (Tornado's public
``HTTPServerConnectionDelegate`` interface, in front of the ``Application``) sees each request's
head first: when every check the handler would make passes and the answer is
a 200 or a single-range 206, it sends the head (built as Tornado would: a test compares them byte
for byte) and the file range with ``os.sendfile`` itself; anything else (an error to answer, a
precondition, multipart, HEAD, CORS preflight, tracing on, sendfile off) goes to the
``Application`` unchanged, so every refusal and edge case keeps its one implementation in
``range.py``. Deciding only accepts: the slow path repeats every check from scratch.

``MediaRouter.answer`` is that decision alone (key, token, file, validators, range, head): the
standalone server's lean connection loop (``_connections``) asks it first for every head it reads,
and this module's Tornado-side path serves the connections that loop has handed to Tornado.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import tornado
from tornado.concurrent import Future
from tornado.http1connection import HTTP1Connection
from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerConnectionDelegate,
    RequestStartLine,
    ResponseStartLine,
    format_timestamp,
)
from tornado.iostream import IOStream
from tornado.web import Application

from ..telemetry import tracer
from ._accounting import record
from ._filecache import CachedMedia
from ._ranges import content_range, parse_range, precondition_status, range_applies
from ._redaction import redact_uri
from ._sendfile import SENDFILE_AVAILABLE, StalledClientError, keeps_alive, until_progress, writable
from ._service import EXPOSED_HEADERS, KEY_HEADER, KEY_PARAM, MediaService, head_size

__all__ = ["VALIDATORS", "Answer", "MediaRouter"]

log = logging.getLogger("timeline_lab.server")

_SERVER = f"Server: TornadoServer/{tornado.version}\r\n"
_MEDIA = "/timeline-lab/media/"
_MORE = getattr(socket, "MSG_MORE", 0)  # the head waits for the body's first segment (as TCP_CORK)
_STEP = 8 * 1024 * 1024
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}
_REASONS = {200: "OK", 206: "Partial Content"}
_date: tuple[int, str] = (0, "")
Answer = tuple[CachedMedia, bytes, int, int]  # the held file, the response head, the range [start, stop)
VALIDATORS = frozenset({"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"})


def _http_date() -> str:
    """Tornado's ``Date`` value, formatted once a second."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, format_timestamp(now))
    return _date[1]


class MediaRouter(HTTPServerConnectionDelegate):
    """Plain ranged GETs of the media route answered here; every other request goes to ``app``."""

    def __init__(self, app: Application, service: MediaService, prefix: str = "/") -> None:
        self.app = app
        self.service = service
        self.route = prefix.rstrip("/") + _MEDIA
        self._key = (service.access_key or "").encode("utf-8")

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        return _Dispatch(self, server_conn, request_conn)

    def on_close(self, server_conn: object) -> None:
        self.app.on_close(server_conn)

    @property
    def enabled(self) -> bool:
        """Whether any request can take the fast path (sendfile on, and no output transforms)."""
        return self.service.sendfile and SENDFILE_AVAILABLE and not self.app.transforms

    def fast(
        self, start_line: RequestStartLine, headers: HTTPHeaders, conn: HTTPConnection
    ) -> _FastResponse | None:
        """A fast response when the handler would send a 200/206 from sendfile; else None."""
        if not (
            start_line.method == "GET"
            and start_line.version == "HTTP/1.1"
            and self.enabled
            and isinstance(conn, HTTP1Connection)
            and type(conn.stream) is IOStream
        ):
            return None
        if "Content-Length" in headers or "Transfer-Encoding" in headers:  # a body: the handler's business
            return None
        limit = self.service.max_header_size
        if (
            limit is not None
            and head_size(start_line.method, start_line.path, start_line.version, headers) > limit
        ):
            return None
        validators = not VALIDATORS.isdisjoint(headers)
        answer = self.answer(start_line.path, headers.get, validators, keeps_alive("HTTP/1.1", headers, conn))
        if answer is None:
            return None
        return _FastResponse(self.service, start_line, conn, *answer)

    def answer(
        self, target: str, get: Callable[[str], str | None], validators: bool, keep_alive: bool
    ) -> Answer | None:
        """The held file, response head and range of a GET of ``target`` (HTTP/1.1, no body, head within
        the limit) when the handler would answer it with a 200/206 of its bytes; else None.

        ``get`` reads a request header by Tornado's spelling of its name; ``validators``: whether any
        conditional header is present. The caller sends the head and range, then lets the file go."""
        service = self.service
        path, _, query = target.partition("?")
        if not path.startswith(self.route):
            return None
        token = path[len(self.route) :]
        if not token or "/" in token or "%" in token:
            return None
        if not self._key_matches(get, query) or tracer() is not None:
            return None
        file = service.registry.lookup(token)
        if file is None:
            return None
        try:
            media = service.files.open(file)
        except Exception:  # MediaGoneError, or anything else: the handler reports it
            return None
        plan = None
        try:
            plan = _plan(service, get, validators, keep_alive, media)
        finally:
            if plan is None:  # declined (or failed): let the file go before the handler takes over
                media.__exit__()
        if plan is None:
            return None
        return media, *plan

    def _key_matches(self, get: Callable[[str], str | None], query: str) -> bool:
        """The key as ``_check_access`` reads it (header first, else the last ``key=``), exactly equal."""
        if not self._key:
            return self.service.access_key is None
        given = get(KEY_HEADER)
        if given:
            return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._key)
        if "%" in query or "+" in query:  # escapes: Tornado's decoding decides, in the handler
            return False
        value = None
        for item in query.split("&"):
            name, eq, v = item.partition("=")
            if name == KEY_PARAM:
                value = v if eq else ""
        return value is not None and hmac.compare_digest(value.encode("latin1", "replace"), self._key)


class _Dispatch(HTTPMessageDelegate):
    """One request of a connection: decided at its head, then the fast response or the app's delegate."""

    __slots__ = ("conn", "inner", "router", "server_conn")

    def __init__(self, router: MediaRouter, server_conn: object, conn: HTTPConnection) -> None:
        self.router, self.server_conn, self.conn = router, server_conn, conn
        self.inner: HTTPMessageDelegate | None = None

    def headers_received(
        self, start_line: RequestStartLine | ResponseStartLine, headers: HTTPHeaders
    ) -> Awaitable[None] | None:
        assert isinstance(start_line, RequestStartLine)
        try:
            fast = self.router.fast(start_line, headers, self.conn)
        except Exception:  # whatever went wrong deciding, the handler meets it again and answers it
            log.debug("media fast path declined a request after an error", exc_info=True)
            fast = None
        if fast is not None:
            self.inner = fast
            return None
        self.inner = self.router.app.start_request(self.server_conn, self.conn)
        return self.inner.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        assert self.inner is not None
        return self.inner.data_received(chunk)

    def finish(self) -> None:
        assert self.inner is not None
        self.inner.finish()

    def on_connection_close(self) -> None:
        if self.inner is not None:
            self.inner.on_connection_close()


def _plan(
    service: MediaService,
    get: Callable[[str], str | None],
    validators: bool,
    keep_alive: bool,
    media: CachedMedia,
) -> tuple[bytes, int, int] | None:
    """The head and range of a 200/206 answer, or None where the handler has more to say."""
    f = media.file
    etag, modified = media.etag, f.last_modified
    if f.size == 0:
        return None
    applies = True
    if validators:  # a revalidating client (rare for a player): full rules
        if precondition_status(get, etag, modified) is not None:
            return None
        applies = range_applies(get("If-Range"), etag, modified)
    ranges = parse_range(get("Range"), f.size) if applies else None
    if ranges is None:
        status, start, stop = 200, 0, f.size
    elif len(ranges) == 1:
        status, (start, stop) = 206, ranges[0]
    else:
        return None
    cors = ""
    if service.allow_origins:
        cors = "Vary: Origin\r\n"
        origin = get("Origin")
        if origin is not None and origin in service.allow_origins:
            if "\r" in origin or "\n" in origin:
                return None
            cors += f"Access-Control-Allow-Origin: {origin}\r\n"
            cors += f"Access-Control-Expose-Headers: {EXPOSED_HEADERS}\r\n"
    part = f"Content-Range: {content_range(start, stop, f.size)}\r\n" if status == 206 else ""
    close = "" if keep_alive else "Connection: close\r\n"
    head = (  # Tornado's order: a test compares the two byte for byte
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n{_SERVER}Content-Type: {f.content_type}\r\n"
        f"Date: {_http_date()}\r\n{cors}{media.head_block}{part}Content-Length: {stop - start}\r\n{close}\r\n"
    )
    return head.encode("latin1"), start, stop


class _FastResponse(HTTPMessageDelegate):
    """One response: the head, then the range straight from the page cache; then the connection's next."""

    def __init__(
        self,
        service: MediaService,
        start_line: RequestStartLine,
        conn: HTTP1Connection,
        media: CachedMedia,
        head: bytes,
        start: int,
        stop: int,
    ) -> None:
        self.service, self.start_line, self.conn, self.media = service, start_line, conn, media
        self.started = time.time()
        self.head, self.start, self.stop = head, start, stop
        self.sent = 0  # body bytes handed to the socket: what the metrics count
        self.status = 206 if head.startswith(b"HTTP/1.1 206") else 200
        self.released = False

    def headers_received(self, start_line: RequestStartLine | ResponseStartLine, headers: Any) -> None:
        return None

    def data_received(self, chunk: bytes) -> None:
        return None

    def on_connection_close(self) -> None:
        self._release()

    def finish(self) -> None:
        """Send synchronously while the socket takes it (the usual case); wait in a task otherwise."""
        stream = self.conn.stream
        if stream.closed():
            self._end(False)
            return
        try:
            sent, pending = self._send_now(stream)
        except OSError:
            self._end(False)
            return
        self.sent = sent
        if self.start + sent >= self.stop:
            self._end(True)
            return
        task = asyncio.ensure_future(self._send_rest(sent, pending))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    def _send_now(self, stream: IOStream) -> tuple[int, Future[None] | None]:
        """Head and as much of the body as the socket takes now; the head's write if Tornado holds it."""
        head = self.head
        if stream.writing():  # Tornado still has bytes of an earlier answer: they go first
            return 0, self.conn.write(head)
        sock = stream.socket
        try:
            n = sock.send(head, _MORE)
        except BlockingIOError:  # the last answer still fills the send buffer
            n = 0
        if n < len(head):
            return 0, self.conn.write(head[n:])
        count = min(self.stop - self.start, _STEP)
        try:
            return os.sendfile(sock.fileno(), self.media.fd, self.start, count), None
        except BlockingIOError:
            return 0, None
        except OSError as exc:
            if exc.errno in _UNSUPPORTED:  # the file system refuses sendfile: the task copies instead
                return 0, None
            raise

    async def _send_rest(self, sent: int, pending: Future[None] | None) -> None:
        """The rest, through a dup of the socket (never a reused fd), waiting on the client's pace."""
        stream, stall = self.conn.stream, self.service.stall_timeout
        fd = -1
        try:
            if pending is not None:
                await until_progress(pending, stream.socket, stall)
            fd = os.dup(stream.socket.fileno())
            loop = asyncio.get_running_loop()
            pos, stop = self.start + sent, self.stop
            while pos < stop:
                try:
                    n = os.sendfile(fd, self.media.fd, pos, min(stop - pos, _STEP))
                except BlockingIOError:
                    await writable(loop, fd, stall)
                    continue
                except OSError as exc:
                    if exc.errno in _UNSUPPORTED and pos == self.start:
                        await self._copy(pos)
                        return
                    raise
                if n == 0:
                    log.warning("media file shrank while being served; closing the connection")
                    break
                pos += n
                self.sent = pos - self.start
            self._end(pos >= stop)
        except StalledClientError:
            log.info("media client read nothing for %gs; closing the connection", stall)
            self._end(False)
        except Exception:  # a closed socket (EPIPE, EBADF, a closed stream): nothing more to send
            self._end(False)
        finally:
            if fd >= 0:
                os.close(fd)

    async def _copy(self, pos: int) -> None:
        """Where the file system refuses sendfile: chunks through Tornado's stream."""
        stream, step = self.conn.stream, self.service.chunk_size
        while pos < self.stop:
            data = os.pread(self.media.fd, min(step, self.stop - pos), pos)
            if not data:
                log.warning("media file shrank while being served; closing the connection")
                self._end(False)
                return
            await until_progress(stream.write(data), stream.socket, self.service.stall_timeout)
            pos += len(data)
            self.sent = pos - self.start
        self._end(True)

    def _release(self) -> None:
        """Let the file go (once)."""
        if not self.released:
            self.released = True
            self.media.__exit__()

    def _end(self, complete: bool) -> None:
        """Let the file go, finish (or drop) the connection, and count the request."""
        self._release()
        if complete:
            self.conn.finish()
        else:
            self.conn.close()
        seconds = time.time() - self.started
        record(self.service.mode, self.status, seconds, self.sent)
        if log.isEnabledFor(logging.DEBUG):
            uri = redact_uri(self.start_line.path)
            log.debug("%d %s %s %.1fms", self.status, self.start_line.method, uri, 1000.0 * seconds)
