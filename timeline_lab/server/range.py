"""The Tornado handlers, HTTP only: byte ranges, validators, CORS and the access key. Which file a
token means is the registry's business; both server modes mount these same classes."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import responses
from types import TracebackType
from typing import Any, ClassVar, cast

from prometheus_client import CONTENT_TYPE_LATEST
from tornado.http1connection import HTTP1Connection
from tornado.httputil import HTTPServerRequest
from tornado.iostream import StreamClosedError
from tornado.log import gen_log
from tornado.web import HTTPError, RequestHandler

from .._version import __version__
from ..telemetry import METRICS, metrics_text, tracer
from ._errors import MediaGoneError, TokenError
from ._media import OpenMedia
from ._ranges import content_range, http_date, parse_range, precondition_status, range_applies
from ._sendfile import StalledClientError, ZeroCopy, until_progress
from .registry import MediaRegistry

__all__ = [
    "KEY_HEADER",
    "KEY_PARAM",
    "HealthHandler",
    "MediaHandler",
    "MediaService",
    "MetricsHandler",
    "NotFoundHandler",
    "RedactingFilter",
    "log_request",
    "redact_uri",
]

log = logging.getLogger("timeline_lab.server")

KEY_HEADER = "X-Timeline-Lab-Key"
KEY_PARAM = "key"  # a query parameter too: a <video src> cannot send headers
_CORS_HEADERS = frozenset(
    {"range", "if-range", "if-none-match", "if-modified-since", "if-match", "if-unmodified-since"}
    | {KEY_HEADER.lower()}
)
_EXPOSED = "Accept-Ranges, Content-Length, Content-Range, ETag, Last-Modified"
REDACTED = "<redacted>"
# The token segment of a media URL, and query values whose names say secret (Jupyter's own list).
_PATH_TOKEN = re.compile(r"(/timeline-lab/media/)[^/?#\s'\"]+")
_SECRET_PARAM = re.compile(
    r"([?&][^=&#\s'\"]*(?:key|token|auth|code|state|xsrf)[^=&#\s'\"]*=)[^&#\s'\"]*", re.I
)
# Tornado's own lines that quote raw request bytes: an invalid header value (maybe the key) or argument.
_QUOTED_INPUT = re.compile(r"(Invalid (?:header value|unicode in \S+:)) .*", re.S)


@dataclass(frozen=True)
class MediaService:
    """What the handlers need: the registry, the mode's name and its access and CORS policy."""

    registry: MediaRegistry
    mode: str  # "standalone" | "jupyter" (reported by /health)
    access_key: str | None = None  # required on every GET/HEAD when set (standalone)
    allow_origins: frozenset[str] = field(default_factory=frozenset)  # exact origins; never "*"
    chunk_size: int = 256 * 1024  # bytes read and flushed per step: the per-connection memory bound
    sendfile: bool = True  # zero-copy where the connection allows it (plain HTTP/1 on Linux)
    health: Callable[[], dict[str, Any]] | None = None  # the state of other services, for /health
    stall_timeout: float = 60.0  # seconds a client may take no bytes before it is disconnected
    max_header_size: int | None = None  # request head bytes answered with 431 beyond; None: no limit


def redact_uri(text: str) -> str:
    """``text`` with media tokens and secret query values (``key=``, ``token=``...) replaced."""
    return _SECRET_PARAM.sub(r"\1" + REDACTED, _PATH_TOKEN.sub(r"\1" + REDACTED, text))


