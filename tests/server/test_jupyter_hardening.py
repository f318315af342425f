"""Issue 15's lesser server items inside a real Jupyter server: redacted log lines, stalled readers,
CORS on error responses, and what Jupyter's own header limit means for us."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tornado.httpclient import HTTPResponse

from timeline_lab.server import MediaRegistry, TokenSealer
from timeline_lab.server.jupyter import STALL_TIMEOUT_SETTING

BASE = "/lab/user/bob/"
LAB = "http://lab.example"
BIG = 64 * 1024 * 1024


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"timeline_lab.server.jupyter": True},
            "tornado_settings": {STALL_TIMEOUT_SETTING: 1.0},
            "allow_origin": LAB,
        }
    }


@pytest.fixture
def jp_base_url() -> str:
    return BASE


@pytest.fixture
def kernel(jp_serverapp: Any) -> MediaRegistry:
    return MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir))


@pytest.fixture
def logs(jp_serverapp: Any) -> Iterator[list[logging.LogRecord]]:
    """Every record of Jupyter's logger, Tornado's and the root's, at DEBUG and up."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    loggers = [jp_serverapp.log, logging.getLogger("tornado"), logging.getLogger()]
    handler, levels = Keep(logging.DEBUG), [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)


async def _fetch(client: Any, path: str, **kw: Any) -> HTTPResponse:
    return await client.fetch(path, raise_error=False, follow_redirects=False, **kw)  # type: ignore[no-any-return]


async def test_jupyter_logs_never_carry_tokens(
    http_server_client: Any,
    jp_serverapp: Any,
    jp_auth_header: dict[str, str],
    kernel: MediaRegistry,
    clip: Path,
    logs: list[logging.LogRecord],
) -> None:
    token = kernel.register(clip)
    jtoken = jp_serverapp.identity_provider.token
    media = f"{BASE}timeline-lab/media/{token}"
    forged = token[:-6] + "AAAAAA"
    expected = {
        f"{media}?token={quote(jtoken)}": 200,  # Jupyter's token in the query (its own scrubber hides it too)
        media: 403,  # no login: Jupyter's "403 GET ..." warning
        f"{BASE}timeline-lab/media/{forged}": 404,
        f"{media}/more": 404,  # under our prefix but no route: still our handler, still redacted
    }
    for url, status in expected.items():
        headers = {} if "token=" in url or status == 403 else jp_auth_header
        assert (await _fetch(http_server_client, url, headers=headers)).code == status, url
    kernel.unregister(token)
    assert (await _fetch(http_server_client, media, headers=jp_auth_header)).code == 410
    cross = await _fetch(
        http_server_client, media, headers={**jp_auth_header, "Referer": "http://evil.example/x"}
    )
    assert cross.code in (403, 404, 410)
    texts = [f"{r.name}: {r.getMessage()}" for r in logs]
    lines = [t for t in texts if "timeline-lab/media/" in t]
    assert len(lines) >= 5 and all("timeline-lab/media/<redacted>" in t for t in lines), lines
    assert any(" 403 GET " in t or t.split(": ", 1)[1].startswith("403 GET") for t in lines), lines
    for secret in (token, forged, jtoken, token[:16], jtoken[:12]):
        assert [t for t in texts if secret in t] == []


async def test_jupyter_stalled_reader_is_disconnected(
    http_server_client: Any,  # starts the server on jp_http_port
    jp_http_port: int,
    jp_auth_header: dict[str, str],
    kernel: MediaRegistry,
    tmp_path: Path,
    logs: list[logging.LogRecord],
) -> None:
    """The stall timeout comes from ``ServerApp.tornado_settings`` (1 s here; 60 s by default)."""
    big = tmp_path / "big.mp4"
    with big.open("wb") as f:
        f.truncate(BIG)
    token = kernel.register(big)
    loop = asyncio.get_running_loop()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setblocking(False)
    try:
        await loop.sock_connect(s, ("127.0.0.1", jp_http_port))
        auth = "".join(f"{k}: {v}\r\n" for k, v in jp_auth_header.items())
        head = f"GET {BASE}timeline-lab/media/{token} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n"
        await loop.sock_sendall(s, head.encode())
        await asyncio.sleep(2.5)  # the server's loop runs meanwhile: this is its stall
        total = 0
        while chunk := await asyncio.wait_for(loop.sock_recv(s, 1 << 20), 10):
            total += len(chunk)
        assert total < BIG
    finally:
        s.close()
    assert any("read nothing for 1s" in r.getMessage() for r in logs)


async def test_jupyter_errors_keep_cors_headers(
    http_server_client: Any, jp_auth_header: dict[str, str], kernel: MediaRegistry, clip: Path
) -> None:
    """Jupyter's own CORS policy (``ServerApp.allow_origin``) on our error responses too."""
    token = kernel.register(clip)
    headers = {**jp_auth_header, "Origin": LAB}
    ok = await _fetch(http_server_client, f"{BASE}timeline-lab/media/{token}", headers=headers)
    assert ok.code == 200 and ok.headers["Access-Control-Allow-Origin"] == LAB
    missing = await _fetch(http_server_client, f"{BASE}timeline-lab/media/{'A' * 40}", headers=headers)
    assert missing.code == 404 and missing.headers["Access-Control-Allow-Origin"] == LAB
    beyond = await _fetch(
        http_server_client,
        f"{BASE}timeline-lab/media/{token}",
        headers={**headers, "Range": "bytes=999999-"},
    )
    assert beyond.code == 416 and beyond.headers["Access-Control-Allow-Origin"] == LAB


async def test_jupyter_header_limit_is_jupyters(
    http_server_client: Any, jp_auth_header: dict[str, str], kernel: MediaRegistry, clip: Path
) -> None:
    """Jupyter mode adds no limit of its own: 20 KB of headers (a big cookie jar) is served; past
    Jupyter's HTTP server's limit (Tornado's 64 KiB) that server closes the connection, not us."""
    token = kernel.register(clip)
    r = await _fetch(
        http_server_client,
        f"{BASE}timeline-lab/media/{token}",
        headers={**jp_auth_header, "X-Padding": "a" * 20_000},
    )
    assert r.code == 200
