"""Capability objects refuse what the manifest does not declare: files, hosts, subprocesses, events."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from timeline_lab.core.events import EventBus, RenderCompleted
from timeline_lab.plugins import PermissionDenied, PluginContext, PluginFailed

from ._samples import Pong, manifest


def _symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not available")


def make_ctx(
    base: Path, errors: list[tuple[str, BaseException]] | None = None, **perms: object
) -> PluginContext:
    sink = errors if errors is not None else []
    return PluginContext(
        manifest("p", permissions=perms),
        bus=EventBus(),
        base=base,
        on_error=lambda stage, exc: sink.append((stage, exc)),
    )


# -- files -----------------------------------------------------------------------------------------
@pytest.fixture
def dirs(tmp_path: Path) -> Path:
    """tmp/{media/clip.txt, media-evil/x, cache/, secret/key, media/out -> secret, cache/up -> secret}."""
    for d in ("media", "media-evil", "cache", "secret"):
        (tmp_path / d).mkdir()
    (tmp_path / "media" / "clip.txt").write_text("clip")
    (tmp_path / "media-evil" / "x").write_text("evil")
    (tmp_path / "secret" / "key").write_text("k")
    _symlink(tmp_path / "media" / "out", tmp_path / "secret")
    _symlink(tmp_path / "media" / "key-link", tmp_path / "secret" / "key")
    _symlink(tmp_path / "cache" / "up", tmp_path / "secret")
    return tmp_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("media/clip.txt", "clip"),
        ("media/../media/clip.txt", "clip"),
        ("media/../secret/key", "fs_read"),
        ("media/out/key", "fs_read"),  # a symlinked folder inside the root leading outside
        ("media/key-link", "fs_read"),  # a symlinked file leading outside
        ("media-evil/x", "fs_read"),  # same string prefix as the root, different folder
        ("secret/key", "fs_read"),
        ("/etc/hostname", "fs_read"),
        ("cache/up/key", "fs_read"),
    ],
)
def test_fs_read_confined(dirs: Path, path: str, expected: str) -> None:
    fs = make_ctx(dirs, fs_read=["media"], fs_write=["cache"]).fs
    if expected == "clip":
        assert fs.read_text(path) == "clip"
    else:
        with pytest.raises(PermissionDenied, match=expected) as info:
            fs.read_text(path)
        assert repr(path) in str(info.value) and "'p'" in str(info.value)


def test_fs_write_confined(dirs: Path) -> None:
    fs = make_ctx(dirs, fs_read=["media"], fs_write=["cache"]).fs
    fs.write_text("cache/thumbs/1.txt", "t")
    assert fs.read_text("cache/thumbs/1.txt") == "t"  # a write root is readable
    assert fs.listdir("cache") == ["thumbs", "up"]
    for bad in ("media/new.txt", "cache/up/key", "cache/../secret/key", str(dirs / "secret" / "new")):
        with pytest.raises(PermissionDenied, match="fs_write"):
            fs.write_text(bad, "x")
    with pytest.raises(PermissionDenied, match="fs_write"):
        fs.mkdir("cache/up/sub")
    with pytest.raises(PermissionDenied, match="fs_write"):
        fs.delete("media/clip.txt")
    assert (dirs / "secret" / "key").read_text() == "k"
    assert sorted(p.name for p in (dirs / "secret").iterdir()) == ["key"]
    none = make_ctx(dirs).fs
    with pytest.raises(PermissionDenied, match="declared: none"):
        none.read_text("media/clip.txt")


# -- network ---------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    hosts: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hosts.append(self.headers.get("Host", ""))
        port = self.server.server_address[1]
        target = {"/to-localhost": f"http://localhost:{port}/ok", "/to-self": f"http://127.0.0.1:{port}/ok"}
        if self.path in target:
            self.send_response(302)
            self.send_header("Location", target[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server on 127.0.0.1 recording the Host header of each request."""
    _Handler.hosts = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], _Handler.hosts
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_declared_host_works_and_others_are_refused(tmp_path: Path, server: tuple[int, list[str]]) -> None:
    port, hosts = server
    ctx = make_ctx(tmp_path, network=["127.0.0.1"])
    try:
        assert ctx.http.get(f"http://127.0.0.1:{port}/ok").text == "hello"
        assert ctx.http.get(f"http://127.0.0.1:{port}/to-self").text == "hello"  # redirect to a declared host
        with pytest.raises(PermissionDenied, match=r"'localhost'.*declared: \['127.0.0.1'\]"):
            ctx.http.get(f"http://localhost:{port}/ok")
        with pytest.raises(PermissionDenied, match="'localhost'"):
            ctx.http.get(f"http://127.0.0.1:{port}/to-localhost")  # the redirect hop is checked too
        with pytest.raises(PermissionDenied, match="'localhost'"):
            ctx.http.get(f"http://127.0.0.1:{port}/to-localhost", follow_redirects=True)
    finally:
        ctx.close()
    assert all(h.startswith("127.0.0.1") for h in hosts)  # nothing ever reached the server as localhost
    assert len(hosts) == 5


