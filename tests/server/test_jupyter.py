"""The server extension inside a real Jupyter server: Jupyter's auth, the base_url prefix, and
tokens sealed by "the kernel" (this test process) opened by the extension."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from timeline_lab.server import MediaRegistry, TokenSealer, jupyter_base_url, media_url, unregister_media

BASE = "/hub/user/alice/"


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"timeline_lab.server.jupyter": True}}}


@pytest.fixture
def jp_base_url() -> str:
    return BASE  # not "/": every route must carry the prefix


@pytest.fixture
def clip(tmp_path: Path) -> tuple[Path, bytes]:
    data = os.urandom(300_000)
    p = tmp_path / "preview.mp4"
    p.write_bytes(data)
    return p, data


@pytest.fixture
def kernel(jp_serverapp: Any) -> MediaRegistry:
    """What a kernel holds: a sealing registry on the server's runtime dir, nothing shared in memory."""
    return MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir))


async def _anon(client: Any, path: str, **kw: Any) -> HTTPResponse:
    return await client.fetch(path, raise_error=False, follow_redirects=False, **kw)  # type: ignore[no-any-return]


async def test_authenticated_gets_exact_bytes(
    jp_fetch: Any, kernel: MediaRegistry, clip: tuple[Path, bytes]
) -> None:
    path, data = clip
    token = kernel.register(path)
    full = await jp_fetch("timeline-lab", "media", token)
    assert full.code == 200 and full.body == data
    assert full.headers["Content-Type"] == "video/mp4"
    assert full.headers["Accept-Ranges"] == "bytes"
    part = await jp_fetch("timeline-lab", "media", token, headers={"Range": "bytes=1000-299999"})
    assert part.code == 206 and part.body == data[1000:]
    assert part.headers["Content-Range"] == f"bytes 1000-299999/{len(data)}"
    assert part.headers["Content-Type"] == "video/mp4"  # not APIHandler's application/json
    head = await jp_fetch("timeline-lab", "media", token, method="HEAD")
    assert head.code == 200 and head.body == b"" and head.headers["Content-Length"] == str(len(data))
    again = await jp_fetch(
        "timeline-lab", "media", token, headers={"If-None-Match": full.headers["ETag"]}, raise_error=False
    )
    assert again.code == 304


async def test_unauthenticated_refused(
    http_server_client: Any, kernel: MediaRegistry, clip: tuple[Path, bytes]
) -> None:
    path, data = clip
    token = kernel.register(path)
    for method in ("GET", "HEAD"):
        r = await _anon(http_server_client, f"{BASE}timeline-lab/media/{token}", method=method)
        assert r.code in (302, 403) and data[:64] not in (r.body or b"")
    bad = await _anon(
        http_server_client, f"{BASE}timeline-lab/media/{token}", headers={"Authorization": "token wrong"}
    )
    assert bad.code == 403
    health = await _anon(http_server_client, f"{BASE}timeline-lab/health")
    assert health.code == 403


async def test_changed_forged_revoked_expired(
    jp_fetch: Any, kernel: MediaRegistry, jp_serverapp: Any, clip: tuple[Path, bytes]
) -> None:
    path, _ = clip
    revoked, changed = kernel.register(path), kernel.register(path)
    past = MediaRegistry(sealer=TokenSealer(jp_serverapp.runtime_dir), clock=lambda: time.time() - 100)
    expired = past.register(path, ttl=10)

    async def status(token: str) -> int:
        return int((await jp_fetch("timeline-lab", "media", token, raise_error=False)).code)

    assert await status(revoked) == 200
    kernel.unregister(revoked)
    assert await status(revoked) == 410
    assert await status(expired) == 410
    assert await status(changed[:-6] + "AAAAAA") == 404  # forged or corrupted
    assert await status("A" * 40) == 404
    other = MediaRegistry(sealer=TokenSealer(path.parent / "elsewhere")).register(path)
    assert await status(other) == 404  # sealed with a key the server does not hold
    with path.open("ab") as f:
        f.write(b"edited")
    assert await status(changed) == 410


async def test_base_url_prefix_and_health(
    jp_fetch: Any,
    http_server_client: Any,
    jp_auth_header: dict[str, str],
    kernel: MediaRegistry,
    clip: tuple[Path, bytes],
) -> None:
    token = kernel.register(clip[0])
    unprefixed = await _anon(http_server_client, f"/timeline-lab/media/{token}", headers=jp_auth_header)
    assert unprefixed.code == 404
    health = await jp_fetch("timeline-lab", "health")
    body = json.loads(health.body)
    assert body["ok"] is True and body["mode"] == "jupyter"
    await jp_fetch("timeline-lab", "media", token)
    assert json.loads((await jp_fetch("timeline-lab", "health")).body)["registered"] >= 1


