"""The same handlers in both modes: inside a real Jupyter server the shared handlers' own error bodies,
headers, CORS and preflights answer, and Jupyter only adds its login in front."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.base.handlers import APIHandler
from tornado.httpclient import HTTPResponse

from tests.server._http import RawClient
from timeline_lab.server import MediaRegistry, MediaServer, TokenSealer
from timeline_lab.server import jupyter as jmod
from timeline_lab.server.range import HealthHandler, MediaHandler, MetricsHandler, NotFoundHandler

BASE = "/lab/user/carol/"
LAB = "http://lab.example"
SHARED = {
    jmod.JupyterMediaHandler: MediaHandler,
    jmod.JupyterHealthHandler: HealthHandler,
    jmod.JupyterMetricsHandler: MetricsHandler,
    jmod.JupyterNotFoundHandler: NotFoundHandler,
}
# Headers both modes must send alike on a media answer (Date, Server and Jupyter's CSP aside).
SAME = ("content-type", "content-length", "content-range", "accept-ranges", "etag", "cache-control")


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"timeline_lab.server.jupyter": True}, "allow_origin": LAB}}


@pytest.fixture
def jp_base_url() -> str:
    return BASE


@pytest.fixture
def standalone() -> Iterator[MediaServer]:
    with MediaServer(MediaRegistry(), allow_origins=[LAB]) as srv:
        yield srv


async def _fetch(client: Any, path: str, **kw: Any) -> HTTPResponse:
    return await client.fetch(path, raise_error=False, follow_redirects=False, **kw)  # type: ignore[no-any-return]


@pytest.mark.parametrize("jupyter_cls", list(SHARED), ids=lambda c: c.__name__)
def test_shared_methods_come_first(jupyter_cls: type[Any]) -> None:
    """Method order: the login mixin, the shared handler, then Jupyter's APIHandler."""
    shared = SHARED[jupyter_cls]
    mro = jupyter_cls.__mro__
    assert mro.index(shared) < mro.index(APIHandler)
    for name in ("prepare", "write_error", "set_default_headers", "set_cors_headers", "log_exception"):
        assert getattr(jupyter_cls, name) is getattr(shared, name), name
    assert jupyter_cls.SUPPORTED_METHODS == shared.SUPPORTED_METHODS
    assert getattr(jupyter_cls.options, "__allow_unauthenticated", False)  # preflights: no login


@pytest.mark.parametrize(
    ("case", "status"), [("forged", 404), ("changed", 410), ("beyond", 416), ("no-route", 404)]
)
async def test_errors_match_standalone(
    http_server_client: Any,
    jp_serverapp: Any,
    jp_auth_header: dict[str, str],
    standalone: MediaServer,
    clip: Path,
    case: str,
    status: int,
) -> None:
    """The same status line body, Content-Type and media headers as standalone; CORS readable in both."""
    kernel = MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir))
    j_token, s_token = kernel.register(clip), standalone.registry.register(clip)
    if case == "changed":
        with clip.open("ab") as f:
            f.write(b"edited")
    if case == "forged":
        j_token, s_token = j_token[:-6] + "AAAAAA", s_token[:-6] + "AAAAAA"
    suffix = "/more" if case == "no-route" else ""
    headers = {"Origin": LAB, **({"Range": "bytes=999999-"} if case == "beyond" else {})}
    j = await _fetch(
        http_server_client,
        f"{BASE}timeline-lab/media/{j_token}{suffix}",
        headers={**jp_auth_header, **headers},
    )
    c = RawClient(standalone.port)
    try:
        s = c.request(
            "GET", f"/timeline-lab/media/{s_token}{suffix}?key={standalone.access_key}", list(headers.items())
        )
    finally:
        c.close()
    assert j.code == s.status == status
    assert j.body == s.body == (b"" if status == 416 else f"{status} {j.reason}\n".encode())
    for name in SAME:
        assert j.headers.get(name) == s.headers.get(name), name
    assert j.headers["Access-Control-Allow-Origin"] == s.headers["access-control-allow-origin"] == LAB
    assert j.headers["Vary"] == s.headers["vary"] == "Origin"
    if case == "beyond":
        assert j.headers["Content-Range"] == f"bytes */{clip.stat().st_size}"
        assert "Content-Range" in j.headers["Access-Control-Expose-Headers"]


