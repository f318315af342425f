"""The media server inside the kernel: a Tornado loop in a daemon thread on 127.0.0.1 and a free
port, for notebooks whose Jupyter server lacks the extension (or plain Python)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import socket
import threading
import weakref
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

from tornado.httpserver import HTTPServer
from tornado.web import Application

from ._connections import Connections
from ._errors import ServerError
from ._fastpath import MediaRouter
from .processes import SHARE_SOCKET, WorkerConfig, Workers, check_processes, private_key_dir
from .range import (
    KEY_PARAM,
    HealthHandler,
    MediaHandler,
    MediaService,
    MetricsHandler,
    NotFoundHandler,
    install_redaction,
    log_request,
)
from .registry import MediaRegistry
from .sealing import TokenSealer

__all__ = ["MAX_HEADER_SIZE", "MediaServer", "make_app"]

_TORNADO_LOGGERS = ("tornado.access", "tornado.application", "tornado.general")

log = logging.getLogger("timeline_lab.server")
MAX_HEADER_SIZE = 16 * 1024  # request head bytes; beyond this the answer is 431
# Tornado's own limit, past which it closes the connection without a reply (it cannot answer a head
# it did not finish reading): larger, so that heads between the two get a proper 431.
_HARD_HEADER_SIZE = 64 * 1024
_IDLE_TIMEOUT = 60.0  # seconds a keep-alive connection may wait between requests


def _listen(host: str, port: int) -> socket.socket:
    """One listening socket (tornado's bind_sockets leaks its socket when the port is taken)."""
    family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let another process share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def make_app(service: MediaService, prefix: str = "/") -> Application:
    """The routes of one service under ``prefix`` (standalone: ``/``)."""
    base = prefix.rstrip("/")
    args = {"service": service}
    return Application(
        [
            (f"{base}/timeline-lab/media/([^/]+)", MediaHandler, args),
            (f"{base}/timeline-lab/health", HealthHandler, args),
            (f"{base}/timeline-lab/metrics", MetricsHandler, args),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=args,
        log_function=log_request,
        serve_traceback=False,
        compress_response=False,  # media is compressed already; gzip would also break ranges
    )


class MediaServer:
    """One standalone server; ``start``/``stop`` are idempotent, thread-safe, and usable as ``with``.

    Every request needs the server's access key (``?key=`` or the ``X-Timeline-Lab-Key`` header), so
    other local users and web pages cannot read registered files even if they learn a token.

    ``stall_timeout``: seconds a client may read nothing of a response before it is disconnected.
    ``max_header_size``: request heads larger than this get 431 (at most 64 KiB, Tornado's own limit,
    past which the connection is closed unanswered). Log lines never show tokens or the key.
    ``processes``: serve from this many processes on one port (``"auto"``: one per core), this one
    and workers started beside it that accept on its socket (``server.processes``). Tokens are then
    sealed, so ``registry`` must be a sealed one (by default: a key in a private folder, tokens valid
    24 hours); ``/health`` and ``/metrics`` answer for the process the connection reached.
    ``listen_socket``: serve this listening socket (a worker's, inherited) instead of binding one.
    """

    def __init__(
        self,
        registry: MediaRegistry | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_origins: Iterable[str] = (),
        access_key: str | None = None,
        chunk_size: int = 256 * 1024,
        sendfile: bool = True,
        health: Callable[[], dict[str, Any]] | None = None,
        stall_timeout: float = 60.0,
        max_header_size: int = MAX_HEADER_SIZE,
        processes: int | Literal["auto"] = 1,
        listen_socket: socket.socket | None = None,
    ) -> None:
        self._processes = check_processes(processes)
        if self._processes > 1 and not SHARE_SOCKET:
            msg = f"processes={processes!r}: this platform cannot share a socket between processes"
            raise ServerError(msg)
        if self._processes > 1 and registry is not None and not registry.sealed:
            msg = f"processes={processes!r}: the registry must be sealed (MediaRegistry(sealer=...))"
            raise ValueError(msg)
        if not stall_timeout > 0:
            msg = f"stall_timeout must be a positive number of seconds, not {stall_timeout!r}"
            raise ValueError(msg)
        if not 0 < max_header_size <= _HARD_HEADER_SIZE:
            msg = f"max_header_size must be in 1..{_HARD_HEADER_SIZE}, not {max_header_size!r}"
            raise ValueError(msg)
        origins = frozenset(allow_origins)
        if "*" in origins or "null" in origins:
            msg = f"allow_origins: list exact origins (e.g. 'http://localhost:8888'), not {sorted(origins)}"
            raise ValueError(msg)
        if registry is None and self._processes > 1:
            private = private_key_dir()  # 0700: the key stays ours
            weakref.finalize(self, shutil.rmtree, private, ignore_errors=True)
            registry = MediaRegistry(sealer=TokenSealer(private))
        self.registry = registry if registry is not None else MediaRegistry()
        self._given = listen_socket
        self._workers = Workers()
        self.host, self._requested_port, self._port = host, port, port
        self.service = MediaService(
            registry=self.registry,
            mode="standalone",
            access_key=access_key or secrets.token_urlsafe(32),
            allow_origins=origins,
            chunk_size=chunk_size,
            health=health,
            sendfile=sendfile,
            stall_timeout=stall_timeout,
            max_header_size=max_header_size,
        )
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: HTTPServer | None = None
        self._connections: Connections | None = None

    @property
    def access_key(self) -> str:
        """The per-server secret every request must carry."""
        assert self.service.access_key is not None
        return self.service.access_key

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def processes(self) -> int:
        """Processes serving the port: this one and its workers."""
        return self._processes

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (none with ``processes=1``)."""
        return self._workers.pids

    @property
    def port(self) -> int:
        """The bound port (after ``start``)."""
        if not self.running:
            raise ServerError("media server is not running; call start() first")
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def media_url(self, path: str | os.PathLike[str], *, ttl: float | None = None) -> str:
        """Register ``path`` and return its absolute URL (key included), ready for a ``<video src>``."""
        return self.url_for(self.registry.register(path, ttl=ttl))

    def url_for(self, token: str) -> str:
        """Absolute URL (key included) of an already registered token."""
        return f"{self.url}timeline-lab/media/{token}?{KEY_PARAM}={quote(self.access_key)}"

    @property
    def health_url(self) -> str:
        """URL of the health endpoint (with the key)."""
        return f"{self.url}timeline-lab/health?{KEY_PARAM}={quote(self.access_key)}"

    @property
    def metrics_url(self) -> str:
        """URL of the Prometheus metrics endpoint (with the key)."""
        return f"{self.url}timeline-lab/metrics?{KEY_PARAM}={quote(self.access_key)}"

    def start(self) -> MediaServer:
        """Bind and serve in a daemon thread; a second call does nothing."""
        with self._lock:
            if self.running:
                return self
            install_redaction(*map(logging.getLogger, _TORNADO_LOGGERS), log)
            try:
                sockets = [
                    self._given if self._given is not None else _listen(self.host, self._requested_port)
                ]
            except OSError as exc:
                where = f"{self.host}:{self._requested_port}"
                msg = f"media server: cannot listen on {where}: {exc.strerror or exc}"
                raise ServerError(msg) from None
            self._port = sockets[0].getsockname()[1]
            ready = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(sockets, ready), name=f"timeline-lab-media:{self._port}", daemon=True
            )
            thread.start()
            ready.wait()
            if self._loop is None:
                thread.join()
                for sock in sockets:
                    sock.close()
                msg = f"media server on {self.host}:{self._port} failed to start (see the log)"
                raise ServerError(msg)
            self._thread = thread
            if self._processes > 1:
                try:
                    self._workers.start(self._processes - 1, self._worker_config(sockets[0]))
                except BaseException:  # a failed or interrupted start leaves nothing running
                    self._stop_locked()
                    raise
            log.debug("media server on %s:%d (%d processes)", self.host, self._port, self._processes)
            return self

    def _worker_config(self, listener: socket.socket) -> WorkerConfig:
        """This server's settings for a worker: its socket, its registry's key folder, its access key
        and limits."""
        sealer = self.registry.sealer
        assert sealer is not None, "checked in __init__"
        try:
            sealer.ensure_key()  # in place before any worker reads it
        except OSError as exc:
            msg = f"media server: cannot create the token key {sealer.key_path}: {exc.strerror or exc}"
            raise ServerError(msg) from None
        svc = self.service
        assert svc.max_header_size is not None
        return WorkerConfig(
            fd=listener.fileno(),
            runtime_dir=str(sealer.key_path.parent),
            access_key=self.access_key,
            allow_origins=sorted(svc.allow_origins),
            chunk_size=svc.chunk_size,
            sendfile=svc.sendfile,
            stall_timeout=svc.stall_timeout,
            max_header_size=svc.max_header_size,
        )

    def _run(self, sockets: list[socket.socket], ready: threading.Event) -> None:
        """The thread: its own asyncio loop, so the kernel's loop is never touched."""
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def listen() -> HTTPServer:
            router = MediaRouter(make_app(self.service), self.service)
            server = HTTPServer(
                router, idle_connection_timeout=_IDLE_TIMEOUT, max_header_size=_HARD_HEADER_SIZE
            )
            if router.enabled:  # plain ranged GETs on the lean loop; it hands everything else over
                shared = self._processes > 1 or self._given is not None
                self._connections = Connections(
                    router, server, sockets, idle_timeout=_IDLE_TIMEOUT, shared=shared
                )
            else:
                server.add_sockets(sockets)
            return server

        try:
            try:
                self._server = loop.run_until_complete(listen())
            except Exception:
                log.exception("media server failed to start")
                return
            self._loop = loop
            ready.set()
            loop.run_forever()
            server = self._server
            if self._connections is not None:
                self._connections.close()
                self._connections = None
            server.stop()
            with contextlib.suppress(TimeoutError):
                loop.run_until_complete(asyncio.wait_for(server.close_all_connections(), 5))
        finally:
            self.service.files.clear(stopped=True)  # the cached descriptors close with the server
            ready.set()
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Close the listener and every connection, end the thread and the workers; a second call
        does nothing."""
        with self._lock:
            self._stop_locked(timeout)

    def _stop_locked(self, timeout: float = 10.0) -> None:
        self._workers.stop(timeout)
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = self._loop = self._server = None

    def __enter__(self) -> MediaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = f"{self.host}:{self._port}" if self.running else "stopped"
        return f"MediaServer({where}, {len(self.registry)} registered)"
