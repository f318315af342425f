"""The standalone server's lean connection loop: plain ranged GETs answered without Tornado, every other
request (and the rest of its connection) handed to Tornado untouched, idle and stopped connections
closed, and the head parser strict where Tornado is lenient."""

from __future__ import annotations

import errno
import os
import re
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.server import MediaServer, standalone
from timeline_lab.server._connections import parse_head
from timeline_lab.server._fastpath import MediaRouter
from timeline_lab.server.range import MediaHandler

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sendfile path is Linux only")

DATA = os.urandom(300_000)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[MediaServer, str]]:
    p = tmp_path / "clip.mp4"
    p.write_bytes(DATA)
    with MediaServer(access_key="k") as srv:
        yield srv, srv.registry.register(p)


def _req(token: str, method: str = "GET", **headers: str) -> bytes:
    lines = [f"{method} /timeline-lab/media/{token}?key=k HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read(s: socket.socket, buf: bytes, *, head_only: bool = False) -> tuple[bytes, bytes, bytes]:
    """One response (head, body) from ``buf`` plus the socket; returns what is left over."""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(1 << 20)
        assert chunk, "closed before a response head"
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"\r\nContent-Length: (\d+)", head)
    length = 0 if head_only or m is None else int(m.group(1))
    while len(buf) < length:
        chunk = s.recv(1 << 20)
        assert chunk, "closed mid-body"
        buf += chunk
    return head, buf[:length], buf[length:]


def _closed(s: socket.socket, timeout: float = 5.0) -> bool:
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_plain_ranged_gets_skip_tornado(
    server: tuple[MediaServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither the handler nor Tornado's fast path runs for them; everything else still reaches both."""
    srv, token = server

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("Tornado ran")

    monkeypatch.setattr(MediaHandler, "_serve", refuse)
    monkeypatch.setattr(MediaRouter, "fast", refuse)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        rest = b""
        for a in (0, 1000, 299_999):
            s.sendall(_req(token, Range=f"bytes={a}-{a + 99}"))
            head, body, rest = _read(s, rest)
            assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[a : a + 100]
        s.sendall(_req(token))
        head, body, rest = _read(s, rest)
        assert head.startswith(b"HTTP/1.1 200 ") and body == DATA
    monkeypatch.undo()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(_req(token, Range="bytes=0-1,5-6"))  # multipart: the handler's
        head, _, _ = _read(s, b"")
        assert head.startswith(b"HTTP/1.1 206 ") and b"multipart/byteranges" in head


def test_mixed_pipeline_answers_in_order(server: tuple[MediaServer, str]) -> None:
    """Lean answers, then a request for Tornado: the connection goes to Tornado with its unread bytes."""
    srv, token = server
    requests = [
        _req(token, Range="bytes=0-9"),
        _req(token, Range="bytes=10-19"),
        _req(token, "HEAD", Range="bytes=0-9"),
        _req("nope"),
        _req(token, Range="bytes=20-29"),
    ]
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(b"".join(requests))
        rest = b""
        head, body, rest = _read(s, rest)
        assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[0:10]
        head, body, rest = _read(s, rest)
        assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[10:20]
        head, _, rest = _read(s, rest, head_only=True)
        assert head.startswith(b"HTTP/1.1 206 ") and b"Content-Length: 10" in head
        head, _, rest = _read(s, rest)
        assert head.startswith(b"HTTP/1.1 404 ")
        head, body, rest = _read(s, rest)
        assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[20:30]


def test_head_in_pieces_goes_to_tornado(server: tuple[MediaServer, str]) -> None:
    """A head that arrives in parts is read by Tornado (the lean loop never buffers a partial head)."""
    srv, token = server
    req = _req(token, Range="bytes=5-14")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(req[:20])
        time.sleep(0.2)
        s.sendall(req[20:])
        head, body, rest = _read(s, b"")
        assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[5:15]
        s.sendall(req)  # the same connection, now Tornado's, still serves
        head, body, _ = _read(s, rest)
        assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[5:15]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"\r\nGET {t} HTTP/1.1\r\nRange: bytes=0-0\r\n\r\n", 206),  # a blank line first: allowed
        (b"GET {t} HTTP/1.1\nRange: bytes=0-0\n\n", 206),  # bare LF: Tornado still takes it
        (b"GET {t} HTTP/1.1\r\n Range: bytes=0-0\r\n\r\n", 400),  # folding: refused
        (b"GET {t} HTTP/1.1\r\nRange: bytes=0-0\r\nRange: bytes=1-1\r\n\r\n", 200),  # two ranges: joined
        (b"GET {t} HTTP/1.0\r\nRange: bytes=0-0\r\n\r\n", 206),
        (b"GET {t} HTTP/1.1\r\nRange: bytes=0-0\r\nExpect: 100-continue\r\n\r\n", 100),
        (b"GET {t} HTTP/1.1\r\nRange: bytes=0-0\r\nContent-Length: 0\r\n\r\n", 400),  # no body on a GET
    ],
)
def test_unusual_heads_get_tornados_answer(server: tuple[MediaServer, str], raw: bytes, status: int) -> None:
    srv, token = server
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(raw.replace(b"{t}", f"/timeline-lab/media/{token}?key=k".encode()))
        head, _, _ = _read(s, b"")
    assert head.startswith(f"HTTP/1.1 {status} ".encode())