async def test_media_url_finds_the_extension(
    jp_serverapp: Any,
    http_server_client: Any,
    jp_auth_header: dict[str, str],
    clip: tuple[Path, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kernel started by this server (JPY_PARENT_PID) gets relative URLs under base_url."""
    path, data = clip
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))
    assert jupyter_base_url() == BASE
    url = media_url(path)
    assert url.startswith(f"{BASE}timeline-lab/media/") and str(path) not in url
    r = await _anon(http_server_client, url, headers=jp_auth_header)
    assert r.code == 200 and r.body == data
    assert unregister_media(path) >= 1
    assert (await _anon(http_server_client, url, headers=jp_auth_header)).code == 410
    explicit = media_url(path, base_url="/other/")
    assert explicit.startswith("/other/timeline-lab/media/")


def test_no_extension_means_standalone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "rt"))
    monkeypatch.setenv("JPY_PARENT_PID", "999999999")
    (tmp_path / "f.bin").write_bytes(b"hello")
    assert jupyter_base_url() is None
    url = media_url(tmp_path / "f.bin")
    assert url.startswith("http://127.0.0.1:") and "?key=" in url
    from timeline_lab.server import ServerError

    with pytest.raises(ServerError, match="no Jupyter server"):
        media_url(tmp_path / "f.bin", mode="jupyter")
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"hello"
    assert unregister_media(tmp_path / "f.bin") == 1


def test_shipped_config_enables_the_extension() -> None:
    config = Path(__file__).parents[2] / "jupyter-config" / "jupyter_server_config.d" / "timeline_lab.json"
    assert json.loads(config.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"timeline_lab.server.jupyter": True}}
    }


@pytest.fixture
def jupyter_process(tmp_path: Path) -> Any:
    """A separate ``jupyter server`` process, enabled only by the shipped config file."""
    import secrets
    import socket
    import subprocess
    import sys

    repo = Path(__file__).parents[2]
    rt = tmp_path / "runtime"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(rt),
        "JUPYTER_CONFIG_PATH": str(repo / "jupyter-config"),
    }
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--port-retries=0",
            "--ip=127.0.0.1",
            f"--ServerApp.base_url={BASE}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    marker = rt / f"timeline_lab_media-{proc.pid}.json"
    deadline = time.monotonic() + 90
    while not marker.exists() or not _listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("jupyter server did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
        time.sleep(0.1)
    yield proc, port, token, rt
    proc.terminate()
    proc.wait(30)
    log.close()
    assert not marker.exists(), "the extension's marker must go with the server"


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_separate_server_process(
    jupyter_process: Any, clip: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in real life: kernel and Jupyter server share only the runtime dir."""
    import urllib.error
    import urllib.request

    proc, port, token, rt = jupyter_process
    path, data = clip
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(rt))
    monkeypatch.setenv("JPY_PARENT_PID", str(proc.pid))
    url = media_url(path)
    assert url.startswith(f"{BASE}timeline-lab/media/")

    def get(u: str, **headers: str) -> tuple[int, bytes]:
        req = urllib.request.Request(f"http://127.0.0.1:{port}{u}", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read()

    auth = {"Authorization": f"token {token}"}
    assert get(url, **auth) == (200, data)
    assert get(url, Range="bytes=5-9", **auth) == (206, data[5:10])
    status, body = get(url)
    assert status == 403 and data[:64] not in body
    with path.open("ab") as f:
        f.write(b"x")
    assert get(url, **auth)[0] == 410
    assert json.loads(get(f"{BASE}timeline-lab/health", **auth)[1])["mode"] == "jupyter"


async def test_metrics_inside_jupyter(
    jp_fetch: Any, http_server_client: Any, kernel: MediaRegistry, clip: tuple[Path, bytes]
) -> None:
    """The same Prometheus endpoint behind Jupyter's authentication, counting jupyter-mode requests."""
    token = kernel.register(clip[0])
    await jp_fetch("timeline-lab", "media", token, headers={"Range": "bytes=0-9"})
    metrics = await jp_fetch("timeline-lab", "metrics")
    text = metrics.body.decode()
    assert metrics.headers["Content-Type"].startswith("text/plain")
    assert 'timeline_lab_server_requests_total{mode="jupyter",status="206"}' in text
    anonymous = await _anon(http_server_client, f"{BASE}timeline-lab/metrics")
    assert anonymous.code == 403
