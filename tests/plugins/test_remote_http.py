"""ctx.http for isolated plugins: the app reads a response capped as it arrives, never whole first."""

from __future__ import annotations

import base64
import contextlib
import gzip
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import httpx
import pytest

from timeline_lab.plugins import _remote_http
from timeline_lab.plugins._hosts import HostRule
from timeline_lab.plugins._http import PluginHTTP
from timeline_lab.plugins._remote_http import ChannelTransport, serve

LIMIT = 256 * 1024  # MAX_BODY for these tests: bodies 64 times over it stay quick on 127.0.0.1
BIG = 64 * LIMIT
_PIECE = b"x" * 65536
_GZIP = {n: gzip.compress(b"\0" * n) for n in (4 * LIMIT, BIG)}  # made before any test measures


class _Server(BaseHTTPRequestHandler):
    """/<framing>/<size>: that many bytes framed by Content-Length, chunked, or the connection's close."""

    def do_GET(self) -> None:
        _, framing, size = self.path.split("/")
        n = int(size)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the app stopped reading, as wanted
            if framing == "redirect":  # a 302 with a body far over the limit, to a small answer
                self._head(302, [("Location", f"/length/{n}"), ("Content-Length", str(BIG))])
                self._body(BIG)
            elif framing == "gzip":  # small on the wire, n bytes once decoded (in the child)
                packed = _GZIP[n]
                self._head(200, [("Content-Encoding", "gzip"), ("Content-Length", str(len(packed)))])
                self.wfile.write(packed)
            elif framing == "chunked":
                self.protocol_version = "HTTP/1.1"
                self._head(200, [("Transfer-Encoding", "chunked")])
                for start in range(0, n, len(_PIECE)):
                    piece = _PIECE[: min(len(_PIECE), n - start)]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True
            else:  # "length", or "close": HTTP/1.0 with no length, the body ends when the socket does
                self._head(200, [("Content-Length", str(n))] if framing == "length" else [])
                self._body(n)

    def _head(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()

    def _body(self, n: int) -> None:
        for start in range(0, n, len(_PIECE)):
            self.wfile.write(_PIECE[: min(len(_PIECE), n - start)])

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    httpd.daemon_threads = True
    Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginHTTP]:
    monkeypatch.setattr(_remote_http, "MAX_BODY", LIMIT)
    client = PluginHTTP("hplug", (HostRule.parse("127.0.0.1"),), timeout=10)
    yield client
    client.close()


def _serve_measured(http: PluginHTTP, url: str) -> tuple[dict[str, Any], int]:
    """serve()'s reply and the most memory Python held while making it."""
    tracemalloc.start()
    try:
        reply = serve(http, {"method": "GET", "url": url, "headers": [], "body": ""})
        return reply, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("size", [LIMIT + 1, 4 * LIMIT, BIG])
def test_a_body_over_the_limit_is_refused_without_being_held(
    http: PluginHTTP, base: str, framing: str, size: int
) -> None:
    reply, peak = _serve_measured(http, f"{base}/{framing}/{size}")
    assert reply["ok"] is False and reply["kind"] == "transport"
    assert f"over the {LIMIT}-byte limit for isolated plugins" in reply["error"]
    if framing == "length":  # refused on its Content-Length, before any of it is read
        assert reply["error"].startswith(f"response of {size} bytes")
    assert peak < 3 * LIMIT  # at most the limit and a network read, never the body


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("size", [0, 1, 65537, LIMIT])
def test_a_body_within_the_limit_comes_back_whole(
    http: PluginHTTP, base: str, framing: str, size: int
) -> None:
    reply, _ = _serve_measured(http, f"{base}/{framing}/{size}")
    assert reply["ok"] is True and reply["status"] == 200
    assert base64.b64decode(reply["body"]) == b"x" * size


def test_a_redirects_body_is_not_read(http: PluginHTTP, base: str) -> None:
    """httpx reads each redirect's body whole before following it: the app follows them unread."""
    reply, peak = _serve_measured(http, f"{base}/redirect/100")
    assert reply["ok"] is True and reply["status"] == 200
    assert peak < 3 * LIMIT


def test_a_redirect_to_an_undeclared_host_is_still_denied(http: PluginHTTP, base: str) -> None:
    port = base.rsplit(":", 1)[1]
    reply = serve(http, {"method": "GET", "url": f"http://localhost:{port}/length/1", "body": ""})
    assert reply["ok"] is False and reply["kind"] == "denied"


def _child(http: PluginHTTP) -> httpx.Client:
    """The child's client, its channel answered in-process by serve()."""

    def send(**msg: Any) -> None:
        transport.resolve({"id": msg["id"], **serve(http, msg)})

    transport = ChannelTransport(send, timeout=10)
    return httpx.Client(transport=transport)


def test_a_compressed_body_is_counted_on_the_wire_and_decoded_by_the_child(
    http: PluginHTTP, base: str
) -> None:
    """The app passes gzip on as it came (a small wire body is no bomb in the app); the child decodes."""
    reply, peak = _serve_measured(http, f"{base}/gzip/{BIG}")
    assert reply["ok"] is True and peak < 3 * LIMIT
    with _child(http) as child:
        resp = child.get(f"{base}/gzip/{4 * LIMIT}")
        assert resp.content == b"\0" * (4 * LIMIT)
        with pytest.raises(httpx.ConnectError, match=f"over the {LIMIT}-byte limit"):
            child.get(f"{base}/chunked/{BIG}")