def test_connection_close_is_honoured(server: tuple[MediaServer, str]) -> None:
    srv, token = server
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(_req(token, Range="bytes=0-9", Connection="close"))
        head, body, rest = _read(s, b"")
        assert b"\r\nConnection: close" in head and body == DATA[:10] and rest == b""
        assert _closed(s)


def test_idle_connections_are_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standalone, "_IDLE_TIMEOUT", 0.4)
    p = tmp_path / "a.bin"
    p.write_bytes(DATA)
    with MediaServer(access_key="k") as srv, socket.create_connection(("127.0.0.1", srv.port)) as s:
        s.sendall(_req(srv.registry.register(p), Range="bytes=0-9"))
        _read(s, b"")
        start = time.monotonic()
        assert _closed(s)
        assert 0.3 < time.monotonic() - start < 3


def test_stop_closes_every_connection(tmp_path: Path) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(DATA)
    fds = len(os.listdir("/proc/self/fd"))
    srv = MediaServer(access_key="k").start()
    token = srv.registry.register(p)
    lean = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    lean.sendall(_req(token, Range="bytes=0-9"))
    _read(lean, b"")
    tornado = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    tornado.sendall(_req("nope"))
    _read(tornado, b"")
    srv.stop()
    assert _closed(lean) and _closed(tornado)
    lean.close()
    tornado.close()
    assert len(os.listdir("/proc/self/fd")) == fds  # listener, connections, cached file: all closed


