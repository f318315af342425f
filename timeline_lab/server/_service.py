"""What every route of the media service shares: its settings, the access key, CORS and bare errors."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import responses
from types import TracebackType
from typing import Any, ClassVar

from tornado.httputil import HTTPHeaders
from tornado.log import gen_log
from tornado.web import HTTPError, RequestHandler

from ._filecache import FileCache
from ._redaction import redact_quoted_input, redact_uri
from .registry import MediaRegistry

__all__ = ["EXPOSED_HEADERS", "KEY_HEADER", "KEY_PARAM", "MediaService", "head_size"]

KEY_HEADER = "X-Timeline-Lab-Key"
KEY_PARAM = "key"  # a query parameter too: a <video src> cannot send headers
_CORS_HEADERS = frozenset(
    {"range", "if-range", "if-none-match", "if-modified-since", "if-match", "if-unmodified-since"}
    | {KEY_HEADER.lower()}
)
EXPOSED_HEADERS = "Accept-Ranges, Content-Length, Content-Range, ETag, Last-Modified"


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
    files: FileCache = field(default_factory=FileCache, compare=False, repr=False)  # open, verified


def head_size(method: str, uri: str, version: str, headers: HTTPHeaders) -> int:
    """Bytes of the request line and headers as received (give or take stripped whitespace)."""
    line = len(method) + len(uri) + len(version) + 4
    return line + sum(len(k) + len(v) + 4 for k, v in headers.get_all()) + 2


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
        req = self.request
        self._head_bytes = head_size(req.method or "", req.uri or "", req.version, req.headers)
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
            text = redact_quoted_input(redact_uri(value.get_message() or ""))
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
            self.set_header("Access-Control-Expose-Headers", EXPOSED_HEADERS)
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
