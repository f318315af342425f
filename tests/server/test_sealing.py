"""Sealed tokens and the runtime-dir files a kernel and the Jupyter server share."""

from __future__ import annotations

import base64
import os
import stat
import threading
from pathlib import Path

import pytest

from timeline_lab.server import MediaGoneError, MediaRegistry, ServerError, TokenError, TokenSealer
from timeline_lab.server._keyfile import KEY_NAME, KEY_SIZE, REVOKED_NAME, RevocationList, load_or_create_key


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    p = tmp_path / "clip.webm"
    p.write_bytes(os.urandom(2000))
    return p


def test_key_created_private_and_once(tmp_path: Path) -> None:
    path = tmp_path / "rt" / KEY_NAME
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(load_or_create_key(path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys[0]) == KEY_SIZE  # racing creators agree on one key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [KEY_NAME]  # no temp files left


@pytest.mark.parametrize(
    ("mode", "content", "error"),
    [(0o644, b"k" * KEY_SIZE, "mode 0600"), (0o600, b"short", "not 32 bytes"), (0o600, b"k" * 40, "not 32")],
)
def test_bad_key_files_refused(tmp_path: Path, mode: int, content: bytes, error: str) -> None:
    path = tmp_path / KEY_NAME
    path.write_bytes(content)
    path.chmod(mode)
    with pytest.raises(ServerError, match=error):
        load_or_create_key(path)


def test_kernel_seals_server_opens(tmp_path: Path, clip: Path) -> None:
    """Two registries sharing only the runtime dir: as a kernel and the Jupyter server are."""
    kernel = MediaRegistry(sealer=TokenSealer(tmp_path))
    server = MediaRegistry(sealer=TokenSealer(tmp_path))
    token = kernel.register(clip)
    with server.open(token) as media:
        assert media.read(0, 5000) == clip.read_bytes()
        assert media.file.content_type == "video/webm"
    assert len(server) == 1  # the server counts tokens it has served


def test_forged_tampered_and_foreign_tokens(tmp_path: Path, clip: Path) -> None:
    kernel = MediaRegistry(sealer=TokenSealer(tmp_path / "a"))
    token = kernel.register(clip)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[20] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    other_key = MediaRegistry(sealer=TokenSealer(tmp_path / "b"))
    for bad in (tampered, token[:-4], token + "AAAA", "A" * 200, token.replace("-", "+")):
        with pytest.raises(TokenError):
            kernel.resolve(bad)
    with pytest.raises(TokenError):
        other_key.resolve(token)


def test_a_token_has_one_spelling(tmp_path: Path, clip: Path) -> None:
    """base64's last character carries unused bits: every other letter there that decodes to the
    same bytes is refused, so a token is one URL (found by the fuzz against a server worker)."""
    sealer = TokenSealer(tmp_path)
    kernel = MediaRegistry(sealer=sealer)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    same_bytes = []
    for _ in range(8):  # token lengths vary with the path's claims: some leave unused bits
        token = kernel.register(clip)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        for c in alphabet:
            variant = token[:-1] + c
            if variant != token and base64.urlsafe_b64decode(variant + "=" * (-len(variant) % 4)) == raw:
                same_bytes.append(variant)
                with pytest.raises(TokenError):
                    sealer.open(variant)
        assert sealer.open(token)["p"] == str(clip)
    assert same_bytes  # the case is real: base64 decoders accept these


def test_label_binds_tokens_to_media(tmp_path: Path, clip: Path) -> None:
    """A blob sealed with the same key for another purpose does not open as a media token."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    sealer = TokenSealer(tmp_path)
    sealer.ensure_key()
    key = (tmp_path / KEY_NAME).read_bytes()
    nonce = os.urandom(12)
    blob = nonce + AESGCM(key).encrypt(nonce, b'{"v":1}', b"some other label")
    with pytest.raises(TokenError):
        sealer.open(base64.urlsafe_b64encode(blob).rstrip(b"=").decode())
    assert sealer.open(sealer.seal({"v": 1})) == {"v": 1}


def test_new_key_invalidates_old_tokens(tmp_path: Path, clip: Path) -> None:
    kernel = MediaRegistry(sealer=TokenSealer(tmp_path))
    server = MediaRegistry(sealer=TokenSealer(tmp_path))
    old = kernel.register(clip)
    server.resolve(old)
    (tmp_path / KEY_NAME).unlink()  # e.g. the runtime dir was cleaned
    with pytest.raises(TokenError):
        server.resolve(old)  # server re-reads the key file when it changes
    server.resolve(kernel.register(clip))


def test_revocation_crosses_processes(tmp_path: Path, clip: Path) -> None:
    kernel = MediaRegistry(sealer=TokenSealer(tmp_path))
    server = MediaRegistry(sealer=TokenSealer(tmp_path))
    keep, drop = kernel.register(clip), kernel.register(clip)
    server.resolve(drop)
    assert kernel.unregister(drop) == 1
    with pytest.raises(MediaGoneError):
        server.resolve(drop)
    server.resolve(keep)
    assert kernel.unregister(clip) == 1
    with pytest.raises(MediaGoneError):
        server.resolve(keep)
    assert stat.S_IMODE((tmp_path / REVOKED_NAME).stat().st_mode) == 0o600


def test_unregister_token_issued_elsewhere(tmp_path: Path, clip: Path) -> None:
    token = MediaRegistry(sealer=TokenSealer(tmp_path)).register(clip)  # a kernel since restarted
    assert MediaRegistry(sealer=TokenSealer(tmp_path)).unregister(token) == 1
    with pytest.raises(MediaGoneError):
        MediaRegistry(sealer=TokenSealer(tmp_path)).resolve(token)


def test_revocation_list_compacts(tmp_path: Path) -> None:
    now = [1000.0]
    rl = RevocationList(tmp_path / REVOKED_NAME, clock=lambda: now[0])
    rl.revoke((f"{i:032x}", 500.0) for i in range(2000))  # all already expired
    rl.revoke([("live" + "0" * 28, 5000.0)])
    size = (tmp_path / REVOKED_NAME).stat().st_size
    assert size < 1000
    assert rl.is_revoked("live" + "0" * 28)
    assert not rl.is_revoked(f"{1:032x}")


def test_a_token_opened_once_is_not_decrypted_again(tmp_path: Path) -> None:
    """A player asks for the same token once per range: its claims are kept, as a copy, under the
    current key only (at most 4096 tokens)."""
    from timeline_lab.server import sealing

    sealer = TokenSealer(tmp_path)
    token = sealer.seal({"v": 1, "id": "a"})
    assert sealer.open(token) == {"v": 1, "id": "a"}

    class Counting:
        def __init__(self, inner: object) -> None:
            self.inner, self.calls = inner, 0

        def decrypt(self, *args: object) -> bytes:
            self.calls += 1
            return self.inner.decrypt(*args)  # type: ignore[attr-defined, no-any-return]

        def encrypt(self, *args: object) -> bytes:
            return self.inner.encrypt(*args)  # type: ignore[attr-defined, no-any-return]

    counting = Counting(sealer._aead)
    sealer._aead = counting
    first = sealer.open(token)
    first["id"] = "changed by the caller"
    assert sealer.open(token) == {"v": 1, "id": "a"} and counting.calls == 0
    others = [sealer.seal({"v": 1, "n": n}) for n in range(sealing._OPENED)]
    for n, t in enumerate(others):
        assert sealer.open(t)["n"] == n
    assert counting.calls == sealing._OPENED and len(sealer._opened) == sealing._OPENED
    assert token not in sealer._opened  # the oldest went
    assert sealer.open(token)["id"] == "a" and counting.calls == sealing._OPENED + 1
