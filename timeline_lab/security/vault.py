"""Encrypted secret store: AES-256-GCM entries in one 0600 file, master key kept outside that file."""

from __future__ import annotations

import contextlib
import difflib
import itertools
import json
import logging
import os
import re
import secrets
import stat
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import platformdirs
from keyring.backend import KeyringBackend

from ..atomic import atomic_write_bytes
from ._bundle import open_bundle, seal_bundle
from ._crypto import Aead, AuthenticationFailed, ScryptParams, new_key
from ._errors import SecretNotFoundError, VaultError, VaultKeyError
from ._format import (
    FORMAT,
    KeySource,
    VaultState,
    check_name,
    decrypt_entry,
    encrypt_entry,
    open_check,
    seal_check,
)
from ._keys import KeyFileStore, KeyringStore, KeyStore, backend_name, keyring_usable, process_lock
from ._secret import Secret

__all__ = [
    "ENV_PASSPHRASE",
    "ENV_PATH",
    "FORMAT",
    "KeySource",
    "Vault",
    "check_name",
    "check_new_name",
    "default_vault_path",
    "looks_like_secret",
    "masked_name",
]

log = logging.getLogger("timeline_lab.security")

ENV_PATH = "TIMELINE_LAB_VAULT"
ENV_PASSPHRASE = "TIMELINE_LAB_VAULT_PASSPHRASE"


# Shapes of well-known keys and tokens (OpenAI/Anthropic/Stripe sk-, GitHub, Slack, AWS, Google,
# GitLab, Hugging Face, JWT), not preceded by a letter or digit so "task-..." is not "sk-...";
# an sk- key has a digit, so "stripe/sk_live_secret_key_main" stays a name.
_KEY_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"[spr]k[-_](?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[A-Z0-9]{16}|AIza[A-Za-z0-9_-]{30,}"
    r"|ya29\.[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|eyJ[A-Za-z0-9_-]{10,}\."
    r")"
)
_RANDOM_RUN = 20  # a run of letters and digits this long that looks random is a key, not a name
_ALNUM_RUN = re.compile(rf"[A-Za-z0-9]{{{_RANDOM_RUN},}}")


def _looks_random(run: str) -> bool:
    """Digits among letters, the character class changing often (a word-built name changes rarely)."""
    kinds = ["d" if c.isdigit() else "u" if c.isupper() else "l" for c in run]
    if "d" not in kinds or kinds.count("d") == len(kinds):
        return False
    changes = sum(a != b for a, b in itertools.pairwise(kinds))
    return changes / (len(run) - 1) >= (0.3 if len(run) < 32 else 0.2)  # hex changes less than base62


def looks_like_secret(name: str) -> bool:
    """True for a known key shape or a long random-looking run: a value pasted where a name goes."""
    return bool(_KEY_SHAPE.search(name)) or any(_looks_random(m) for m in _ALNUM_RUN.findall(name))


def check_new_name(name: str) -> str:
    """check_name, and refuse a name that looks like a key: names are stored in clear, values are not."""
    check_name(name)
    if looks_like_secret(name):
        msg = (
            "entry name looks like a key or token (a value pasted as the name?); not stored and not "
            "shown: name the entry instead, e.g. openai.api_key, and give the value when asked"
        )
        raise VaultError(msg)
    return name


_DOTTED_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}(?:\.[a-z][a-z0-9_-]{0,31})+")
"""An entry name as the package writes them (``openai.api_key``, ``youtube.client_id``): no key has
that shape, so a mistyped or missing one is shown whole."""


def masked_name(name: object) -> str:
    """A name that is not a stored entry, as errors show it: whole when it has an entry name's shape
    (``service.field``), else it may be a pasted value, so never whole."""
    text = str(name)
    if _DOTTED_NAME.fullmatch(text) and not looks_like_secret(text):
        return repr(text)
    return f"'{text[: min(3, len(text) // 4)]}…' ({len(text)} characters)"


def default_vault_path() -> Path:
    """`$TIMELINE_LAB_VAULT`, else `vault.json` in the per-user data dir."""
    env = os.environ.get(ENV_PATH)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("timeline_lab", appauthor=False)) / "vault.json"