async def test_success_headers_match_standalone(
    jp_fetch: Any, jp_serverapp: Any, standalone: MediaServer, clip: Path
) -> None:
    kernel = MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir))
    j = await jp_fetch("timeline-lab", "media", kernel.register(clip), headers={"Range": "bytes=10-99"})
    c = RawClient(standalone.port)
    try:
        token = standalone.registry.register(clip)
        s = c.request(
            "GET", f"/timeline-lab/media/{token}?key={standalone.access_key}", [("Range", "bytes=10-99")]
        )
    finally:
        c.close()
    assert j.code == s.status == 206 and j.body == s.body == clip.read_bytes()[10:100]
    for name in SAME:
        assert j.headers.get(name) == s.headers.get(name), name
    assert j.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors" in j.headers["Content-Security-Policy"]  # Jupyter's default headers stay


async def test_preflight_answered_by_our_policy(
    http_server_client: Any, jp_serverapp: Any, clip: Path
) -> None:
    """Jupyter's allowed origins (ServerApp.allow_origin), our methods and headers; no login needed."""
    token = MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir)).register(clip)
    url = f"{BASE}timeline-lab/media/{token}"
    asked = {"Origin": LAB, "Access-Control-Request-Method": "GET"}

    async def preflight(**headers: str) -> HTTPResponse:
        return await _fetch(http_server_client, url, method="OPTIONS", headers=headers)

    ok = await preflight(**asked, **{"Access-Control-Request-Headers": "range, authorization"})
    assert ok.code == 204 and ok.body == b""
    assert ok.headers["Access-Control-Allow-Origin"] == LAB
    assert ok.headers["Access-Control-Allow-Methods"] == "GET, HEAD"  # not APIHandler's PUT, POST...
    assert ok.headers["Access-Control-Allow-Headers"] == "range, authorization"
    assert ok.headers["Access-Control-Max-Age"] == "600"
    for bad in (
        {**asked, "Access-Control-Request-Method": "DELETE"},
        {**asked, "Access-Control-Request-Headers": "x-evil"},
        {**asked, "Origin": "http://evil.example"},
    ):
        r = await preflight(**bad)
        assert r.code == 403 and r.body == b"403 Forbidden\n", bad
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    health = await preflight(**asked)
    assert health.code == 204


async def test_unauthenticated_still_refused(http_server_client: Any, jp_serverapp: Any, clip: Path) -> None:
    """Jupyter's login decides, with our error format; an allowed Origin or our key changes nothing."""
    token = MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir)).register(clip)
    for path in (f"timeline-lab/media/{token}", "timeline-lab/health", "timeline-lab/metrics"):
        for method in ("GET", "HEAD"):
            r = await _fetch(
                http_server_client, f"{BASE}{path}?key=x", method=method, headers={"Origin": LAB}
            )
            assert r.code in (302, 403), (path, method)
            assert clip.read_bytes()[:64] not in (r.body or b"")
            if method == "GET":
                assert r.code == 403 and r.body == b"403 Forbidden\n"
        wrong = await _fetch(http_server_client, f"{BASE}{path}", headers={"Authorization": "token wrong"})
        assert wrong.code == 403


async def test_other_origin_cannot_read(
    http_server_client: Any, jp_auth_header: dict[str, str], jp_serverapp: Any, clip: Path
) -> None:
    """An origin Jupyter does not allow gets no CORS grant from us (a page there cannot read the bytes)."""
    token = MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir)).register(clip)
    r = await _fetch(
        http_server_client,
        f"{BASE}timeline-lab/media/{token}",
        headers={**jp_auth_header, "Origin": "http://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in r.headers and r.headers["Vary"] == "Origin"


async def test_media_counts_as_api_activity(jp_fetch: Any, jp_serverapp: Any, clip: Path) -> None:
    """Watching a preview keeps the server from being culled as idle (APIHandler's bookkeeping)."""
    token = MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir)).register(clip)
    settings = jp_serverapp.web_app.settings
    before = settings.get("api_last_activity")
    r = await jp_fetch("timeline-lab", "media", token)
    assert r.headers["Content-Type"] == "video/mp4"
    assert settings["api_last_activity"] is not None and settings["api_last_activity"] != before
