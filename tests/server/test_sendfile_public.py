"""The zero-copy path on public Tornado API: its response head is Tornado's byte for byte, keep-alive
is Tornado's, the Content-Length accounting is ours and strict, and no private Tornado attribute is
touched anywhere in the server handlers."""

from __future__ import annotations

import ast
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.httputil import HTTPHeaders, HTTPOutputError

import timeline_lab.server as server_pkg
from timeline_lab.server import MediaRegistry, MediaServer
from timeline_lab.server._sendfile import ZeroCopy

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sendfile path is Linux only")


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[MediaServer, MediaServer]]:
    """One registry behind two servers: zero-copy, and Tornado's own writes (the reference)."""
    registry = MediaRegistry()
    with (
        MediaServer(registry, sendfile=True, access_key="k") as zero,
        MediaServer(registry, sendfile=False, access_key="k") as plain,
    ):
        yield zero, plain


def _exchange(port: int, requests: list[bytes]) -> list[tuple[bytes, bytes]]:
    """Send the requests pipelined on one connection; (head, body) of each answer, in order."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"".join(requests))
        buf, out = b"", list[tuple[bytes, bytes]]()
        for _ in requests:
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(1 << 16)
                assert chunk, f"closed after {len(out)} answers"
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            length = int(re.search(rb"\r\nContent-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
            while len(buf) < length:
                chunk = s.recv(1 << 20)
                assert chunk, "closed mid-body"
                buf += chunk
            out.append((head, buf[:length]))
            buf = buf[length:]
        s.settimeout(0.5)
        try:
            rest = s.recv(1)
        except TimeoutError:
            rest = None  # still open
        out.append((b"closed" if rest == b"" else b"open", b""))
    return out


def _request(token: str, version: str = "1.1", **headers: str) -> bytes:
    lines = [f"GET /timeline-lab/media/{token}?key=k HTTP/{version}", "Host: 127.0.0.1"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _masked(head: bytes) -> bytes:
    """Without what differs by design: the date, and a multipart answer's random boundary."""
    head = re.sub(rb"\r\nDate: [^\r]*", b"", head)
    return re.sub(rb"boundary=[0-9a-f]+", b"boundary=B", head)


CASES = {
    "full": {},
    "range": {"Range": "bytes=100-200099"},
    "suffix": {"Range": "bytes=-5"},
    "multipart": {"Range": "bytes=0-9,1000-1999"},
    "close": {"Connection": "close"},
}


@pytest.mark.parametrize("case", list(CASES))
def test_head_is_tornados_byte_for_byte(
    pair: tuple[MediaServer, MediaServer], tmp_path: Path, case: str
) -> None:
    """If Tornado changes how it writes a head (or the Connection rule), this fails loudly."""
    zero, plain = pair
    p = tmp_path / "clip.mp4"
    p.write_bytes(bytes(range(256)) * 1000)
    token = zero.registry.register(p)
    req = _request(token, **CASES[case])
    (z_head, z_body), z_state = _exchange(zero.port, [req])
    (p_head, p_body), p_state = _exchange(plain.port, [req])
    assert _masked(z_head) == _masked(p_head)
    assert len(z_body) == len(p_body)
    if case != "multipart":
        assert z_body == p_body
    assert z_state == p_state == ((b"closed" if case == "close" else b"open"), b"")


@pytest.mark.parametrize(
    ("version", "headers", "state"),
    [
        ("1.1", {}, b"open"),
        ("1.1", {"Connection": "close"}, b"closed"),
        ("1.0", {"Connection": "keep-alive"}, b"open"),
        ("1.0", {}, b"closed"),
    ],
)
def test_keep_alive_after_sendfile(
    pair: tuple[MediaServer, MediaServer], tmp_path: Path, version: str, headers: dict[str, str], state: bytes
) -> None:
    """Pipelined requests on one connection after zero-copy answers, per Tornado's keep-alive rule."""
    zero, plain = pair
    p = tmp_path / "clip.mp4"
    data = bytes(range(256)) * 4096
    p.write_bytes(data)
    token = zero.registry.register(p)
    n = 3 if state == b"open" else 1
    reqs = [
        _request(token, version, Range=f"bytes={i * 1000}-{i * 1000 + 65535}", **headers) for i in range(n)
    ]
    for srv in (zero, plain):
        answers = _exchange(srv.port, reqs)
        for i, (head, body) in enumerate(answers[:-1]):
            assert head.startswith(b"HTTP/1.1 206 ") and body == data[i * 1000 : i * 1000 + 65536]
            keep = b"\r\nConnection: Keep-Alive" in head
            assert keep == (version == "1.0" and state == b"open")
        assert answers[-1] == (state, b"")


class _FakeStream:
    def __init__(self) -> None:
        self.closed_ = False

    def close(self) -> None:
        self.closed_ = True

    def closed(self) -> bool:
        return self.closed_


def test_accounting_is_strict() -> None:
    """Too many or too few body bytes: the connection is closed and an HTTPOutputError raised, as Tornado
    does for its own writes (a client must never mistake a short or padded body for the file)."""
    zc = ZeroCopy.__new__(ZeroCopy)  # the accounting alone: no socket needed
    zc.stream = _FakeStream()  # type: ignore[assignment]
    zc._remaining = 10
    zc._count(4)
    with pytest.raises(HTTPOutputError, match="less than Content-Length"):
        zc.finish()
    assert zc.stream.closed()
    zc.stream, zc._remaining = _FakeStream(), 3  # type: ignore[assignment]
    with pytest.raises(HTTPOutputError, match="more data than Content-Length"):
        zc._count(4)
    assert zc.stream.closed()


def test_encode_head_rejects_crlf() -> None:
    from tornado.httputil import HTTPServerRequest, RequestStartLine, ResponseStartLine

    from timeline_lab.server._sendfile import encode_head

    req = HTTPServerRequest(
        headers=HTTPHeaders({"Host": "x"}), start_line=RequestStartLine("GET", "/", "HTTP/1.1")
    )
    ok = encode_head(ResponseStartLine("", 206, "Partial Content"), HTTPHeaders({"A": "b"}), req, True)
    assert ok == b"HTTP/1.1 206 Partial Content\r\nA: b\r\n\r\n"
    bad = HTTPHeaders({"A": "b\r\nInjected: 1"})  # set_header refuses this already; so does the encoder
    with pytest.raises(ValueError, match="CR or LF"):
        encode_head(ResponseStartLine("", 200, "OK"), bad, req, True)


_OURS = re.compile(r"_[a-z]\w*")


@pytest.mark.parametrize(
    "module", ["_sendfile.py", "range.py", "jupyter.py", "_fastpath.py", "_filecache.py", "_connections.py"]
)
def test_no_private_tornado_attributes(module: str) -> None:
    """Every ``x._name`` in the handlers is a name our own code defines (no Tornado or Jupyter insides)."""
    tree = ast.parse((Path(server_pkg.__file__).parent / module).read_text())
    defined = {
        n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    used = {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and _OURS.fullmatch(n.attr) and not n.attr.startswith("__")
    }
    assert used - defined == set()
    assert "_expected_content_remaining" not in (Path(server_pkg.__file__).parent / module).read_text()
