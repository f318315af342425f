"""The media route: byte ranges (single, multipart, suffix) and validators over a registered file.

Which file a token means is the registry's business; both server modes mount these same classes
(standalone, ``_connections`` and ``_fastpath`` answer plain ranged GETs before them; every other
case comes here).
The other routes and what they share live beside it (``_service``, ``_status``, ``_redaction``)
and are re-exported here, where the modes and tests have always imported them.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, cast

from tornado.http1connection import HTTP1Connection
from tornado.iostream import StreamClosedError
from tornado.web import HTTPError

from ..telemetry import tracer
from ._accounting import record
from ._errors import MediaGoneError, TokenError
from ._filecache import CachedMedia
from ._media import OpenMedia
from ._ranges import content_range, parse_range, precondition_status, range_applies
from ._redaction import RedactingFilter, install_redaction, log_request, redact_uri
from ._sendfile import StalledClientError, ZeroCopy, until_progress
from ._service import KEY_HEADER, KEY_PARAM, MediaService
from ._service import _ServiceHandler as _ServiceHandler  # the Jupyter mode's handlers subclass it
from ._status import HealthHandler, MetricsHandler, NotFoundHandler

__all__ = [
    "KEY_HEADER",
    "KEY_PARAM",
    "HealthHandler",
    "MediaHandler",
    "MediaService",
    "MetricsHandler",
    "NotFoundHandler",
    "RedactingFilter",
    "install_redaction",
    "log_request",
    "redact_uri",
]

log = logging.getLogger("timeline_lab.server")


class MediaHandler(_ServiceHandler):
    """``/timeline-lab/media/<token>``: GET/HEAD with Range (single, multipart, suffix) and validators."""

    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS")

    async def get(self, token: str) -> None:
        await self._serve(token, body=True)

    def prepare(self) -> Any:
        """Open a trace span for the request when tracing is on (no token or path in it)."""
        self._sent = 0  # body bytes handed to the socket, for the metrics (not the promised length)
        t = tracer()
        self._span = (
            t.start_span("media request", attributes={"method": self.request.method or ""}) if t else None
        )
        return super().prepare()

    def on_finish(self) -> None:
        """Count the request, its latency and the media bytes it carried."""
        status, mode = self.get_status(), self.service.mode
        span = getattr(self, "_span", None)
        if span is not None:
            span.set_attribute("status", status)
            span.set_attribute("mode", mode)
            span.end()
        sent = getattr(self, "_sent", 0)  # absent when prepare() never ran (a 431)
        sent = sent if self.request.method == "GET" and status in (200, 206) else 0
        record(mode, status, self.request.request_time(), sent)

    async def head(self, token: str) -> None:
        await self._serve(token, body=False)

    async def _serve(self, token: str, *, body: bool) -> None:
        self._http = cast(HTTP1Connection, self.request.connection)  # ``ZeroCopy`` may stand in later
        try:
            media = self.service.files.open(self.service.registry.resolve(token))
        except TokenError:
            raise HTTPError(404) from None
        except MediaGoneError:
            raise HTTPError(410) from None
        with media:
            plan = self._plan(media)
            if plan and body:
                try:
                    await self._stream(media, plan)
                except StreamClosedError:
                    return  # the player went away (seek, tab closed): nothing to report
                except StalledClientError:
                    timeout = self.service.stall_timeout
                    log.info("media client read nothing for %gs; closing the connection", timeout)
                    self._http.close()

    def _plan(self, media: CachedMedia) -> list[bytes | tuple[int, int]]:
        """Status and headers for this request; returns the body as literal bytes and file ranges."""
        f = media.file
        for name, value in media.headers:  # Accept-Ranges, ETag, Last-Modified, caching, nosniff
            self.set_header(name, value)
        header = self.request.headers.get
        status = precondition_status(header, media.etag, f.last_modified)
        if status is not None:
            self.set_status(status)
            return []
        ranges = (
            parse_range(header("Range"), f.size)
            if range_applies(header("If-Range"), media.etag, f.last_modified)
            else None
        )
        if ranges == []:
            self.set_status(416)
            self.set_header("Content-Range", f"bytes */{f.size}")
            return []
        plan: list[bytes | tuple[int, int]]
        if ranges is None:
            media_type, plan = f.content_type, [(0, f.size)]
        elif len(ranges) == 1:
            self.set_status(206)
            self.set_header("Content-Range", content_range(*ranges[0], f.size))
            media_type, plan = f.content_type, [ranges[0]]
        else:
            boundary = secrets.token_hex(16)
            self.set_status(206)
            media_type, plan = f"multipart/byteranges; boundary={boundary}", []
            for i, (start, stop) in enumerate(ranges):
                sep = "\r\n" if i else ""
                cr = content_range(start, stop, f.size)
                head = f"{sep}--{boundary}\r\nContent-Type: {f.content_type}\r\nContent-Range: {cr}\r\n\r\n"
                plan += [head.encode(), (start, stop)]
            plan.append(f"\r\n--{boundary}--\r\n".encode())
        self.set_header("Content-Type", media_type)
        self.set_header("Content-Length", sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in plan))
        return plan

    async def _stream(self, media: OpenMedia, plan: list[bytes | tuple[int, int]]) -> None:
        """Literal parts via ``write``; file ranges zero-copy when possible, else chunk by chunk."""
        stall = self.service.stall_timeout
        zero_copy = ZeroCopy.for_handler(self, stall) if self.service.sendfile else None
        try:
            for part in plan:
                if isinstance(part, bytes):
                    self.write(part)
                    self._sent += len(part)
                    continue
                start, stop = part
                if zero_copy is not None and not zero_copy.unsupported:
                    await zero_copy.drain(self.flush())  # headers and literal parts must go first
                    start += await zero_copy.send(media.fd, start, stop)
                if start < stop and not await self._chunks(media, start, stop):
                    return
        finally:
            if zero_copy is not None:
                self._sent += zero_copy.file_bytes
                zero_copy.release()

    async def _chunks(self, media: OpenMedia, pos: int, stop: int) -> bool:
        """One chunk in memory at a time; ``flush()`` waits for the socket, so slow clients slow us."""
        step = self.service.chunk_size
        sock = self._http.stream.socket
        if sock is None:  # the client left before the body (Tornado drops the socket on close)
            return False
        while pos < stop:
            data = media.read(pos, min(step, stop - pos))
            if not data:  # truncated while being served: the promised length cannot be met
                log.warning("media file shrank while being served; closing the connection")
                self._http.close()
                return False
            pos += len(data)
            self.write(data)
            await until_progress(self.flush(), sock, self.service.stall_timeout)
            self._sent += len(data)
        return True
