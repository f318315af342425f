"""A keep-alive HTTP/1.1 client that sends requests byte for byte as given (malformed ones too)."""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timeline_lab.server import MediaServer


@dataclass
class Response:
    """Status 0 means the server closed the connection without answering."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class RawClient:
    """One connection reused across requests; reconnects when the server closes it."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        self.addr = (host, port)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.sent = 0
        self.last_size = 0  # bytes of the last request

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(
        self, method: str, target: str | bytes, headers: list[tuple[str, str | bytes]] | None = None
    ) -> Response:
        """Send one request; header values may be bytes (sent raw) or str (sent as latin-1/utf-8)."""
        if isinstance(target, str):
            target = target.encode("utf-8", "surrogateescape")
        lines = [method.encode("latin-1") + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
        for name, value in headers or []:
            raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
            lines.append(name.encode("latin-1") + b": " + raw)
        data = b"\r\n".join(lines) + b"\r\n\r\n"
        self.sent += 1
        self.last_size = len(data)
        for attempt in (0, 1):
            fresh = self.sock is None
            if self.sock is None:
                self.sock = socket.create_connection(self.addr, timeout=self.timeout)
            try:
                self.sock.sendall(data)
                resp = http.client.HTTPResponse(self.sock, method=method)
                resp.begin()
                body = resp.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.IncompleteRead):
                self.close()
                if fresh or attempt:
                    return Response(0)
                continue
            out = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
            if resp.will_close:
                self.close()
            return out
        return Response(0)  # pragma: no cover


def target(server: MediaServer, token: str, key: str | None = "") -> str:
    """Request target of a token on a standalone server; ``key=""`` means the right key."""
    key = server.access_key if key == "" else key
    return f"/timeline-lab/media/{token}" + (f"?key={key}" if key is not None else "")


def get(client: RawClient, server: MediaServer, token: str, **headers: str) -> Response:
    """GET a token with headers given as keyword arguments (``If_Range`` -> ``If-Range``)."""
    return client.request(
        "GET", target(server, token), [(k.replace("_", "-"), v) for k, v in headers.items()]
    )
