"""Standalone connections served by a lean loop until they ask something only Tornado answers.

Under a player's load nearly every request is a plain ranged GET on a keep-alive connection, and
Tornado's per-request machinery around it (a coroutine per message, header objects, timeouts,
``set_nodelay`` twice, stream state changes) cost twice what the sendfile does. ``Connections``
accepts on the listening sockets itself and serves each connection from plain event-loop callbacks:
it *peeks* at the next request head (``MSG_PEEK``: nothing is consumed), and when the head is a clean
HTTP/1.1 GET that ``MediaRouter.answer`` takes (the same decision, key check and head as the Tornado
fast path), it consumes the head, sends the answer's head and ``os.sendfile``\\ s the range, and waits
for the next head. Anything else (another method or route, a refusal to answer, validators the fast
path leaves to the handler, a malformed, partial or oversized head, a body) hands the untouched
socket to Tornado's ``HTTPServer.handle_stream`` for the rest of the connection's life, so every
answer but the plain 200/206 keeps its one implementation in ``range.py``.

A connection is registered with the loop once (level-triggered reads); a response the socket cannot
take at once waits for writability instead of reads, with the stall rule of ``until_progress``: the
client is dropped after ``stall_timeout`` seconds in which its socket drained nothing. Connections
idle between requests are closed after ``idle_timeout`` seconds, as Tornado does.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import socket
import time
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

from ._accounting import Batch
from ._fastpath import VALIDATORS, MediaRouter
from ._filecache import CachedMedia
from ._redaction import redact_uri
from ._sendfile import unsent

__all__ = ["Connections", "parse_head"]

log = logging.getLogger("timeline_lab.server")

_MORE = getattr(socket, "MSG_MORE", 0)  # the head waits for the body's first segment
_STEP = 8 * 1024 * 1024  # bytes per sendfile call (the kernel sends what the send buffer takes)
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}
_ACCEPTS = 128  # connections accepted per readiness of a listening socket
_PAUSE = 0.25  # seconds without accepting after accept() failed (out of descriptors)
_POLLS = 4  # stall checks per stall_timeout while a response waits for the socket
# A request line and header fields as RFC 9112 writes them, printable ASCII only: anything else
# (obs-text, bare CR or LF, folding, leading blank lines) is for Tornado to accept or refuse.
_REQUEST_LINE = re.compile(rb"GET ([!-~]+) HTTP/1\.1")
_FIELDS = re.compile(rb"(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t -~]*\r\n)*")
_TORNADOS = frozenset({"Content-Length", "Transfer-Encoding", "Expect"})
_NAMES: dict[str, str] = {}  # header names as Tornado spells them: "x-tl-key" -> "X-Tl-Key"


def _canonical(name: str) -> str:
    """Tornado's spelling of a header name (remembered for the first few hundred names seen)."""
    spelled = _NAMES.get(name)
    if spelled is None:
        spelled = "-".join(w.capitalize() for w in name.split("-"))
        if len(_NAMES) < 512:
            _NAMES[name] = spelled
    return spelled


def parse_head(head: bytes) -> tuple[str, dict[str, str]] | None:
    """The target and headers (Tornado's spelling, values stripped) of a clean HTTP/1.1 GET head given
    without its blank line; None for anything else, a repeated header field included."""
    eol = head.find(b"\r\n")
    m = _REQUEST_LINE.fullmatch(head if eol < 0 else head[:eol])
    if m is None:
        return None
    headers: dict[str, str] = {}
    if eol < 0:
        return m.group(1).decode("ascii"), headers
    block = head[eol + 2 :] + b"\r\n"
    if _FIELDS.fullmatch(block) is None:
        return None
    for line in block.decode("ascii").split("\r\n")[:-1]:
        name, _, value = line.partition(":")
        name = _canonical(name)
        if name in headers:
            return None
        headers[name] = value.strip(" \t")
    return m.group(1).decode("ascii"), headers


class _Shrank(Exception):
    """The file ended before the promised range (it shrank while being served)."""


