"""Where a vault's master key lives: the OS keychain (via keyring) or a 0600 key file beside the vault."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import filelock
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from ..atomic import atomic_write_bytes
from ._crypto import KEY_BYTES, b64d, b64e
from ._errors import VaultCorruptError, VaultError, VaultKeyError

__all__ = [
    "SERVICE",
    "KeyFileStore",
    "KeyStore",
    "KeyringStore",
    "async_process_lock",
    "backend_name",
    "keyring_usable",
    "process_lock",
]

log = logging.getLogger("timeline_lab.security")

SERVICE = "timeline_lab"
_KEYFILE_FORMAT = "VaultKeys.1"


def backend_name(backend: KeyringBackend) -> str:
    """Dotted class name, for messages."""
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def keyring_usable(backend: KeyringBackend) -> bool:
    """False for keyring's fail/null backends and an empty chainer (headless Linux, CI containers)."""
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    try:
        return float(backend.priority) > 0
    except Exception:  # a backend whose priority probe fails is not one to trust with the key
        return False


class KeyStore(Protocol):
    """Load, save and discard master keys by key id (the id is random and not secret)."""

    where: str

    def load(self, key_id: str) -> bytes: ...

    def save(self, key_id: str, key: bytes) -> None: ...

    def discard(self, key_id: str) -> None: ...


class KeyringStore:
    """Master keys in the OS keychain under service `timeline_lab`, one username per vault and key id."""

    def __init__(self, vault_path: Path, backend: KeyringBackend) -> None:
        self.vault_path = vault_path
        self.backend = backend
        self.where = f"OS keychain ({backend_name(backend)}, service {SERVICE!r})"

    def _username(self, key_id: str) -> str:
        return f"vault-master-key:{self.vault_path}:{key_id}"

    def load(self, key_id: str) -> bytes:
        """The key, or VaultKeyError naming the keychain."""
        try:
            text = self.backend.get_password(SERVICE, self._username(key_id))
        except keyring.errors.KeyringError as exc:
            msg = f"vault {self.vault_path}: {self.where} refused to read the master key: {exc}"
            raise VaultKeyError(msg) from exc
        if text is None:
            msg = f"vault {self.vault_path}: master key {key_id!r} is not in the {self.where}"
            raise VaultKeyError(msg)
        return _decode_key(text, f"{self.where} entry for vault {self.vault_path}")

    def save(self, key_id: str, key: bytes) -> None:
        """Store; KeyringError propagates so the caller can fall back."""
        self.backend.set_password(SERVICE, self._username(key_id), b64e(key))

    def discard(self, key_id: str) -> None:
        """Best effort: a stale keychain item is harmless, a crash here is not."""
        try:
            self.backend.delete_password(SERVICE, self._username(key_id))
        except keyring.errors.KeyringError as exc:
            log.warning(
                "vault %s: could not delete old master key %s from keychain: %s", self.vault_path, key_id, exc
            )


class KeyFileStore:
    """Master keys in a 0600 JSON file: the no-keychain, no-passphrase fallback (logged as a warning)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"key file {path}"

    def _read(self) -> dict[str, str]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
            keys = data["keys"]
            if data.get("format") != _KEYFILE_FORMAT or not isinstance(keys, dict):
                raise ValueError("not a key file")
        except (ValueError, KeyError, TypeError, RecursionError) as exc:  # (nested too deep: crafted)
            msg = f"key file {self.path}: not a timeline_lab key file (truncated or corrupt)"
            raise VaultCorruptError(msg) from exc
        return {str(k): v for k, v in keys.items()}

    def _write(self, keys: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = json.dumps({"format": _KEYFILE_FORMAT, "keys": keys}, indent=1, sort_keys=True) + "\n"
        atomic_write_bytes(self.path, data.encode("utf-8"), mode=0o600)

    def load(self, key_id: str) -> bytes:
        """The key, or VaultKeyError naming the file."""
        keys = self._read()
        if key_id not in keys:
            state = "has no key" if keys or self.path.exists() else "is missing"
            msg = f"key file {self.path} {state} for key id {key_id!r}"
            raise VaultKeyError(msg)
        return _decode_key(keys[key_id], self.where)

    def save(self, key_id: str, key: bytes) -> None:
        """Add a key (atomically, 0600); other ids stay so a rotation can be finished or undone."""
        with process_lock(self.path):  # re-read under the lock: another process may have added one
            keys = self._read()
            keys[key_id] = b64e(key)
            self._write(keys)

    def discard(self, key_id: str) -> None:
        """Remove one key id; delete the file when it is the last."""
        with process_lock(self.path):
            keys = self._read()
            keys.pop(key_id, None)
            if keys:
                self._write(keys)
            else:
                self.path.unlink(missing_ok=True)


def process_lock(path: Path) -> filelock.FileLock:
    """An OS lock on ``<path>.lock`` (fcntl/LockFileEx through filelock): read-modify-writes of
    ``path`` by several processes (two notebooks, a CLI) run one at a time."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return _ProcessLock(str(path) + ".lock", mode=0o600, timeout=LOCK_TIMEOUT)


class _ProcessLock(filelock.FileLock):
    """A waited-for lock that stays held is a VaultError naming its file, not filelock's Timeout
    (a try without waiting, ``timeout=0``, still raises Timeout for the caller to poll)."""

    def acquire(self, timeout: float | None = None, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().acquire(timeout, *args, **kwargs)
        except filelock.Timeout:
            if timeout == 0:
                raise
            waited = self.timeout if timeout is None else timeout
            msg = f"lock {self.lock_file}: still held by another process after {waited:g}s"
            raise VaultError(msg) from None


LOCK_TIMEOUT = 60.0
"""Seconds to wait for another process's vault write before giving up with an error."""


@contextlib.asynccontextmanager
async def async_process_lock(path: Path, poll: float = 0.05) -> AsyncIterator[None]:
    """`process_lock` for coroutines: tried without blocking and polled, so the event loop runs on while
    another process holds it (and a cancelled wait leaves nothing locked)."""
    lock = process_lock(path)
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            lock.acquire(timeout=0)
            break
        except filelock.Timeout:
            if time.monotonic() >= deadline:
                msg = f"lock {lock.lock_file}: still held by another process after {LOCK_TIMEOUT:g}s"
                raise VaultError(msg) from None
            await asyncio.sleep(poll)
    try:
        yield
    finally:
        lock.release()


def _decode_key(text: object, where: str) -> bytes:
    try:
        key = b64d(text)
    except ValueError as exc:
        msg = f"{where}: stored master key is not valid base64"
        raise VaultCorruptError(msg) from exc
    if len(key) != KEY_BYTES:
        msg = f"{where}: stored master key has {len(key)} bytes, expected {KEY_BYTES}"
        raise VaultCorruptError(msg)
    return key
