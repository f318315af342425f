"""The standalone fast path: taken for plain ranged GETs, declined for everything the handler decides,
and indistinguishable from the handler on the wire (heads compared byte for byte, minus the date)."""

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

from timeline_lab.server import MediaRegistry, MediaServer
from timeline_lab.server.range import MediaHandler

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sendfile path is Linux only")

ORIGIN = "http://localhost:8888"


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[MediaServer, MediaServer]]:
    """Fast path (sendfile on) and the handler alone (sendfile off), CORS on, one registry."""
    registry = MediaRegistry()
    with (
        MediaServer(registry, sendfile=True, access_key="k", allow_origins=[ORIGIN]) as fast,
        MediaServer(registry, sendfile=False, access_key="k", allow_origins=[ORIGIN]) as slow,
    ):
        yield fast, slow


@pytest.fixture
def token(pair: tuple[MediaServer, MediaServer], tmp_path: Path) -> str:
    p = tmp_path / "clip.webm"
    p.write_bytes(bytes(range(256)) * 400)
    return pair[0].registry.register(p)


def _answer(port: int, request: bytes) -> tuple[bytes, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(1 << 16)
            assert chunk
            buf += chunk
        head, body = buf.split(b"\r\n\r\n", 1)
        m = re.search(rb"\r\nContent-Length: (\d+)", head)
        length = int(m.group(1)) if m else 0
        while len(body) < length:
            chunk = s.recv(1 << 16)
            assert chunk
            body += chunk
    return re.sub(rb"\r\nDate: [^\r]*", b"", head), body


def _req(token: str, query: str = "key=k", **headers: str) -> bytes:
    lines = [f"GET /timeline-lab/media/{token}?{query} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


CASES: dict[str, tuple[str, dict[str, str]]] = {
    "cors": ("key=k", {"Origin": ORIGIN, "Range": "bytes=10-99"}),
    "other origin": ("key=k", {"Origin": "http://evil.example", "Range": "bytes=10-99"}),
    "key header": ("x=1", {"X-Timeline-Lab-Key": "k", "Range": "bytes=0-"}),
    "wrong header, right query": ("key=k", {"X-Timeline-Lab-Key": "nope"}),
    "last key wins": ("key=k&key=nope", {}),
    "last key right": ("key=nope&key=k", {"Range": "bytes=5-5"}),
    "escaped key": ("key=%6B", {"Range": "bytes=5-9"}),
    "blank key after": ("key=k&key", {}),
    "if-range match": ("key=k", {"Range": "bytes=1-2", "If-Range": "ETAG"}),
    "if-range stale": ("key=k", {"Range": "bytes=1-2", "If-Range": '"old"'}),
    "if-none-match": ("key=k", {"If-None-Match": "ETAG"}),
    "unsatisfiable": ("key=k", {"Range": "bytes=999999-"}),
    "spaces": ("key=k", {"Range": "bytes= 3-4"}),
    "connection close": ("key=k", {"Range": "bytes=3-4", "Connection": "close"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_same_answer_as_the_handler(pair: tuple[MediaServer, MediaServer], token: str, case: str) -> None:
    fast, slow = pair
    query, headers = CASES[case]
    etag = _answer(slow.port, _req(token))[0].split(b"\r\nEtag: ")[1].split(b"\r\n")[0].decode()
    headers = {k: v.replace("ETAG", etag) for k, v in headers.items()}
    assert _answer(fast.port, _req(token, query, **headers)) == _answer(
        slow.port, _req(token, query, **headers)
    )


def test_plain_ranged_gets_skip_the_handler(
    pair: tuple[MediaServer, MediaServer], token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, _ = pair

    async def refuse(self: MediaHandler, token: str, *, body: bool) -> None:
        raise AssertionError("the handler ran")

    monkeypatch.setattr(MediaHandler, "_serve", refuse)
    head, body = _answer(fast.port, _req(token, Range="bytes=256-511"))
    assert head.startswith(b"HTTP/1.1 206 ") and body == bytes(range(256))
    head, _ = _answer(fast.port, _req(token, Range="bytes=0-1,5-6"))  # multipart: the handler's
    assert head.startswith(b"HTTP/1.1 500 ")


def test_refusals_still_come_from_the_handler(pair: tuple[MediaServer, MediaServer], token: str) -> None:
    fast, _ = pair
    assert _answer(fast.port, _req(token, "key=bad"))[0].startswith(b"HTTP/1.1 403 ")
    assert _answer(fast.port, _req("nope"))[0].startswith(b"HTTP/1.1 404 ")
    fast.registry.unregister(token)
    assert _answer(fast.port, _req(token))[0].startswith(b"HTTP/1.1 404 ")


def test_file_system_without_sendfile(
    pair: tuple[MediaServer, MediaServer], token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sendfile refused (EINVAL) after the head went out: the range is copied through Tornado instead."""
    fast, slow = pair

    def refuse(*args: object) -> int:
        raise OSError(errno.EINVAL, "not here")

    monkeypatch.setattr(os, "sendfile", refuse)
    req = _req(token, Range="bytes=100-60099")
    assert _answer(fast.port, req) == _answer(slow.port, req)


def test_next_request_waits_for_a_full_send_buffer(
    pair: tuple[MediaServer, MediaServer], tmp_path: Path
) -> None:
    """Pipelined 4 MiB answers to a client that reads late: every byte arrives, in order."""
    fast, _ = pair
    p = tmp_path / "big.bin"
    data = os.urandom(4 << 20)
    p.write_bytes(data)
    token = fast.registry.register(p)
    with socket.create_connection(("127.0.0.1", fast.port), timeout=10) as s:
        s.sendall(_req(token, Range="bytes=0-") * 3)
        time.sleep(0.3)  # the server's send buffer fills; later answers must wait their turn
        buf = b""
        for _ in range(3):
            while b"\r\n\r\n" not in buf:
                buf += s.recv(1 << 20)
            head, buf = buf.split(b"\r\n\r\n", 1)
            assert head.startswith(b"HTTP/1.1 206 ")
            while len(buf) < len(data):
                chunk = s.recv(1 << 20)
                assert chunk, "closed mid-body"
                buf += chunk
            assert buf[: len(data)] == data
            buf = buf[len(data) :]


def test_declined_requests_do_not_hold_the_file(pair: tuple[MediaServer, MediaServer], token: str) -> None:
    """A request the fast path opened the file for, then left to the handler, lets the file go."""
    fast, _ = pair
    head, _ = _answer(fast.port, _req(token, Range="bytes=0-1"))
    etag = head.split(b"\r\nEtag: ")[1].split(b"\r\n")[0].decode()
    declined = {
        "304": {"If-None-Match": etag},
        "206": {"Range": "bytes=0-1,4-5"},
        "416": {"Range": "bytes=9999999-"},
    }
    for status, headers in declined.items():
        assert _answer(fast.port, _req(token, **headers))[0].startswith(f"HTTP/1.1 {status} ".encode())
    file = fast.registry.lookup(token)
    assert file is not None
    with fast.service.files.open(file) as media:
        pass
    fast.service.files.clear()
    assert media.fd == -1  # nothing held it: closed at once