@pytest.mark.parametrize(
    "url",
    [
        "http://evilexample.com/",
        "http://example.com.evil.net/",
        "http://example.com@evil.net/",  # userinfo trick: the host is evil.net
        "https://evil.net/?u=http://a.example.com",
        "http://xn--80ak6aa92e.com/",
        "ftp://a.example.com/",
    ],
)
def test_undeclared_urls_are_refused_without_connecting(tmp_path: Path, url: str) -> None:
    ctx = make_ctx(tmp_path, network=["*.example.com", "example.com"])
    with pytest.raises(PermissionDenied, match=r"may not connect|scheme"):
        ctx.http.get(url)
    ctx.close()


def test_no_network_permission(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path)
    with pytest.raises(PermissionDenied, match="declared: none"):
        ctx.http.get("http://127.0.0.1:9/")
    ctx.close()


# -- subprocess and bus ----------------------------------------------------------------------------
def test_subprocess_only_if_declared(tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied, match="subprocess"):
        make_ctx(tmp_path).run([sys.executable, "-c", "print(1)"])
    ctx = make_ctx(tmp_path, subprocess=True, fs_read=["."])
    assert ctx.run([sys.executable, "-c", "print(6 * 7)"], cwd=".").stdout.strip() == b"42"
    with pytest.raises(TypeError, match="argument list"):
        ctx.run("echo hi")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied, match="fs_read"):
        ctx.run([sys.executable, "-c", "1"], cwd="/")


def test_bus_publish_own_events_only_and_subscriptions_end(tmp_path: Path) -> None:
    errors: list[tuple[str, BaseException]] = []
    ctx = make_ctx(tmp_path, errors)
    got: list[Pong] = []
    ctx.bus.subscribe(Pong, got.append)
    ctx.bus.publish(Pong("a"))
    with pytest.raises(PermissionDenied, match="RenderCompleted"):
        ctx.bus.publish(RenderCompleted("job", tmp_path / "x.mp4", 1, 0.1))
    with pytest.raises(PermissionDenied, match="PluginFailed"):
        ctx.bus.publish(PluginFailed("other", "handle", "forged"))

    def bad(event: Pong) -> None:
        raise ValueError("subscriber broke")

    ctx.bus.subscribe(Pong, bad)
    ctx.bus.publish(Pong("b"))
    assert [p.text for p in got] == ["a", "b"]
    assert [(stage, str(exc)) for stage, exc in errors] == [("event", "subscriber broke")]
    ctx.close()
    ctx.bus.publish(Pong("c"))
    assert len(got) == 2


def test_bus_gives_no_way_to_the_app_bus_or_app_event_types(tmp_path: Path) -> None:
    from dataclasses import dataclass

    from timeline_lab.core.events import Event

    app_bus = EventBus()
    ctx = PluginContext(manifest("p"), bus=app_bus, base=tmp_path, on_error=lambda stage, exc: None)
    reachable = [getattr(ctx.bus, name, None) for name in dir(ctx.bus)]
    assert app_bus not in reachable and not hasattr(ctx.bus, "_bus") and not hasattr(ctx.bus, "__dict__")
    with pytest.raises(AttributeError):
        ctx.bus._bus = app_bus  # type: ignore[attr-defined]

    @dataclass(frozen=True)
    class LooksFinished(RenderCompleted):  # a plugin's subclass reaches RenderCompleted subscribers
        pass

    seen: list[RenderCompleted] = []
    app_bus.subscribe(RenderCompleted, seen.append)
    with pytest.raises(PermissionDenied, match=r"LooksFinished .*subclass of RenderCompleted"):
        ctx.bus.publish(LooksFinished("job", tmp_path / "x.mp4", 1, 0.1))
    with pytest.raises(PermissionDenied, match="app event Event"):
        ctx.bus.publish(Event())
    assert seen == []