class RedactingFilter(logging.Filter):
    """Rewrites a log record's text without tokens, keys or quoted raw request bytes.

    Installed on the loggers that write lines about our requests (Tornado's, Jupyter's): the handlers
    already log redacted URIs; this also catches lines written before a handler exists, such as
    Tornado's "Malformed HTTP message ... Invalid header value '<the key>'". Only lines naming a
    ``/timeline-lab/`` URL are rewritten: the URL Jupyter prints at start, with its own login token,
    is what the user opens (Jupyter scrubs that token from its request logs itself).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a broken format: logging reports it; nothing to redact
            return True
        clean = _QUOTED_INPUT.sub(r"\1 " + REDACTED, text)
        if "/timeline-lab/" in clean:  # a line about our routes; Jupyter's own startup URL stays usable
            clean = redact_uri(clean)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def install_redaction(*loggers: logging.Logger) -> None:
    """Add one ``RedactingFilter`` to each logger (idempotent)."""
    for logger in loggers:
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def log_request(handler: RequestHandler) -> None:
    """Access log line; the URI in it is already redacted (see ``_ServiceHandler.initialize``)."""
    status = handler.get_status()
    ms = 1000.0 * handler.request.request_time()
    level = logging.ERROR if status >= 500 else logging.DEBUG
    log.log(
        level, "%d %s %s %.1fms", status, handler.request.method, redact_uri(handler.request.uri or ""), ms
    )


def _head_size(request: HTTPServerRequest) -> int:
    """Bytes of the request line and headers as received (give or take stripped whitespace)."""
    line = len(request.method or "") + len(request.uri or "") + len(request.version) + 4
    return line + sum(len(k) + len(v) + 4 for k, v in request.headers.get_all()) + 2


class _ServiceHandler(RequestHandler):
    """Access key and CORS for every route of the service.

    Both modes run these methods: Jupyter mode puts its login in front (see ``jupyter``) and reaches
    Jupyter's own ``prepare`` and default headers through the ``super()`` calls here.
    """

    service: MediaService
    cors_request_headers: ClassVar[frozenset[str]] = _CORS_HEADERS  # what a preflight may ask for

    def initialize(self, service: MediaService) -> None:
        """Take the service; hide the token and secrets of the URI from every later log line."""
        self.service = service
        self._head_bytes = _head_size(self.request)
        # Routing is done (path_args and query arguments are parsed already); what is left of the
        # URI is what loggers read: Tornado's request summary, Jupyter's access and warning lines.
        self.request.uri = redact_uri(self.request.uri or "")
        self.request.path = redact_uri(self.request.path)
        self.set_cors_headers()

    def set_default_headers(self) -> None:
        """CORS again whenever headers are reset, as ``send_error`` does: errors stay readable."""
        super().set_default_headers()  # Jupyter's (CSP, its ``headers`` setting); nothing standalone
        if hasattr(self, "service"):  # the first reset runs before ``initialize``
            self.set_cors_headers()

    def prepare(self) -> Any:
        """The header limit, then the key (not on preflights), then the mode's own (Jupyter's login)."""
        self._check_head_size()
        if self.request.method != "OPTIONS":
            self._check_access()
        return super().prepare()

    def _check_head_size(self) -> None:
        """431 for a request head past the service's limit (the connection's hard limit is larger)."""
        limit = self.service.max_header_size
        if limit is not None and self._head_bytes > limit:
            raise HTTPError(431)

    def log_exception(
        self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Tornado's, with the request's own bytes left out of HTTPError messages (a bad key's value)."""
        if isinstance(value, HTTPError) and value.log_message:
            text = _QUOTED_INPUT.sub(r"\1 " + REDACTED, redact_uri(value.get_message() or ""))
            req = self.request
            gen_log.warning("%d %s %s (%s): %s", value.status_code, req.method, req.uri, req.remote_ip, text)
            return
        super().log_exception(typ, value, tb)

    @property
    def cors_enabled(self) -> bool:
        """Whether any other origin may read our answers (standalone: ``allow_origins`` given)."""
        return bool(self.service.allow_origins)

    def origin_allowed(self, origin: str) -> bool:
        """Whether pages from ``origin`` may read our answers: exact origins only, never "*"."""
        return origin in self.service.allow_origins

    @property
    def cors_credentials(self) -> bool:
        """Whether cross-origin requests may carry cookies (standalone: never; the key is the login)."""
        return False

    def set_cors_headers(self) -> None:
        """Echo an allowed Origin; same-origin needs nothing. (Jupyter's ``prepare`` calls it too.)"""
        if not self.cors_enabled:
            return
        self.set_header("Vary", "Origin")
        origin = self.request.headers.get("Origin")
        if origin is not None and self.origin_allowed(origin):
            self.set_header("Access-Control-Allow-Origin", origin)
            self.set_header("Access-Control-Expose-Headers", _EXPOSED)
            if self.cors_credentials:
                self.set_header("Access-Control-Allow-Credentials", "true")

    def _check_access(self) -> None:
        """403 unless the request carries the server's key (constant-time comparison)."""
        key = self.service.access_key
        if key is None:
            return
        given = self.request.headers.get(KEY_HEADER) or self.get_query_argument(KEY_PARAM, None) or ""
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), key.encode("utf-8")):
            raise HTTPError(403)

    def options(self, *args: str) -> None:
        """CORS preflight: allowed origin, GET/HEAD, and only the headers a player sends."""
        origin = self.request.headers.get("Origin")
        if origin is None:
            self.set_header("Allow", "GET, HEAD, OPTIONS")
            self.set_status(204)
            return
        method = self.request.headers.get("Access-Control-Request-Method", "")
        asked = [
            h.strip().lower()
            for h in self.request.headers.get("Access-Control-Request-Headers", "").split(",")
        ]
        asked = [h for h in asked if h]
        if not self.origin_allowed(origin) or method not in ("GET", "HEAD"):
            raise HTTPError(403)
        if not set(asked) <= self.cors_request_headers:
            raise HTTPError(403)
        self.set_header("Access-Control-Allow-Methods", "GET, HEAD")
        if asked:
            self.set_header("Access-Control-Allow-Headers", ", ".join(asked))
        self.set_header("Access-Control-Max-Age", "600")
        self.set_status(204)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Status line only: no traceback, no echo of the request."""
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {responses.get(status_code, 'Error')}\n")


class NotFoundHandler(_ServiceHandler):
    """Every unmatched URL: a plain 404 before any other work."""

    def prepare(self) -> Any:
        self._check_head_size()
        raise HTTPError(404)


class HealthHandler(_ServiceHandler):
    """``/timeline-lab/health``: is the server up, which version and mode, how many files it knows."""

    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS")

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        reg = self.service.registry
        report: dict[str, Any] = {
            "ok": True,
            "version": __version__,
            "mode": self.service.mode,
            "registered": len(reg),
        }
        if self.service.health is not None:
            report["services"] = self.service.health()
        self.write(report)

    head = get


class MetricsHandler(_ServiceHandler):
    """``/timeline-lab/metrics``: every timeline_lab metric in Prometheus text format."""

    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS")

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(metrics_text())

    head = get


class MediaHandler(_ServiceHandler):
    """``/timeline-lab/media/<token>``: GET/HEAD with Range (single, multipart, suffix) and validators."""

    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS")

    async def get(self, token: str) -> None:
        await self._serve(token, body=True)

    def prepare(self) -> Any:
        """Open a trace span for the request when tracing is on (no token or path in it)."""
        self._body_length: int | None = None  # Content-Length of a 200/206 answer, for the metrics
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
        METRICS.requests.labels(mode=mode, status=str(status)).inc()
        METRICS.latency.labels(mode=mode).observe(self.request.request_time())
        length = getattr(self, "_body_length", None)  # None when prepare() never ran (a 431)
        if self.request.method == "GET" and status in (200, 206) and length:
            METRICS.bytes_sent.labels(mode=mode).inc(length)

    async def head(self, token: str) -> None:
        await self._serve(token, body=False)

    async def _serve(self, token: str, *, body: bool) -> None:
        self._http = cast(HTTP1Connection, self.request.connection)  # ``ZeroCopy`` may stand in later
        try:
            media = self.service.registry.open(token)
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

    def _plan(self, media: OpenMedia) -> list[bytes | tuple[int, int]]:
        """Status and headers for this request; returns the body as literal bytes and file ranges."""
        f = media.file
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("ETag", f.etag)
        self.set_header("Last-Modified", http_date(f.last_modified))
        self.set_header("Cache-Control", "private, no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")
        header = self.request.headers.get
        status = precondition_status(header, f.etag, f.last_modified)
        if status is not None:
            self.set_status(status)
            return []
        ranges = (
            parse_range(header("Range"), f.size)
            if range_applies(header("If-Range"), f.etag, f.last_modified)
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
        self._body_length = sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in plan)
        self.set_header("Content-Type", media_type)
        self.set_header("Content-Length", self._body_length)
        return plan

    async def _stream(self, media: OpenMedia, plan: list[bytes | tuple[int, int]]) -> None:
        """Literal parts via ``write``; file ranges zero-copy when possible, else chunk by chunk."""
        stall = self.service.stall_timeout
        zero_copy = ZeroCopy.for_handler(self, stall) if self.service.sendfile else None
        try:
            for part in plan:
                if isinstance(part, bytes):
                    self.write(part)
                    continue
                start, stop = part
                if zero_copy is not None and not zero_copy.unsupported:
                    await zero_copy.drain(self.flush())  # headers and literal parts must go first
                    start += await zero_copy.send(media.fd, start, stop)
                if start < stop and not await self._chunks(media, start, stop):
                    return
        finally:
            if zero_copy is not None:
                zero_copy.release()

    async def _chunks(self, media: OpenMedia, pos: int, stop: int) -> bool:
        """One chunk in memory at a time; ``flush()`` waits for the socket, so slow clients slow us."""
        step = self.service.chunk_size
        sock = self._http.stream.socket
        while pos < stop:
            data = media.read(pos, min(step, stop - pos))
            if not data:  # truncated while being served: the promised length cannot be met
                log.warning("media file shrank while being served; closing the connection")
                self._http.close()
                return False
            pos += len(data)
            self.write(data)
            await until_progress(self.flush(), sock, self.service.stall_timeout)
        return True
