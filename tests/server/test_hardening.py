"""Issue 15's lesser server items over real sockets (standalone server): same-size rewrites, stalled
readers, redacted logs, 431 for oversized heads, CORS on error responses."""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server._http import RawClient, get, target
from tests.server._wait import until
from timeline_lab.server import MediaServer

LAB = "http://localhost:8888"
BIG = 64 * 1024 * 1024  # far more than any socket buffer: a reader that stops leaves the server waiting
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts fds in /proc")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def big(tmp_path: Path) -> Path:
    p = tmp_path / "big.mp4"
    with p.open("wb") as f:
        f.truncate(BIG)  # sparse: instant, reads as zeros
    return p


# --- 1. a same-size rewrite with the mtime put back --------------------------------------------------


def _rewrite_in_place(path: Path) -> None:
    st = path.stat()
    with path.open("r+b") as f:
        f.write(b"\xff" * 16)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _rename_over(path: Path) -> None:
    st = path.stat()
    other = path.with_name("other.mp4")
    other.write_bytes(b"\xff" * st.st_size)
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, path)


@pytest.mark.parametrize("rewrite", [_rewrite_in_place, _rename_over], ids=["in-place", "rename-over"])
@pytest.mark.parametrize("sendfile", [True, False], ids=["sendfile", "chunks"])
def test_same_size_rewrite_with_mtime_put_back_is_410(
    tmp_path: Path, rewrite: Callable[[Path], None], sendfile: bool
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(4096))
    with MediaServer(sendfile=sendfile) as srv:
        c = RawClient(srv.port)
        old = srv.registry.register(path)
        first = get(c, srv, old)
        assert first.status == 200 and first.body == bytes(4096)
        before = path.stat()
        rewrite(path)
        after = path.stat()
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
        assert get(c, srv, old).status == 410
        fresh = get(c, srv, srv.registry.register(path))
        assert fresh.status == 200 and fresh.body[:16] == b"\xff" * 16
        assert fresh.headers["etag"] != first.headers["etag"]  # no 304 for the old bytes in a cache
        c.close()


# --- 2. stalled readers ------------------------------------------------------------------------------


def _open_range(srv: MediaServer, token: str) -> socket.socket:
    """A client with a tiny receive window that asks for everything and then reads nothing."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", srv.port))
    s.sendall(f"GET {target(srv, token)} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n".encode())
    return s


def _drain(s: socket.socket, timeout: float) -> tuple[int, bool]:
    """Bytes read until EOF (or reset); True if EOF came before ``timeout``."""
    s.settimeout(timeout)
    total = 0
    try:
        while chunk := s.recv(1 << 20):
            total += len(chunk)
    except ConnectionResetError:
        pass
    except TimeoutError:
        return total, False
    return total, True


@linux_only
@pytest.mark.parametrize("sendfile", [True, False], ids=["sendfile", "chunks"])
def test_stalled_reader_is_disconnected(big: Path, sendfile: bool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "timeline_lab.server")
    threads0, fds0 = threading.active_count(), _fds()
    with MediaServer(stall_timeout=1.0, sendfile=sendfile) as srv:
        token = srv.registry.register(big)
        warm = RawClient(srv.port)  # the file's descriptor is cached from its first answer on
        assert get(warm, srv, token, Range="bytes=0-0").status == 206
        warm.close()
        assert until(lambda: len(srv.service.files) == 1, 5)
        time.sleep(0.1)  # the server's end of that connection closes too
        fds = _fds()
        stalled = _open_range(srv, token)
        start = time.monotonic()
        assert until(lambda: _fds() > fds + 1, 5)  # the server holds its socket and the file
        others = RawClient(srv.port)  # served while the stalled one waits
        r = get(others, srv, token, Range="bytes=0-99")
        assert r.status == 206 and r.body == bytes(100)
        others.close()
        assert until(lambda: _fds() == fds + 1, 10), "the server kept the stalled connection"
        took = time.monotonic() - start
        assert 0.9 < took < 5, took
        total, eof = _drain(stalled, 10)
        stalled.close()
        assert eof and total < BIG
        assert any("read nothing for 1s" in m for m in caplog.messages)
        again = RawClient(srv.port)
        assert get(again, srv, token, Range="bytes=5-9").status == 206  # still serving
        again.close()
    assert threading.active_count() == threads0  # the server thread is gone
    assert until(lambda: _fds() == fds0, 5)  # and every descriptor it had (listener, loop, files)


@linux_only
@pytest.mark.parametrize("sendfile", [True, False], ids=["sendfile", "chunks"])
def test_slow_but_steady_reader_is_not_cut_off(
    big: Path, sendfile: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Progress is the socket draining at all, not a write finishing: 4x the timeout at ~300 KiB/s."""
    caplog.set_level(logging.INFO, "timeline_lab.server")
    with MediaServer(stall_timeout=0.5, sendfile=sendfile) as srv:
        fds = _fds()
        s = _open_range(srv, srv.registry.register(big))
        s.settimeout(5)
        received, end = 0, time.monotonic() + 2.0
        while time.monotonic() < end:
            chunk = s.recv(32 * 1024)
            assert chunk, "the server closed a reader that kept reading"
            received += len(chunk)
            time.sleep(0.1)
        assert _fds() > fds + 1  # the server's side is still open (buffered bytes alone cannot tell)
        assert not any("read nothing" in m for m in caplog.messages)
        s.close()
    assert received > 0