def test_accept_failures_pause_the_listener(
    server: tuple[MediaServer, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Out of descriptors: accepting pauses (no busy loop, one warning per pause), then resumes."""
    srv, token = server
    calls = []
    real = socket.socket.accept

    def fail(self: socket.socket) -> tuple[socket.socket, object]:
        calls.append(time.monotonic())
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(socket.socket, "accept", fail)
    waiting = socket.create_connection(("127.0.0.1", srv.port), timeout=10)  # in the backlog
    time.sleep(0.6)
    monkeypatch.setattr(socket.socket, "accept", real)
    assert 1 <= len(calls) <= 4, len(calls)
    assert any("accept failed" in m for m in caplog.messages)
    with waiting:
        waiting.sendall(_req(token, Range="bytes=0-9"))
        head, body, _ = _read(waiting, b"")
    assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[:10]


def test_requests_are_counted(server: tuple[MediaServer, str]) -> None:
    srv, token = server

    def served() -> float:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            s.sendall(b"GET /timeline-lab/metrics?key=k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            _, body, _ = _read(s, b"")
        m = re.search(rb'timeline_lab_server_requests_total\{mode="standalone",status="206"\} (\S+)', body)
        return float(m.group(1)) if m else 0.0

    before = served()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        for _ in range(3):
            s.sendall(_req(token, Range="bytes=0-9"))
            _read(s, b"")
    assert served() == before + 3


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"GET /a?b=c HTTP/1.1", ("/a?b=c", {})),
        (
            b"GET /a HTTP/1.1\r\nhost: x\r\nrange:bytes=0-1 \r\nX-TIMELINE-LAB-KEY: \tk",
            ("/a", {"Host": "x", "Range": "bytes=0-1", "X-Timeline-Lab-Key": "k"}),
        ),
        (b"GET /a HTTP/1.0", None),
        (b"HEAD /a HTTP/1.1", None),
        (b"get /a HTTP/1.1", None),
        (b"GET  /a HTTP/1.1", None),
        (b"\r\nGET /a HTTP/1.1", None),
        (b"GET /a HTTP/1.1\nHost: x", None),
        (b"GET /a HTTP/1.1\r\nHost: x\ry", None),
        (b"GET /a HTTP/1.1\r\n Host: x", None),
        (b"GET /a HTTP/1.1\r\nHost x", None),
        (b"GET /a HTTP/1.1\r\nHo st: x", None),
        (b"GET /a HTTP/1.1\r\nHost: \xe9", None),
        (b"GET /a HTTP/1.1\r\nHost: x\x00", None),
        (b"GET /\xe9 HTTP/1.1", None),
        (b"GET /a HTTP/1.1\r\nRange: bytes=0-1\r\nrange: bytes=2-3", None),
    ],
)
def test_parse_head(head: bytes, expected: tuple[str, dict[str, str]] | None) -> None:
    assert parse_head(head) == expected


# --- the lean loop and Tornado alone give the same answer to any head --------------------------------

_PIECES = {
    "Range": ["bytes=0-9", "bytes=5-", "bytes=-7", "bytes=0-1,4-5", "bytes=999999-", "bytes= 1-2", "x=1-2"],
    "range": ["bytes=3-4"],
    "If-Range": ['"nope"', "ETAG", "Thu, 01 Jan 1970 00:00:00 GMT"],
    "If-None-Match": ["ETAG", '"other"', "*"],
    "If-Modified-Since": ["Thu, 01 Jan 2037 00:00:00 GMT", "garbage"],
    "Origin": ["http://localhost:8888", "http://evil.example"],
    "Connection": ["close", "keep-alive", "Close"],
    "X-Timeline-Lab-Key": ["k", "nope", ""],
    "Accept": ["*/*"],
    "Content-Length": ["0"],
}


def _field(name: str) -> st.SearchStrategy[tuple[str, str]]:
    return st.tuples(st.just(name), st.sampled_from(_PIECES[name]))


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MediaServer, MediaServer, str, str]]:
    """The lean loop (sendfile on) and Tornado alone (sendfile off), one registry, CORS on."""
    from timeline_lab.server import MediaRegistry

    p = tmp_path_factory.mktemp("twins") / "clip.webm"
    p.write_bytes(DATA[:5000])
    registry = MediaRegistry()
    origins = ["http://localhost:8888"]
    with (
        MediaServer(registry, access_key="k", allow_origins=origins) as lean,
        MediaServer(registry, access_key="k", allow_origins=origins, sendfile=False) as plain,
    ):
        token = registry.register(p)
        etag = _answer_of(plain.port, _req(token))[0].split(b"\r\nEtag: ")[1].split(b"\r\n")[0].decode()
        yield lean, plain, token, etag


def _answer_of(port: int, request: bytes, *, head: bool = False) -> tuple[bytes, bytes]:
    """Status line and headers (Date and multipart boundaries masked) and body of one answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        buf = b""
        while b"\r\n\r\n" not in buf and (chunk := s.recv(1 << 16)):
            buf += chunk
        top, _, body = buf.partition(b"\r\n\r\n")
        m = re.search(rb"\r\nContent-Length: (\d+)", top)
        length = 0 if head or b" 304 " in top[:13] or m is None else int(m.group(1))
        while len(body) < length and (chunk := s.recv(1 << 16)):
            body += chunk
    top = re.sub(rb"\r\nDate: [^\r]*", b"", top)
    return re.sub(rb"[0-9a-f]{32}", b"B", top), re.sub(rb"[0-9a-f]{32}", b"B", body)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    method=st.sampled_from(["GET", "GET", "GET", "HEAD"]),
    version=st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]),
    query=st.sampled_from(["key=k", "key=k", "key=nope", "", "key=%6B", "a=1&key=k", "key=k&key=x"]),
    which=st.sampled_from(["token", "token", "token", "other"]),
    headers=st.lists(
        st.sampled_from(sorted(_PIECES)).flatmap(
            lambda n: st.tuples(st.just(n), st.sampled_from(_PIECES[n]))
        ),
        max_size=4,
    ),
    eol=st.sampled_from(["\r\n", "\r\n", "\r\n", "\n"]),
    space=st.sampled_from([" ", " ", "", "  \t"]),
)
def test_lean_loop_answers_like_tornado(
    twins: tuple[MediaServer, MediaServer, str, str],
    method: str,
    version: str,
    query: str,
    which: str,
    headers: list[tuple[str, str]],
    eol: str,
    space: str,
) -> None:
    lean, plain, token, etag = twins
    name = token if which == "token" else "A" * 43
    lines = [f"{method} /timeline-lab/media/{name}?{query} {version}", "Host: 127.0.0.1"]
    lines += [f"{k}:{space}{v.replace('ETAG', etag)}" for k, v in headers]
    request = (eol.join(lines) + eol + eol).encode()
    head = method == "HEAD"
    assert _answer_of(lean.port, request, head=head) == _answer_of(plain.port, request, head=head)
