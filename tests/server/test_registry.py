"""Registry: only registered files, by opaque token; changed, removed or retargeted files refused."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from tests.server.conftest import Clock
from timeline_lab.server import MediaGoneError, MediaRegistry, ServerError, TokenError, TokenSealer


def _read_all(reg: MediaRegistry, token: str) -> bytes:
    with reg.open(token) as media:
        return media.read(0, media.file.size + 1)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    p = tmp_path / "clip.mp4"
    p.write_bytes(os.urandom(5000))
    return p


@pytest.fixture(params=["memory", "sealed"])
def reg(request: pytest.FixtureRequest, tmp_path: Path) -> MediaRegistry:
    """Both token schemes must keep the same promises."""
    clock = Clock()
    if request.param == "memory":
        return MediaRegistry(clock=clock)
    return MediaRegistry(sealer=TokenSealer(tmp_path / "runtime"), clock=clock)


def test_register_and_open(reg: MediaRegistry, clip: Path) -> None:
    token = reg.register(clip)
    assert _read_all(reg, token) == clip.read_bytes()
    entry = reg.resolve(token)
    assert entry.content_type == "video/mp4"
    assert entry.path == str(clip.resolve())
    assert len(reg) == 1
    assert reg.register(clip) != token  # every registration is a new token


def test_tokens_are_opaque(reg: MediaRegistry, clip: Path) -> None:
    token = reg.register(clip)
    assert "/" not in token and "clip" not in token and str(clip) not in token
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"clip" not in raw and str(clip.parent).encode() not in raw


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda d: d / "missing.mp4", "cannot register"),
        (lambda d: d, "not a regular file"),
        (lambda d: (os.mkfifo(d / "fifo"), d / "fifo")[1], "not a regular file"),
    ],
    ids=["missing", "directory", "fifo"],
)
def test_register_refuses_non_files(reg: MediaRegistry, tmp_path: Path, make: object, error: str) -> None:
    with pytest.raises(ServerError, match=error):
        reg.register(make(tmp_path))  # type: ignore[operator]


def test_register_validates_arguments(reg: MediaRegistry, clip: Path) -> None:
    with pytest.raises(ValueError, match="ttl must be positive"):
        reg.register(clip, ttl=0)
    with pytest.raises(ValueError, match="not a media type"):
        reg.register(clip, content_type="video/mp4\r\nX-Evil: 1")
    assert reg.resolve(reg.register(clip, content_type="video/x-custom")).content_type == "video/x-custom"


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "../../etc/passwd", "a/b", "\x00", "Z" * 9000])
def test_unknown_tokens(reg: MediaRegistry, token: str) -> None:
    with pytest.raises(TokenError):
        reg.resolve(token)


def test_changed_file_is_gone(reg: MediaRegistry, clip: Path) -> None:
    token = reg.register(clip)
    with clip.open("ab") as f:
        f.write(b"more")
    with pytest.raises(MediaGoneError):
        reg.open(token)


def test_touched_file_is_gone(reg: MediaRegistry, clip: Path) -> None:
    token = reg.register(clip)
    st = clip.stat()
    os.utime(clip, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    with pytest.raises(MediaGoneError):
        reg.open(token)


def test_replaced_file_with_same_size_and_mtime_is_gone(reg: MediaRegistry, clip: Path) -> None:
    token = reg.register(clip)
    st = clip.stat()
    other = clip.with_name("other.mp4")
    other.write_bytes(os.urandom(st.st_size))
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, clip)  # a new inode under the old name
    with pytest.raises(MediaGoneError):
        reg.open(token)


def test_rewritten_in_place_with_size_and_mtime_put_back_is_gone(reg: MediaRegistry, clip: Path) -> None:
    """Same inode, same size, mtime restored: only the inode change time tells, and it does."""
    token = reg.register(clip)
    st = clip.stat()
    with clip.open("r+b") as f:
        f.write(b"\x00" * 64)
    os.utime(clip, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert clip.stat().st_size == st.st_size and clip.stat().st_mtime_ns == st.st_mtime_ns
    with pytest.raises(MediaGoneError):
        reg.open(token)


def test_removed_file_is_gone(reg: MediaRegistry, clip: Path) -> None:
    token = reg.register(clip)
    clip.unlink()
    with pytest.raises(MediaGoneError):
        reg.open(token)


def test_symlink_resolved_at_registration_and_retarget_refused(reg: MediaRegistry, tmp_path: Path) -> None:
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"A" * 100)
    b.write_bytes(b"B" * 100)
    link = tmp_path / "link.bin"
    link.symlink_to(a)
    token = reg.register(link)
    assert reg.resolve(token).path == str(a)
    assert _read_all(reg, token) == b"A" * 100
    link.unlink()
    link.symlink_to(b)  # retargeted: the token must not now serve b
    with pytest.raises(MediaGoneError):
        reg.open(token)
    link.unlink()
    with pytest.raises(MediaGoneError):
        reg.open(token)


def test_directory_symlink_swapped_is_refused(reg: MediaRegistry, tmp_path: Path) -> None:
    real, evil = tmp_path / "real", tmp_path / "evil"
    real.mkdir()
    evil.mkdir()
    (real / "f.bin").write_bytes(b"good")
    (evil / "f.bin").write_bytes(b"evil")
    token = reg.register(real / "f.bin")
    real.rename(tmp_path / "moved")
    real.symlink_to(evil)  # the canonical path now passes through a symlink to other bytes
    with pytest.raises(MediaGoneError):
        reg.open(token)


def test_expiry(reg: MediaRegistry, clip: Path) -> None:
    clock = reg._clock
    assert isinstance(clock, Clock)
    token = reg.register(clip, ttl=10)
    clock.now += 9
    assert _read_all(reg, token)
    clock.now += 1
    with pytest.raises(MediaGoneError):
        reg.resolve(token)
    assert len(reg) == 0


def test_sealed_tokens_always_expire(tmp_path: Path, clip: Path) -> None:
    sealed = MediaRegistry(sealer=TokenSealer(tmp_path))
    assert sealed.resolve(sealed.register(clip)).expires is not None
    memory = MediaRegistry()
    assert memory.resolve(memory.register(clip)).expires is None


def test_unregister_token_and_path(reg: MediaRegistry, clip: Path, tmp_path: Path) -> None:
    t1, t2 = reg.register(clip), reg.register(clip)
    other = tmp_path / "other.bin"
    other.write_bytes(b"x")
    t3 = reg.register(other)
    assert reg.unregister(t1) == 1
    with pytest.raises((TokenError, MediaGoneError)):
        reg.resolve(t1)
    assert _read_all(reg, t2)
    assert reg.unregister(clip) == 1  # every remaining token of that path
    with pytest.raises((TokenError, MediaGoneError)):
        reg.open(t2)
    assert _read_all(reg, t3) == b"x"
    assert reg.unregister(tmp_path / "never-registered") == 0


def test_unregister_by_symlink_path(reg: MediaRegistry, tmp_path: Path, clip: Path) -> None:
    link = tmp_path / "link.mp4"
    link.symlink_to(clip)
    reg.register(link)
    reg.register(clip)
    assert reg.unregister(link) == 2  # the link and its target name the same file