class Vault:
    """Named secrets, encrypted at rest; every call re-reads the file so CLI and notebook stay in step.

    Parameters
    ----------
    path
        Vault file; default `$TIMELINE_LAB_VAULT` or the user data dir.
    passphrase
        Used when no OS keychain is usable (or with ``prefer="passphrase"``); default
        `$TIMELINE_LAB_VAULT_PASSPHRASE`.
    key_file
        Key-file fallback location; default ``<path>.key``.
    keyring_backend
        A keyring backend to use instead of ``keyring.get_keyring()``.
    prefer
        Force one key source for a new vault instead of keychain -> passphrase -> key file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        passphrase: str | Secret | None = None,
        key_file: str | os.PathLike[str] | None = None,
        keyring_backend: KeyringBackend | None = None,
        prefer: KeySource | str | None = None,
        scrypt_n: int = 2**17,
    ) -> None:
        self.path = (Path(path).expanduser() if path is not None else default_vault_path()).resolve()
        if passphrase is None:
            passphrase = os.environ.get(ENV_PASSPHRASE) or None
        self._passphrase = Secret(passphrase) if passphrase else None
        self.key_file = Path(key_file) if key_file else self.path.with_name(self.path.name + ".key")
        self._backend = keyring_backend
        self._prefer = KeySource(prefer) if prefer else None
        self._scrypt_n = scrypt_n
        self._lock = threading.RLock()
        self._cached: tuple[str, bytes] | None = None

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r})"

    @property
    def key_source(self) -> KeySource | None:
        """Where this vault's master key lives (None before the first `set`)."""
        state = self._read()
        return KeySource(state.header["source"]) if state else None

    def names(self) -> list[str]:
        """Entry names, sorted; names are not secret and are stored in clear."""
        state = self._read()
        return sorted(state.entries) if state else []

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def get(self, name: str) -> Secret:
        """Decrypt one entry; SecretNotFoundError if absent, VaultIntegrityError if tampered."""
        with self._lock:
            state = self._read()
            try:
                plain = self._decrypt(state, name)
            except VaultKeyError:
                # Read without the lock, this file may be one a rotation in another process has just
                # replaced and whose key it has discarded: read again once that rotation is done.
                with self._locked():
                    fresh = self._read()
                    if fresh is None or state is None or fresh.header == state.header:
                        raise
                    plain = self._decrypt(fresh, name)
        return Secret(plain.decode("utf-8"))

    def set(self, name: str, value: str | Secret) -> None:
        """Encrypt and store one value (creating the vault and its master key on first use)."""
        self.update({name: value})

    def update(self, values: Mapping[str, str | Secret]) -> None:
        """Store several values with one atomic write."""
        checked = {check_new_name(n): Secret(v) for n, v in values.items()}
        with self._locked():
            state = self._read() or self._create()
            aead = self._aead(state)
            for name, secret in checked.items():
                state.entries[name] = encrypt_entry(aead, name, secret.reveal().encode("utf-8"))
            self._write(state)
        log.debug("vault %s: stored %s", self.path, ", ".join(sorted(checked)))

    def delete(self, name: str) -> None:
        """Remove one entry; SecretNotFoundError if absent."""
        with self._locked():
            state = self._read()
            if state is None or name not in state.entries:
                raise self._missing(state, name)
            self._aead(state)  # only the key holder may delete
            del state.entries[name]
            self._write(state)
        log.debug("vault %s: deleted %s", self.path, name)

    def rotate_master_key(self, *, new_passphrase: str | Secret | None = None) -> int:
        """New master key (same source), every entry re-encrypted with fresh nonces; returns the count."""
        with self._locked():
            state = self._read()
            if state is None:
                msg = f"vault {self.path}: does not exist yet, nothing to rotate"
                raise VaultError(msg)
            old = self._aead(state)
            plain = {n: decrypt_entry(old, n, r, self.path) for n, r in state.entries.items()}
            source = KeySource(state.header["source"])
            if new_passphrase is not None:
                if source is not KeySource.PASSPHRASE:
                    msg = (
                        f"vault {self.path}: new_passphrase= needs a passphrase vault, this one uses {source}"
                    )
                    raise VaultError(msg)
                self._passphrase = Secret(new_passphrase)
            header, key = self._new_key([source], strict=True)
            aead = Aead(key)
            entries = {n: encrypt_entry(aead, n, v) for n, v in plain.items()}
            self._write(VaultState(header, seal_check(aead, header), entries))
            self._cached = (json.dumps(header, sort_keys=True), key)
            if "key_id" in state.header:  # only after the new file is in place
                self._store(source).discard(state.header["key_id"])
        log.info("vault %s: master key rotated, %d entries re-encrypted", self.path, len(plain))
        return len(plain)

    def export_bundle(
        self, path: str | os.PathLike[str], passphrase: str | Secret, *, names: Iterable[str] | None = None
    ) -> Path:
        """Write a passphrase-encrypted copy of some or all entries (0600), for another machine."""
        chosen = sorted(names) if names is not None else self.names()
        values = {n: self.get(n).reveal() for n in chosen}
        data = seal_bundle(values, Secret(passphrase).reveal(), scrypt_n=self._scrypt_n)
        out = atomic_write_bytes(Path(path), data, mode=0o600)
        log.info("vault %s: exported %d entries to %s", self.path, len(values), out)
        return out

    def import_bundle(
        self, path: str | os.PathLike[str], passphrase: str | Secret, *, overwrite: bool = False
    ) -> list[str]:
        """Add a bundle's entries (existing names kept unless overwrite); returns the names imported."""
        where = Path(path)
        try:
            raw = where.read_bytes()
        except OSError as exc:
            msg = f"bundle {where}: cannot read ({exc.strerror})"
            raise VaultError(msg) from exc
        values = open_bundle(raw, Secret(passphrase).reveal(), where=str(where))
        existing = set(self.names())
        chosen = {n: v for n, v in values.items() if overwrite or n not in existing}
        if chosen:
            self.update(chosen)
        log.info("vault %s: imported %d entries from %s", self.path, len(chosen), where)
        return sorted(chosen)

    # -- internals ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This thread alone, then this process alone (an OS file lock beside the vault): every
        read-modify-write re-reads the vault under both, so two notebooks never lose an entry."""
        with self._lock, process_lock(self.path):
            yield

    def _missing(self, state: VaultState | None, name: str) -> SecretNotFoundError:
        """The absent name is masked (it may be a pasted key); stored names like it are offered."""
        msg = f"vault {self.path}: no entry {masked_name(name)}"
        close = difflib.get_close_matches(str(name), list(state.entries) if state else [], n=3)
        if close:
            msg += f"; did you mean {' or '.join(close)}?"
        return SecretNotFoundError(msg)

    def _decrypt(self, state: VaultState | None, name: str) -> bytes:
        if state is None or name not in state.entries:
            raise self._missing(state, name)
        return decrypt_entry(self._aead(state), name, state.entries[name], self.path)

    def _read(self) -> VaultState | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            msg = f"vault {self.path}: cannot read ({exc.strerror})"
            raise VaultError(msg) from exc
        if os.name == "posix" and stat.S_IMODE(self.path.stat().st_mode) & 0o077:
            log.warning("vault %s: permissions are looser than 0600; fix with chmod 600", self.path)
        return VaultState.parse(raw, self.path)

    def _write(self, state: VaultState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_bytes(self.path, state.to_bytes(), mode=0o600)

    def _keyring(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def _store(self, source: KeySource) -> KeyStore:
        if source is KeySource.KEYFILE:
            return KeyFileStore(self.key_file)
        backend = self._keyring()
        if not keyring_usable(backend):
            msg = (
                f"vault {self.path}: master key is in the OS keychain, but no usable keyring backend "
                f"is available ({backend_name(backend)})"
            )
            raise VaultKeyError(msg)
        return KeyringStore(self.path, backend)

    def _create(self) -> VaultState:
        header, key = self._new_key(
            [self._prefer] if self._prefer else list(KeySource), strict=self._prefer is not None
        )
        self._cached = (json.dumps(header, sort_keys=True), key)
        return VaultState(header, seal_check(Aead(key), header), {})

    def _new_key(self, order: list[KeySource], *, strict: bool) -> tuple[dict[str, Any], bytes]:
        """First usable source in `order`: keychain, then passphrase, then a key file (with a warning)."""
        for source in order:
            if source is KeySource.PASSPHRASE:
                if self._passphrase is None:
                    if strict:
                        msg = f"vault {self.path}: needs a passphrase (passphrase= or {ENV_PASSPHRASE})"
                        raise VaultKeyError(msg)
                    continue
                params = ScryptParams.fresh(self._scrypt_n)
                return {"source": source.value, "kdf": params.to_json()}, params.derive(
                    self._passphrase.reveal()
                )
            key, key_id = new_key(), secrets.token_hex(16)
            if source is KeySource.KEYRING:
                backend = self._keyring()
                if not keyring_usable(backend):
                    if strict:
                        self._store(source)  # raises the no-backend error
                    continue
                try:
                    KeyringStore(self.path, backend).save(key_id, key)
                except keyring.errors.KeyringError as exc:
                    if strict:
                        msg = f"vault {self.path}: OS keychain refused the master key ({type(exc).__name__})"
                        raise VaultKeyError(msg) from exc
                    log.warning(
                        "vault %s: OS keychain refused the master key (%s)", self.path, type(exc).__name__
                    )
                    continue
            else:
                if not strict:
                    log.warning(
                        "vault %s: no usable OS keychain and no passphrase; master key kept in key file %s "
                        "(0600). Set %s or install a keyring backend for stronger protection.",
                        self.path,
                        self.key_file,
                        ENV_PASSPHRASE,
                    )
                KeyFileStore(self.key_file).save(key_id, key)
            return {"source": source.value, "key_id": key_id}, key
        msg = f"vault {self.path}: no key source available"  # unreachable: KEYFILE always works
        raise VaultKeyError(msg)

    def _aead(self, state: VaultState) -> Aead:
        """The cipher for this file's master key, proven right by the key-check record."""
        canon = json.dumps(state.header, sort_keys=True)
        source = KeySource(state.header["source"])
        if self._cached is not None and self._cached[0] == canon:
            key = self._cached[1]
        elif source is KeySource.PASSPHRASE:
            if self._passphrase is None:
                msg = f"vault {self.path}: passphrase-protected; pass passphrase= or set {ENV_PASSPHRASE}"
                raise VaultKeyError(msg)
            key = ScryptParams.from_json(state.header["kdf"]).derive(self._passphrase.reveal())
        else:
            key = self._store(source).load(state.header["key_id"])
        aead = Aead(key)
        try:
            open_check(aead, state)
        except AuthenticationFailed:
            self._cached = None
            where = "passphrase" if source is KeySource.PASSPHRASE else self._store(source).where
            msg = f"vault {self.path}: the master key from the {where} does not open it (wrong key?)"
            raise VaultKeyError(msg) from None
        self._cached = (canon, key)
        return aead
