"""Zero-copy bodies: ``os.sendfile`` from the page cache into a Tornado HTTP/1 connection's socket.

Tornado has no sendfile, so this works beside it through public API only. ``ZeroCopy`` stands in for
the request's connection (``request.connection`` is any ``HTTPConnection``) for one response: the
handler's own ``flush()``/``finish()`` write through it, and it hands the response head to Tornado's
connection pre-encoded (``HTTP1Connection.write`` passes such bytes through unchanged, without
chunking or length accounting: Tornado's documented compatibility path), so the Content-Length
accounting is ours, counting both the bytes written through Tornado and those sent by sendfile, and
failing like Tornado's on a short or long body. The head is encoded exactly as Tornado encodes it,
``Connection`` header included (a test compares the two byte for byte).

The file bytes go out only after ``flush()`` has emptied Tornado's buffer, through a ``dup`` of the
socket fd (if Tornado closes its fd meanwhile, ours cannot land on a reused fd of another
connection), waiting for writability on that dup (flow control, nothing buffered in user space),
with the socket corked for the response as nginx does with sendfile. Where any of that is
unavailable (TLS streams, output transforms, no ``os.sendfile``) ``for_handler`` returns None and
the handler streams chunks instead.

Both body paths wait for the client through ``until_progress``: a client that stops reading (its TCP
window stays full) is dropped after ``stall_timeout`` seconds in which the socket drained nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import socket
import sys
from collections.abc import Awaitable, Callable

if sys.platform.startswith("linux"):
    import fcntl
    import termios

from tornado.concurrent import Future
from tornado.http1connection import HTTP1Connection
from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPOutputError,
    HTTPServerRequest,
    RequestStartLine,
    ResponseStartLine,
)
from tornado.iostream import IOStream, StreamClosedError
from tornado.web import RequestHandler

__all__ = [
    "SENDFILE_AVAILABLE",
    "StalledClientError",
    "ZeroCopy",
    "encode_head",
    "keeps_alive",
    "unsent",
    "until_progress",
    "writable",
]

SENDFILE_AVAILABLE = hasattr(os, "sendfile") and sys.platform.startswith("linux")
_CORK = getattr(socket, "TCP_CORK", 3)  # Linux only, like this whole path
_STEP = 8 * 1024 * 1024  # bytes per sendfile call (the kernel sends what the socket buffer takes)
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}
_POLLS = 4  # send-queue checks per stall_timeout while a write waits
_CR_OR_LF = re.compile(rb"\r|\n")


class StalledClientError(Exception):
    """The client took no bytes for ``stall_timeout`` seconds; the caller closes the connection."""


def unsent(sock: socket.socket | int) -> int | None:
    """Bytes in the socket's send queue (Linux SIOCOUTQ), or None where the kernel cannot say."""
    fd = sock if isinstance(sock, int) else sock.fileno()  # -1 once closed: EBADF below
    if fd < 0 or not sys.platform.startswith("linux"):
        return None
    try:
        return int.from_bytes(fcntl.ioctl(fd, termios.TIOCOUTQ, bytes(4)), sys.byteorder, signed=True)
    except OSError:
        return None


async def until_progress(waiting: Awaitable[None], sock: socket.socket | int, stall_timeout: float) -> None:
    """Await a write (``flush()`` or writability), failing only after ``stall_timeout`` s of no progress.

    Progress is the socket's send queue shrinking (the client read something), so a slow but steady
    reader is never cut off however long one write takes; only a client that reads nothing is. Where
    the queue cannot be measured (not Linux) the whole wait is bounded instead. ``waiting`` is never
    cancelled (Tornado resolves or fails its own futures when the connection closes).
    """
    fut = asyncio.ensure_future(waiting)
    fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: no "never retrieved"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + stall_timeout
    queued = unsent(sock)
    while True:
        left = deadline - loop.time()
        if left <= 0:
            raise StalledClientError
        done, _ = await asyncio.wait({fut}, timeout=min(left, stall_timeout / _POLLS))
        if done:
            fut.result()
            return
        now = unsent(sock)
        if now is not None and queued is not None and now < queued:
            deadline = loop.time() + stall_timeout
        queued = now


def encode_head(
    start_line: ResponseStartLine, headers: HTTPHeaders, request: HTTPServerRequest, keep_alive: bool
) -> bytes:
    """A response's status line and headers as Tornado's ``HTTP1Connection.write_headers`` encodes
    them for a response with a Content-Length (``headers`` gains the same ``Connection`` header)."""
    asked = request.headers.get("Connection", "").lower()
    if request.version == "HTTP/1.1" and not keep_alive:
        headers["Connection"] = "close"
    elif request.version == "HTTP/1.0" and asked == "keep-alive":
        headers["Connection"] = "Keep-Alive"
    lines = [f"HTTP/1.1 {start_line.code} {start_line.reason}".encode()]
    lines += [f"{name}: {value}".encode("latin1") for name, value in headers.get_all()]
    if any(_CR_OR_LF.search(line) for line in lines):
        msg = "illegal characters (CR or LF) in a response header"
        raise ValueError(msg)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def keeps_alive(version: str, headers: HTTPHeaders, conn: HTTP1Connection) -> bool:
    """Whether Tornado keeps this connection open after the response (its rule for GET requests)."""
    if conn.params.no_keep_alive:
        return False
    asked = headers.get("Connection", "").lower()
    return asked != "close" if version == "HTTP/1.1" else asked == "keep-alive"