def test_stall_timeout_is_validated() -> None:
    with pytest.raises(ValueError, match="stall_timeout"):
        MediaServer(stall_timeout=0)
    with pytest.raises(ValueError, match="max_header_size"):
        MediaServer(max_header_size=10**6)


# --- 3. no token or key in any log line -----------------------------------------------------------


@pytest.fixture
def all_logs() -> Iterator[list[logging.LogRecord]]:
    """Every record at DEBUG and up, from every logger (the server thread's included)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    # "tornado" too: a Jupyter server started earlier in this process re-parents it under its own logger.
    loggers = [logging.getLogger(), logging.getLogger("tornado")]
    ours = logging.getLogger("timeline_lab")  # configure_logging (another test) may have left it at INFO
    handler, levels = Keep(logging.DEBUG), [lg.level for lg in [*loggers, ours]]
    for lg in loggers:
        lg.addHandler(handler)
    for lg in [*loggers, ours]:
        lg.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
        for lg, level in zip([*loggers, ours], levels, strict=True):
            lg.setLevel(level)


def _text(r: logging.LogRecord) -> str:
    exc = logging.Formatter().formatException(r.exc_info) if r.exc_info else ""
    return f"{r.name}: {r.getMessage()} {exc}"


def test_logs_never_carry_tokens_or_keys(tmp_path: Path, all_logs: list[logging.LogRecord]) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"0123456789")
    with MediaServer() as srv:
        key, token = srv.access_key, srv.registry.register(path)
        c = RawClient(srv.port)
        base = f"/timeline-lab/media/{token}"
        bad_key = "WRONGKEY" + key[8:]
        assert c.request("GET", f"{base}?key={key}").status == 200
        assert c.request("GET", f"{base}?key={bad_key}").status == 403
        assert c.request("GET", f"/timeline-lab/media/X{token}?key={key}").status == 404
        assert c.request("GET", f"{base}/more?key={key}&token={key}").status == 404
        # Tornado's own warnings quote raw bytes: "Invalid unicode in key", "Invalid header value"
        assert c.request("GET", f"{base}?key=%FF%FE{key}").status == 400
        assert c.request("GET", base, [("X-Timeline-Lab-Key", f"{key}\x01")]).status == 400
        assert c.request("GET", f"/timeline-lab/health?key={key}").status == 200
        # the name percent-encoded, as the server decodes it: k%65y is key
        assert c.request("GET", f"{base}?k%65y={key}").status == 200
        assert c.request("GET", f"{base}?%4B%45%59={key}&v=1").status in (200, 403)
        c.close()
    texts = [_text(r) for r in all_logs]
    access = [t for t in texts if t.startswith("timeline_lab.server") and "GET" in t]
    assert len(access) >= 6 and all("<redacted>" in t for t in access), access
    # (by message, not logger name: a Jupyter server started earlier renames Tornado's loggers)
    assert any("Invalid unicode in key: <redacted>" in t for t in texts)
    assert any("Malformed HTTP message from 127.0.0.1: Invalid header value <redacted>" in t for t in texts)
    for secret in (key, token, bad_key, key[:12], token[:12]):
        leaks = [t for t in texts if secret in t]
        assert leaks == [], leaks


# --- 4. 431 for oversized heads; 5. CORS on error responses --------------------------------------


def test_oversized_head_gets_431(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"0123456789")
    with MediaServer() as srv:
        c = RawClient(srv.port)
        token = srv.registry.register(path)
        r = get(c, srv, token, X_Padding="a" * 20_000)
        assert r.status == 431 and r.body == b"431 Request Header Fields Too Large\n"
        many: list[tuple[str, str | bytes]] = [(f"X-H{i}", "b" * 100) for i in range(200)]  # 20 KB
        assert c.request("GET", target(srv, token), many).status == 431
        assert c.request("GET", "/nowhere", many).status == 431  # before routing decides 404
        assert get(c, srv, token, X_Padding="a" * 15_000).status == 200  # under the limit
        # Past Tornado's own 64 KiB the connection is closed unanswered: it never read the whole head.
        assert get(c, srv, token, X_Padding="a" * 70_000).status == 0
        fresh = RawClient(srv.port)
        assert get(fresh, srv, token).status == 200
        fresh.close()
        c.close()


def test_errors_keep_cors_headers_for_allowed_origins(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"0123456789")
    with MediaServer(allow_origins=[LAB]) as srv:
        c = RawClient(srv.port)
        token = srv.registry.register(path)
        gone = srv.registry.register(path)
        srv.registry.unregister(gone)
        cases = {
            403: (target(srv, token, key="wrong"), []),
            404: (target(srv, "nope"), []),
            416: (target(srv, token), [("Range", "bytes=99-")]),
            431: (target(srv, token), [("X-Padding", "a" * 20_000)]),
        }
        for status, (url, headers) in cases.items():
            for origin, allowed in ((LAB, True), ("http://evil.example", False)):
                r = c.request("GET", url, [("Origin", origin), *headers])
                assert r.status == status
                assert r.headers.get("access-control-allow-origin") == (origin if allowed else None), status
                assert r.headers["vary"] == "Origin"
                if allowed:
                    assert "Content-Range" in r.headers["access-control-expose-headers"]
        c.close()
