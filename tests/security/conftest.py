"""Security fixtures: an in-memory keyring, isolated vault paths, and local Tornado fakes on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from tests.security.fakes import FakeAuth, FakeKeys, LocalServer, auth_app, keys_app


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (a usable keychain for tests)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class LockedKeyring(MemoryKeyring):
    """A keychain that looks usable but refuses writes (a locked login keychain)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("keychain is locked")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never touch the real keychain, data dir or environment of the person running the tests."""
    for var in ("TIMELINE_LAB_VAULT_PASSPHRASE", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    for prov in ("OPENAI", "ANTHROPIC", "GEMINI"):
        monkeypatch.delenv(f"TIMELINE_LAB_{prov}_BASE_URL", raising=False)
    monkeypatch.setenv("TIMELINE_LAB_VAULT", str(tmp_path / "default-vault.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memkeyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "vault.json"


@pytest.fixture(scope="session")
def keys_server() -> Iterator[tuple[LocalServer, FakeKeys]]:
    state = FakeKeys()
    with LocalServer(keys_app(state)) as server:
        yield server, state


@pytest.fixture
def auth_server() -> Iterator[tuple[LocalServer, FakeAuth]]:
    state = FakeAuth()
    with LocalServer(auth_app(state)) as server:
        yield server, state


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