class Connections:
    """The accept loop and every connection not yet handed to Tornado's ``server``."""

    def __init__(
        self,
        router: MediaRouter,
        server: HTTPServer,
        sockets: list[socket.socket],
        *,
        idle_timeout: float,
        shared: bool = False,
    ) -> None:
        self.router, self.server, self.sockets = router, server, sockets
        # A socket shared with other processes: one connection per wake-up, so a burst is spread
        # over the processes that wake instead of taken whole by the first (nginx's multi_accept off)
        self.accepts = 1 if shared else _ACCEPTS
        self.service = router.service
        self.idle_timeout = idle_timeout
        limit = self.service.max_header_size
        self.head_limit = limit if limit is not None else 64 * 1024
        self.peek = self.head_limit + 4  # a head not complete within this goes to Tornado
        self.open: set[_Conn] = set()
        self.loop = asyncio.get_running_loop()
        self.metrics = Batch(self.loop, self.service.mode)
        for sock in sockets:
            self.loop.add_reader(sock.fileno(), self._accept, sock)
        self._sweeper = self.loop.call_later(idle_timeout / 4, self._sweep)
        self._paused: asyncio.TimerHandle | None = None  # accepting paused after a failure

    def _accept(self, listener: socket.socket) -> None:
        for _ in range(self.accepts):
            try:
                sock, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno == errno.ECONNABORTED:  # gone before we took it: the next one
                    continue
                # Out of descriptors (EMFILE, ENFILE) or memory: the listener stays readable, so
                # pause it rather than spin; the waiting connections stay in the backlog.
                log.warning("media server: accept failed (%s); pausing %gs", exc.strerror or exc, _PAUSE)
                self.loop.remove_reader(listener.fileno())
                self._paused = self.loop.call_later(_PAUSE, self._resume, listener)
                return
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each answer's last segment
            except OSError:  # reset before we could set it up
                sock.close()
                continue
            conn = _Conn(self, sock, address)
            self.open.add(conn)
            self.loop.add_reader(conn.fd, conn.readable)

    def _resume(self, listener: socket.socket) -> None:
        self._paused = None
        self.loop.add_reader(listener.fileno(), self._accept, listener)

    def handoff(self, conn: _Conn) -> None:
        """Tornado serves the connection from here on, starting with the unread request."""
        self.open.discard(conn)
        self.loop.remove_reader(conn.fd)
        server = self.server
        stream = IOStream(
            conn.sock, max_buffer_size=server.max_buffer_size, read_chunk_size=server.read_chunk_size
        )
        server.handle_stream(stream, conn.address)

    def _sweep(self) -> None:
        """Close connections idle past ``idle_timeout`` (checked a few times per timeout)."""
        deadline = time.monotonic() - self.idle_timeout
        for conn in [c for c in self.open if c.media is None and c.idle_since < deadline]:
            conn.close()
        self._sweeper = self.loop.call_later(self.idle_timeout / 4, self._sweep)

    def close(self) -> None:
        """Stop accepting, close the listening sockets and every connection still ours."""
        self._sweeper.cancel()
        if self._paused is not None:
            self._paused.cancel()
        for sock in self.sockets:
            self.loop.remove_reader(sock.fileno())
            sock.close()
        for conn in list(self.open):
            conn.close()
        self.metrics.flush()


