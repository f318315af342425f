"""The range handler over real HTTP (standalone server on 127.0.0.1): ranges, validators, HEAD,
multipart, 416, changed files, CORS, the access key and health. Both body paths (sendfile, chunks)."""

from __future__ import annotations

import email.parser
from pathlib import Path

import pytest

from tests.server._http import RawClient, Response, get, target
from tests.server.conftest import Clock
from timeline_lab.server import MediaServer
from timeline_lab.server._ranges import http_date


@pytest.mark.parametrize(
    ("range_header", "status", "expected"),
    [
        (None, 200, slice(None)),
        ("bytes=0-0", 206, slice(0, 1)),
        ("bytes=100-4195", 206, slice(100, 4196)),  # crosses chunk boundaries
        ("bytes=49000-", 206, slice(49000, None)),
        ("bytes=-100", 206, slice(-100, None)),
        ("bytes=49990-60000", 206, slice(49990, None)),
        ("bytes=50000-", 416, None),
        ("bytes=-0", 416, None),
        ("bytes=5-1", 200, slice(None)),  # invalid: ignored
        ("lines=0-5", 200, slice(None)),
    ],
)
def test_single_ranges(
    server: MediaServer,
    client: RawClient,
    data_file: tuple[Path, bytes],
    range_header: str | None,
    status: int,
    expected: slice | None,
) -> None:
    path, data = data_file
    token = server.registry.register(path)
    r = get(client, server, token, **({"Range": range_header} if range_header else {}))
    assert r.status == status
    assert r.headers["accept-ranges"] == "bytes"
    if expected is None:
        assert r.headers["content-range"] == f"bytes */{len(data)}"
        assert r.body == b""
        return
    assert r.body == data[expected]
    assert r.headers["content-type"] == "video/mp4"
    assert int(r.headers["content-length"]) == len(r.body)
    if status == 206:
        start = expected.indices(len(data))[0]
        assert r.headers["content-range"] == f"bytes {start}-{start + len(r.body) - 1}/{len(data)}"


def test_head_matches_get(server: MediaServer, client: RawClient, data_file: tuple[Path, bytes]) -> None:
    token = server.registry.register(data_file[0])
    for extra in ([], [("Range", "bytes=10-19")], [("Range", "bytes=0-1,5-6")]):
        g = client.request("GET", target(server, token), extra)
        h = client.request("HEAD", target(server, token), extra)
        assert h.body == b""
        assert h.status == g.status
        skip = {"date", "content-type"}  # multipart boundaries differ per response
        assert {k: v for k, v in h.headers.items() if k not in skip} == {
            k: v for k, v in g.headers.items() if k not in skip
        }
        assert h.headers["content-length"] == str(len(g.body))


def _parts(resp: Response) -> list[tuple[str, bytes]]:
    """(Content-Range, body) of each part of a multipart/byteranges answer."""
    msg = email.parser.BytesParser().parsebytes(
        f"Content-Type: {resp.headers['content-type']}\r\n\r\n".encode() + resp.body
    )
    assert msg.is_multipart()
    return [(p["Content-Range"], p.get_payload(decode=True)) for p in msg.get_payload()]


def test_multiple_ranges(server: MediaServer, client: RawClient, data_file: tuple[Path, bytes]) -> None:
    path, data = data_file
    token = server.registry.register(path)
    r = get(client, server, token, Range="bytes=0-9, 20000-29999,-5,99999-")
    assert r.status == 206
    assert r.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert int(r.headers["content-length"]) == len(r.body)
    n = len(data)
    assert _parts(r) == [
        (f"bytes 0-9/{n}", data[:10]),
        (f"bytes 20000-29999/{n}", data[20000:30000]),
        (f"bytes {n - 5}-{n - 1}/{n}", data[-5:]),
    ]  # the unsatisfiable part is dropped
    overlapping = get(client, server, token, Range="bytes=0-100,50-150")
    assert overlapping.status == 200 and overlapping.body == data


def test_conditional_requests(server: MediaServer, client: RawClient, data_file: tuple[Path, bytes]) -> None:
    path, data = data_file
    token = server.registry.register(path)
    first = get(client, server, token)
    etag, lm = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and lm == http_date(path.stat().st_mtime_ns // 10**9)
    cases: list[tuple[dict[str, str], int]] = [
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'"nope", W/{etag}'}, 304),
        ({"If-None-Match": '"nope"'}, 200),
        ({"If-Modified-Since": lm}, 304),
        ({"If-Modified-Since": http_date(0)}, 200),
        ({"If-Match": '"nope"'}, 412),
        ({"If-Unmodified-Since": http_date(0)}, 412),
        ({"Range": "bytes=0-9", "If-Range": etag}, 206),
        ({"Range": "bytes=0-9", "If-Range": '"stale"'}, 200),
        ({"Range": "bytes=0-9", "If-Range": lm}, 206),
        ({"Range": "bytes=0-9", "If-Range": http_date(0)}, 200),
    ]
    for headers, status in cases:
        r = get(client, server, token, **headers)
        assert r.status == status, headers
        if status == 304:
            assert r.body == b"" and r.headers["etag"] == etag
        if status == 200:
            assert r.body == data


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.mp4", "video/mp4"),
        ("a.webm", "video/webm"),
        ("a.MOV", "video/quicktime"),
        ("a.wav", "audio/wav"),
        ("a.vtt", "text/vtt"),
        ("a.png", "image/png"),
        ("a.weird", "application/octet-stream"),
    ],
)
def test_content_types(
    server: MediaServer, client: RawClient, tmp_path: Path, name: str, content_type: str
) -> None:
    (tmp_path / name).write_bytes(b"x")
    r = get(client, server, server.registry.register(tmp_path / name))
    assert r.headers["content-type"] == content_type
    assert r.headers["x-content-type-options"] == "nosniff"