class ZeroCopy(HTTPConnection):
    """One response's connection: Tornado's for the head and literal parts, sendfile for file ranges.

    ``for_handler`` installs it as ``handler.request.connection`` before anything is flushed;
    ``release()`` uncorks and closes the dup'ed socket fd once the body is sent.
    """

    def __init__(self, conn: HTTP1Connection, request: HTTPServerRequest, stall_timeout: float) -> None:
        self._conn = conn
        self._request = request
        self.stream: IOStream = conn.stream
        self._stall_timeout = stall_timeout
        self._sock = self.stream.socket
        self._fd = os.dup(self._sock.fileno())
        self._remaining: int | None = None  # body bytes still owed; None: Tornado accounts (no sendfile)
        self._cork(True)
        self.unsupported = False  # set when the file system refuses sendfile: fall back to chunks
        self.file_bytes = 0  # file bytes sendfile handed to the socket (what the metrics count)

    @classmethod
    def for_handler(cls, handler: RequestHandler, stall_timeout: float) -> ZeroCopy | None:
        """Install a sender as this request's connection, or None where only chunked writes are safe."""
        conn = handler.request.connection
        if not (SENDFILE_AVAILABLE and isinstance(conn, HTTP1Connection)) or handler.application.transforms:
            return None
        if type(conn.stream) is not IOStream or conn.stream.closed():
            return None
        sender = cls(conn, handler.request, stall_timeout)
        handler.request.connection = sender
        return sender

    # The HTTPConnection interface, as RequestHandler.flush() and finish() call it.

    def write_headers(
        self,
        start_line: RequestStartLine | ResponseStartLine,
        headers: HTTPHeaders,
        chunk: bytes | None = None,
    ) -> Future[None]:
        length = headers.get("Content-Length", "")
        code = getattr(start_line, "code", 0)
        if not length.isdigit() or self._request.method == "HEAD" or code in (204, 304) or code < 200:
            self.unsupported = True  # no body of a known length: Tornado's own path, chunks
            return self._conn.write_headers(start_line, headers, chunk)
        assert isinstance(start_line, ResponseStartLine)
        self._remaining = int(length)
        req = self._request
        head = encode_head(start_line, headers, req, keeps_alive(req.version, req.headers, self._conn))
        self._count(len(chunk or b""))
        return self._conn.write(head + (chunk or b""))

    def write(self, chunk: bytes) -> Future[None]:
        self._count(len(chunk))
        return self._conn.write(chunk)

    def finish(self) -> None:
        if self._remaining and not self.stream.closed():
            self.stream.close()
            msg = f"Tried to write {self._remaining} bytes less than Content-Length"
            raise HTTPOutputError(msg)
        self._conn.finish()

    def set_close_callback(self, callback: Callable[[], None] | None) -> None:
        self._conn.set_close_callback(callback)

    def close(self) -> None:
        """Close the connection (a stalled client, a file that shrank)."""
        self._conn.close()

    def _count(self, n: int) -> None:
        if self._remaining is None:
            return
        self._remaining -= n
        if self._remaining < 0:
            self.stream.close()
            msg = "Tried to write more data than Content-Length"
            raise HTTPOutputError(msg)

    # The body.

    async def drain(self, flushed: Awaitable[None]) -> None:
        """Await Tornado's flush only if its bytes are not all in the socket yet (saves a loop turn)."""
        if self.stream.writing():
            await until_progress(flushed, self._fd, self._stall_timeout)

    async def send(self, file_fd: int, start: int, stop: int) -> int:
        """Send ``[start, stop)`` of the file; returns bytes sent (short: file shrank or unsupported)."""
        if self._remaining is None:  # the head went Tornado's way: its accounting cannot see sendfile
            self.unsupported = True
            return 0
        pos = start
        loop = asyncio.get_running_loop()
        while pos < stop:
            try:
                n = os.sendfile(self._fd, file_fd, pos, min(stop - pos, _STEP))
            except BlockingIOError:
                await writable(loop, self._fd, self._stall_timeout)
                continue
            except OSError as exc:
                if exc.errno in _UNSUPPORTED and pos == start:
                    self.unsupported = True
                    break
                self._conn.close()  # Tornado must see the connection as gone, not as a short body
                raise StreamClosedError(real_error=exc) from None
            if n == 0:
                break
            pos += n
            self.file_bytes += n
            self._count(n)
        return pos - start

    def _cork(self, on: bool) -> None:
        """TCP_CORK, as nginx's ``tcp_nopush``: headers and body leave in full segments, so the client
        reads whole MiBs instead of a header packet and slivers (measured: ~1.7x req/s under wrk)."""
        with contextlib.suppress(OSError):  # EBADF once Tornado closed its socket: nothing left to push
            self._sock.setsockopt(socket.IPPROTO_TCP, _CORK, int(on))

    def release(self) -> None:
        """Uncork (pushing the last partial segment) and release our dup of the socket fd (idempotent)."""
        if self._fd >= 0:
            self._cork(False)
            os.close(self._fd)
            self._fd = -1


async def writable(loop: asyncio.AbstractEventLoop, fd: int, stall_timeout: float) -> None:
    """Until the socket takes more bytes (or has failed, which the next sendfile reports)."""
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_writer(fd, wake)
    try:
        await until_progress(ready, fd, stall_timeout)
    finally:
        loop.remove_writer(fd)