class _Conn:
    """One keep-alive connection: waiting for a head (reads registered) or sending (writes registered)."""

    __slots__ = (
        "address",
        "copying",
        "deadline",
        "fd",
        "head",
        "idle_since",
        "keep",
        "length",
        "mark",
        "media",
        "owner",
        "pos",
        "queued",
        "sock",
        "started",
        "status",
        "stop",
        "target",
        "timer",
    )

    def __init__(self, owner: Connections, sock: socket.socket, address: Any) -> None:
        self.owner, self.sock, self.address = owner, sock, address
        self.fd = sock.fileno()
        self.media: CachedMedia | None = None  # held while a response is in flight
        self.head = b""  # response head bytes not yet sent
        self.pos = self.stop = self.status = self.length = 0
        self.keep = self.copying = False
        self.target = ""
        self.started = 0.0
        self.idle_since = time.monotonic()
        self.timer: asyncio.TimerHandle | None = None
        self.mark = self.queued = 0  # stall checks: position and send queue at the last check
        self.deadline = 0.0  # stall checks: when the client is dropped unless its socket drains

    def readable(self) -> None:
        """A request head (or EOF) is here: answer it, or hand the connection to Tornado."""
        owner = self.owner
        try:
            data = self.sock.recv(owner.peek, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not data:
            self.close()
            return
        end = data.find(b"\r\n\r\n")
        parsed = parse_head(data[:end]) if end >= 0 and end + 4 <= owner.head_limit else None
        if parsed is None:
            owner.handoff(self)
            return
        target, headers = parsed
        if not _TORNADOS.isdisjoint(headers):  # a body, or a 100 Continue to send first
            owner.handoff(self)
            return
        keep = headers.get("Connection", "").lower() != "close"
        try:
            answer = owner.router.answer(target, headers.get, not VALIDATORS.isdisjoint(headers), keep)
        except Exception:  # whatever went wrong deciding, the handler meets it again and answers it
            log.debug("media fast path declined a request after an error", exc_info=True)
            answer = None
        if answer is None:
            owner.handoff(self)
            return
        self.media, self.head, self.pos, self.stop = answer
        self.length = self.stop - self.pos
        self.keep, self.target, self.started = keep, target, time.time()
        self.status = 206 if self.head.startswith(b"HTTP/1.1 206") else 200
        try:
            left = end + 4  # consume the head just answered (it is all in the receive queue)
            while left > 0:
                got = self.sock.recv(left)
                if not got:
                    raise ConnectionResetError
                left -= len(got)
        except OSError:
            self._end(False)
            return
        self._send(reading=True)

    def _send(self, *, reading: bool) -> None:
        """Send what the socket takes; finish, or wait for writability (``reading``: reads registered)."""
        try:
            done = self._pump()
        except (OSError, _Shrank) as exc:
            if isinstance(exc, _Shrank):
                log.warning("media file shrank while being served; closing the connection")
            self._end(False)
            return
        loop = self.owner.loop
        if not done:
            if reading:
                loop.remove_reader(self.fd)
                loop.add_writer(self.fd, self._writable)
                stall = self.owner.service.stall_timeout
                self.mark, self.queued = self.pos, unsent(self.fd) or 0
                self.deadline = loop.time() + stall
                self.timer = loop.call_later(stall / _POLLS, self._check)
            return
        if not reading:
            loop.remove_writer(self.fd)
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.keep:
                loop.add_reader(self.fd, self.readable)
        self._end(True)

    def _writable(self) -> None:
        self._send(reading=False)

    def _pump(self) -> bool:
        """Head, then body, until done (True) or the socket is full (False)."""
        sock, media = self.sock, self.media
        assert media is not None
        while True:
            while self.head:
                flags = _MORE if self.pos < self.stop else 0
                try:
                    n = sock.send(self.head, flags)
                except (BlockingIOError, InterruptedError):
                    return False
                self.head = self.head[n:]
            if self.pos >= self.stop:
                return True
            count = min(self.stop - self.pos, _STEP)
            if self.copying:  # a file system without sendfile: through user space, one chunk at a time
                data = os.pread(media.fd, min(count, self.owner.service.chunk_size), self.pos)
                if not data:
                    raise _Shrank
                self.pos += len(data)
                self.head = data
                continue
            try:
                n = os.sendfile(self.fd, media.fd, self.pos, count)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError as exc:
                if exc.errno in _UNSUPPORTED and not self.copying:
                    self.copying = True
                    continue
                raise
            if n == 0:
                raise _Shrank
            self.pos += n

    def _check(self) -> None:
        """While a response waits: drop a client whose socket drained nothing for ``stall_timeout``."""
        loop, stall = self.owner.loop, self.owner.service.stall_timeout
        queued = unsent(self.fd)
        self.timer = None
        if self.pos > self.mark or (queued is not None and queued < self.queued):
            self.deadline = loop.time() + stall
        elif loop.time() >= self.deadline:
            log.info("media client read nothing for %gs; closing the connection", stall)
            self._end(False)
            return
        self.mark, self.queued = self.pos, queued or 0
        self.timer = loop.call_later(stall / _POLLS, self._check)

    def _end(self, complete: bool) -> None:
        """Let the file go, count the request, and keep the connection (complete) or close it."""
        media, self.media = self.media, None
        if media is not None:
            media.__exit__()
        seconds = time.time() - self.started
        self.owner.metrics.record(self.status, seconds, self._body_sent())
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%d GET %s %.1fms", self.status, redact_uri(self.target), 1000.0 * seconds)
        if complete and self.keep:
            self.idle_since = time.monotonic()
        else:
            self.close()

    def _body_sent(self) -> int:
        """Body bytes handed to the socket so far (a copied chunk still in ``head`` is not yet)."""
        unsent_copy = len(self.head) if self.copying else 0
        return max(0, self.length - (self.stop - self.pos) - unsent_copy)

    def close(self) -> None:
        """Unregister and close the socket; a response still in flight lets its file go."""
        loop = self.owner.loop
        loop.remove_reader(self.fd)
        loop.remove_writer(self.fd)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        media, self.media = self.media, None
        if media is not None:
            media.__exit__()
        self.owner.open.discard(self)
        self.sock.close()
