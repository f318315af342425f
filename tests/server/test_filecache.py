"""The descriptor cache never serves stale bytes: every change to a served file after its first
response (the descriptor is cached then) is a 410 on the next request, on both body paths."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.server._http import RawClient
from tests.server.conftest import Clock
from timeline_lab.server import MediaRegistry, MediaServer
from timeline_lab.server._errors import MediaGoneError
from timeline_lab.server._filecache import FileCache
from timeline_lab.server._media import snapshot


def _get(server: MediaServer, client: RawClient, token: str, rng: str = "bytes=10-1009") -> tuple[int, bytes]:
    target = f"/timeline-lab/media/{token}?key={server.access_key}"
    r = client.request("GET", target, [("Range", rng)])
    return r.status, r.body


def _later() -> None:
    """Past the file system's timestamp granularity, so a change moves the inode change time."""
    time.sleep(0.02)


def _rewrite_same_size_same_mtime(p: Path) -> None:
    st = p.stat()
    with p.open("r+b") as f:
        f.write(b"\x00" * 64)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))


def _truncate(p: Path) -> None:
    os.truncate(p, 500)


def _append(p: Path) -> None:
    with p.open("ab") as f:
        f.write(b"more")


def _replace(p: Path) -> None:
    st = p.stat()
    other = p.with_name("other.mp4")
    other.write_bytes(os.urandom(st.st_size))
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, p)


def _remove(p: Path) -> None:
    p.unlink()


def _move_away_and_back_a_copy(p: Path) -> None:
    data = p.read_bytes()
    p.rename(p.with_name("moved.mp4"))
    p.write_bytes(data)  # the same bytes under the name, but another inode: another version


def _chmod(p: Path) -> None:
    p.chmod(0o600)


CHANGES: dict[str, Callable[[Path], None]] = {
    "rewrite": _rewrite_same_size_same_mtime,
    "truncate": _truncate,
    "append": _append,
    "replace": _replace,
    "remove": _remove,
    "move": _move_away_and_back_a_copy,
    "chmod": _chmod,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_change_after_caching_is_gone(
    server: MediaServer, client: RawClient, data_file: tuple[Path, bytes], change: str
) -> None:
    path, data = data_file
    token = server.registry.register(path)
    assert _get(server, client, token) == (206, data[10:1010])
    assert _get(server, client, token, "bytes=0-") == (206, data)  # served from the cached descriptor
    _later()
    CHANGES[change](path)
    assert _get(server, client, token)[0] == 410
    assert _get(server, client, token, "bytes=-5")[0] == 410


def test_symlink_swap_after_caching_is_gone(server: MediaServer, client: RawClient, tmp_path: Path) -> None:
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"A" * 5000)
    b.write_bytes(b"B" * 5000)
    link = tmp_path / "link.bin"
    link.symlink_to(a)
    token = server.registry.register(link)
    assert _get(server, client, token) == (206, b"A" * 1000)
    link.unlink()
    link.symlink_to(b)
    assert _get(server, client, token)[0] == 410
    link.unlink()
    link.symlink_to(a)  # pointing back at the registered file: the same version again
    assert _get(server, client, token) == (206, b"A" * 1000)


def test_canonical_path_swapped_for_a_symlink_is_gone(
    server: MediaServer, client: RawClient, tmp_path: Path
) -> None:
    real, decoy = tmp_path / "real.bin", tmp_path / "decoy.bin"
    real.write_bytes(b"R" * 5000)
    decoy.write_bytes(b"D" * 5000)
    token = server.registry.register(real)
    assert _get(server, client, token) == (206, b"R" * 1000)
    moved = tmp_path / "kept.bin"
    real.rename(moved)
    real.symlink_to(moved)  # the same inode behind a link now: the canonical path is no longer a file
    assert _get(server, client, token)[0] == 410


def test_two_tokens_of_one_version_share_a_descriptor(
    server: MediaServer, client: RawClient, data_file: tuple[Path, bytes]
) -> None:
    path, data = data_file
    before = len(server.service.files)
    t1, t2 = server.registry.register(path), server.registry.register(path)
    assert _get(server, client, t1)[1] == _get(server, client, t2)[1] == data[10:1010]
    assert len(server.service.files) == before + 1


def _entry(tmp_path: Path, name: str, cache: FileCache) -> tuple[Path, int]:
    p = tmp_path / name
    p.write_bytes(name.encode() * 100)
    with cache.open(snapshot(p, expires=None, content_type=None)) as media:
        return p, media.fd


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_least_recently_used_descriptor_is_closed(tmp_path: Path) -> None:
    cache = FileCache(size=2)
    _, fd_a = _entry(tmp_path, "a", cache)
    _, fd_b = _entry(tmp_path, "b", cache)
    _, fd_c = _entry(tmp_path, "c", cache)
    assert len(cache) == 2
    assert not _is_open(fd_a)
    assert _is_open(fd_b) and _is_open(fd_c)
    cache.clear()
    assert len(cache) == 0
    assert not _is_open(fd_b) and not _is_open(fd_c)


def test_descriptor_outlives_eviction_while_a_response_holds_it(tmp_path: Path) -> None:
    cache = FileCache()
    p = tmp_path / "held.bin"
    p.write_bytes(b"x" * 100)
    file = snapshot(p, expires=None, content_type=None)
    media = cache.open(file)
    with media:
        cache.clear()  # the server stops mid-response
        assert os.pread(media.fd, 4, 0) == b"xxxx"
    assert media.fd == -1


def test_change_while_held_closes_after_the_response(tmp_path: Path) -> None:
    cache = FileCache()
    p = tmp_path / "held.bin"
    p.write_bytes(b"x" * 100)
    file = snapshot(p, expires=None, content_type=None)
    with cache.open(file) as media:
        _later()
        _append(p)
        with pytest.raises(MediaGoneError):
            cache.open(file)
        assert media.fd >= 0  # the response already sending keeps its descriptor
    assert media.fd == -1
    assert len(cache) == 0


def test_expired_token_is_still_410_not_404(
    server: MediaServer, client: RawClient, clip: Path, clock: Clock
) -> None:
    """The fast path's look-up has no side effects: the handler still sees the expiry."""
    token = server.registry.register(clip, ttl=5)
    assert _get(server, client, token)[0] == 206
    clock.now += 10
    assert _get(server, client, token)[0] == 410


def test_registry_is_unchanged_by_lookup(tmp_path: Path) -> None:
    p = tmp_path / "c.bin"
    p.write_bytes(b"c")
    reg = MediaRegistry()
    token = reg.register(p)
    assert reg.lookup(token) is not None
    assert reg.lookup("nope") is None
    assert reg.unregister(token) == 1
    assert reg.lookup(token) is None


def test_removed_file_is_let_go_at_the_next_miss(tmp_path: Path) -> None:
    """A deleted file's descriptor (and so its disk space) is not kept until it ages out."""
    cache = FileCache()
    gone = tmp_path / "gone"
    gone.write_bytes(b"g" * 100)
    with cache.open(snapshot(gone, expires=None, content_type=None)) as media:
        pass
    _, fd_kept = _entry(tmp_path, "kept", cache)
    gone.unlink()
    _entry(tmp_path, "new", cache)
    assert media.fd == -1  # closed (its number may already serve another file)
    assert _is_open(fd_kept)
    assert len(cache) == 2
    cache.clear()
