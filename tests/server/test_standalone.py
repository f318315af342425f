"""The standalone server's lifecycle: idempotent start/stop, free port, loopback only, daemon thread."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from timeline_lab.server import MediaServer, ServerError


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return bytes(r.read())


def test_start_stop_idempotent(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(b"abc")
    srv = MediaServer()
    with pytest.raises(ServerError, match="not running"):
        _ = srv.port
    assert srv.start() is srv
    port = srv.port
    assert srv.start().port == port  # second start: same server
    threads = [t for t in threading.enumerate() if t.name == f"timeline-lab-media:{port}"]
    assert len(threads) == 1 and threads[0].daemon
    url = srv.media_url(tmp_path / "f.bin")
    assert url.startswith(f"http://127.0.0.1:{port}/timeline-lab/media/")
    assert _fetch(url) == b"abc"
    srv.stop()
    srv.stop()
    assert not srv.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    srv.start()  # restartable; tokens survive (same registry)
    try:
        assert _fetch(srv.url_for(url.split("/")[-1].split("?")[0])) == b"abc"
    finally:
        srv.stop()


def test_concurrent_start_makes_one_server() -> None:
    srv = MediaServer()
    ports: list[int] = []
    threads = [threading.Thread(target=lambda: ports.append(srv.start().port)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(set(ports)) == 1
    finally:
        srv.stop()


def test_two_servers_two_ports_two_keys(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(b"x")
    with MediaServer() as a, MediaServer() as b:
        assert a.port != b.port and a.access_key != b.access_key
        token = a.registry.register(tmp_path / "f.bin")
        with pytest.raises(urllib.error.HTTPError) as err:
            _fetch(b.url_for(token))  # b has its own registry
        assert err.value.code == 404
        err.value.close()
        forged = a.url_for(token).replace(a.access_key, b.access_key)
        with pytest.raises(urllib.error.HTTPError) as err:
            _fetch(forged)
        assert err.value.code == 403
        err.value.close()


def test_listens_on_loopback_only() -> None:
    with MediaServer() as srv:
        assert srv.url == f"http://127.0.0.1:{srv.port}/"
        assert "127.0.0.1" in repr(srv)


def test_port_in_use_is_a_server_error() -> None:
    with MediaServer() as a, pytest.raises(ServerError, match="cannot listen"):
        MediaServer(port=a.port).start()