def test_real_clip_is_video_mp4(server: MediaServer, client: RawClient, tmp_path: Path) -> None:
    from timeline_lab.media.synth import make_clip

    clip = make_clip(tmp_path / "synth.mp4", width=64, height=48, rate=25, frames=5, audio=False)
    r = get(client, server, server.registry.register(clip), Range="bytes=4-7")
    assert r.status == 206 and r.body == b"ftyp" and r.headers["content-type"] == "video/mp4"


def test_changed_removed_unregistered_expired(
    server: MediaServer, client: RawClient, data_file: tuple[Path, bytes], clock: Clock
) -> None:
    path, _ = data_file
    reg = server.registry
    changed, removed, dropped = (reg.register(path) for _ in range(3))
    assert get(client, server, changed).status == 200
    assert reg.unregister(dropped) == 1
    assert get(client, server, dropped).status == 404
    assert get(client, server, "A" * 43).status == 404
    with path.open("ab") as f:
        f.write(b"!")
    assert get(client, server, changed).status == 410
    path.unlink()
    assert get(client, server, removed).status == 410
    path.write_bytes(b"new")
    fresh = reg.register(path, ttl=60)
    assert get(client, server, fresh).body == b"new"
    clock.now += 61
    assert get(client, server, fresh).status == 410


def test_symlink_retargeted_is_refused(server: MediaServer, client: RawClient, tmp_path: Path) -> None:
    (tmp_path / "good").write_bytes(b"good")
    (tmp_path / "evil").write_bytes(b"evil")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "good")
    token = server.registry.register(link)
    assert get(client, server, token).body == b"good"
    link.unlink()
    link.symlink_to(tmp_path / "evil")
    r = get(client, server, token)
    assert r.status == 410 and b"evil" not in r.body


def test_access_key_required(server: MediaServer, client: RawClient, data_file: tuple[Path, bytes]) -> None:
    token = server.registry.register(data_file[0])
    assert client.request("GET", target(server, token, key=None)).status == 403
    assert client.request("GET", target(server, token, key="wrong")).status == 403
    assert client.request("GET", target(server, token, key=server.access_key[:-1])).status == 403
    assert (
        client.request(
            "GET", target(server, token, key=None), [("X-Timeline-Lab-Key", server.access_key)]
        ).status
        == 200
    )
    assert client.request("GET", "/timeline-lab/health").status == 403
    assert client.request("HEAD", target(server, token)).status == 200
    assert client.request("POST", target(server, token)).status == 405
    assert client.request("GET", "/elsewhere").status == 404


def test_health(server: MediaServer, client: RawClient) -> None:
    import json

    r = client.request("GET", server.health_url.removeprefix(server.url[:-1]))
    assert r.status == 200 and r.headers["cache-control"] == "no-store"
    body = json.loads(r.body)
    assert body["ok"] is True and body["mode"] == "standalone"
    assert body["registered"] == len(server.registry)
    from timeline_lab import __version__

    assert body["version"] == __version__


def test_no_cors_by_default(server: MediaServer, client: RawClient, data_file: tuple[Path, bytes]) -> None:
    token = server.registry.register(data_file[0])
    r = get(client, server, token, Origin="http://evil.example")
    assert r.status == 200 and "access-control-allow-origin" not in r.headers
    pre = client.request(
        "OPTIONS",
        target(server, token, key=None),
        [("Origin", "http://evil.example"), ("Access-Control-Request-Method", "GET")],
    )
    assert pre.status == 403 and "access-control-allow-origin" not in pre.headers


def test_cors_allowlist_and_preflight(tmp_path: Path) -> None:
    lab = "http://localhost:8888"
    (tmp_path / "f.mp4").write_bytes(b"0123456789")
    with pytest.raises(ValueError, match="exact origins"):
        MediaServer(allow_origins=["*"])
    with MediaServer(allow_origins=[lab]) as srv:
        c = RawClient(srv.port)
        token = srv.registry.register(tmp_path / "f.mp4")
        ok = get(c, srv, token, Origin=lab, Range="bytes=0-1")
        assert ok.status == 206 and ok.headers["access-control-allow-origin"] == lab
        assert ok.headers["vary"] == "Origin" and "access-control-allow-credentials" not in ok.headers
        assert "Content-Range" in ok.headers["access-control-expose-headers"]
        other = get(c, srv, token, Origin="http://localhost:9999")
        assert other.status == 200 and "access-control-allow-origin" not in other.headers
        preflight = [
            ("Origin", lab),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "range, x-timeline-lab-key"),
        ]
        pre = c.request("OPTIONS", target(srv, token, key=None), preflight)
        assert pre.status == 204
        assert pre.headers["access-control-allow-origin"] == lab
        assert pre.headers["access-control-allow-methods"] == "GET, HEAD"
        assert pre.headers["access-control-allow-headers"] == "range, x-timeline-lab-key"
        bad_header = [*preflight[:2], ("Access-Control-Request-Headers", "authorization")]
        assert c.request("OPTIONS", target(srv, token), bad_header).status == 403
        bad_method = [preflight[0], ("Access-Control-Request-Method", "DELETE")]
        assert c.request("OPTIONS", target(srv, token), bad_method).status == 403
        c.close()
