"""Streaming bodies (both paths: zero-copy sendfile and flushed chunks): clients that vanish
mid-stream, clients that stall (memory stays bounded), files truncated while served."""

from __future__ import annotations

import gc
import os
import socket
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from tests.server._http import RawClient, get, target
from tests.server.conftest import LogWatch
from timeline_lab.server import MediaServer


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    p = tmp_path / "big.mp4"
    with p.open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of zeros without writing them
    return p


def test_disconnect_mid_stream(
    server: MediaServer, big_file: Path, client: RawClient, log_watch: LogWatch
) -> None:
    token = server.registry.register(big_file)
    assert get(client, server, token, Range="bytes=0-0").status == 206  # the file's descriptor is
    before = _fds()  # cached from its first answer on: the baseline holds it (and this connection)
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(f"GET {target(server, token)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        got = 0
        while got < 16 * 1024:
            got += len(s.recv(65536))
        s.close()  # mid-stream: tens of MiB still unsent
    deadline = time.monotonic() + 5
    while _fds() > before and time.monotonic() < deadline:  # server closes the file and socket
        time.sleep(0.02)
    assert _fds() <= before
    assert client.request("GET", server.health_url.removeprefix(server.url[:-1])).status == 200
    r = get(client, server, token, Range="bytes=-10")
    assert r.status == 206 and r.body == b"\0" * 10
    assert log_watch.problems() == []  # quiet: no "Uncaught exception", no short-body error


@pytest.mark.skipif(not hasattr(socket, "SO_RCVBUF"), reason="needs SO_RCVBUF")
def test_memory_bounded_for_stalled_client(server: MediaServer, big_file: Path) -> None:
    """A client that stops reading must not make the server buffer the file (flow control)."""
    token = server.registry.register(big_file)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        s.connect(("127.0.0.1", server.port))
        s.sendall(f"GET {target(server, token)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.5)  # the server fills the socket buffers, then must wait
        held = tracemalloc.get_traced_memory()[0] - base
        s.recv(65536)
        s.close()
    finally:
        tracemalloc.stop()
    assert held < 4 * 1024 * 1024, f"server held {held} bytes for one stalled client"


def test_file_truncated_while_served(server: MediaServer, tmp_path: Path, log_watch: LogWatch) -> None:
    """A file cut short mid-response: the connection is closed (never padded, never other bytes)."""
    path = tmp_path / "shrinks.bin"
    with path.open("wb") as f:
        f.truncate(32 * 1024 * 1024)
    token = server.registry.register(path)
    warned = sum("shrank" in r.getMessage() for r in log_watch.records)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    s.connect(("127.0.0.1", server.port))
    s.settimeout(10)
    s.sendall(f"GET {target(server, token)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    time.sleep(0.3)  # the server is now blocked on a full socket
    with path.open("r+b") as f:
        f.truncate(1024 * 1024)
    got = 0
    while chunk := s.recv(1 << 20):
        got += len(chunk)
    s.close()
    assert got < 32 * 1024 * 1024  # closed early: the client can tell the body is incomplete
    assert log_watch.problems() == []
    assert sum("shrank" in r.getMessage() for r in log_watch.records) == warned + 1
    health = RawClient(server.port)
    assert health.request("GET", server.health_url.removeprefix(server.url[:-1])).status == 200
    health.close()


def test_sendfile_is_used_when_enabled(
    server: MediaServer, client: RawClient, data_file: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = os.sendfile

    def counting(out_fd: int, in_fd: int, offset: int | None, count: int) -> int:
        calls.append(count)
        return real(out_fd, in_fd, offset, count)

    monkeypatch.setattr(os, "sendfile", counting)
    path, data = data_file
    r = get(client, server, server.registry.register(path), Range="bytes=1-40000")
    assert r.status == 206 and r.body == data[1:40001]
    again = get(client, server, server.registry.register(path))  # same keep-alive connection
    assert again.status == 200 and again.body == data
    uses_sendfile = server.service.sendfile and sys.platform.startswith("linux")
    assert bool(calls) == uses_sendfile
