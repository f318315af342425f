"""The vault file format (Vault.1): header, key-check record and entries; parsing and entry sealing."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ._crypto import Aead, AuthenticationFailed, ScryptParams, b64d, b64e
from ._errors import VaultCorruptError, VaultError, VaultIntegrityError

__all__ = [
    "FORMAT",
    "KeySource",
    "VaultState",
    "check_name",
    "decrypt_entry",
    "encrypt_entry",
    "open_check",
    "seal_check",
]

FORMAT = "Vault.1"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_CHECK = b"timeline_lab vault key check"


class KeySource(StrEnum):
    """Where the master key comes from, in the order a new vault tries them."""

    KEYRING = "keyring"
    PASSPHRASE = "passphrase"
    KEYFILE = "keyfile"


def check_name(name: str) -> str:
    """Entry names are plain identifiers; a bad one is not echoed (it may be a pasted value)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        msg = "invalid entry name: use 1-128 of letters, digits and ._:@/- (starting with a letter or digit)"
        raise VaultError(msg)
    return name


def _entry_ad(name: str) -> bytes:
    return f"{FORMAT}|entry|{name}".encode()


def _check_ad(header: Mapping[str, Any]) -> bytes:
    return f"{FORMAT}|check|{json.dumps(header, sort_keys=True)}".encode()


def encrypt_entry(aead: Aead, name: str, plaintext: bytes) -> dict[str, str]:
    """Seal one value; the name and format version are the associated data, so records cannot move."""
    nonce, ct = aead.seal(plaintext, _entry_ad(name))
    return {"nonce": b64e(nonce), "ciphertext": b64e(ct)}


def decrypt_entry(aead: Aead, name: str, record: Mapping[str, str], where: Path) -> bytes:
    """Open one value; VaultIntegrityError names the entry when the tag does not verify."""
    try:
        return aead.open(b64d(record["nonce"]), b64d(record["ciphertext"]), _entry_ad(name))
    except AuthenticationFailed:
        msg = f"vault {where}: entry {name!r} failed authentication (tampered, or moved from another entry)"
        raise VaultIntegrityError(msg) from None


@dataclass
class VaultState:
    """One parsed vault file: key header (clear), key-check record, and sealed entries by name."""

    header: dict[str, Any]
    check: dict[str, str]
    entries: dict[str, dict[str, str]]

    def to_bytes(self) -> bytes:
        """Canonical JSON bytes (sorted keys), ready for an atomic write."""
        doc = {"format": FORMAT, "key": self.header, "check": self.check, "entries": self.entries}
        return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, raw: bytes, where: Path) -> VaultState:
        """Validate shape and base64 up front, so damage is reported as one clear corrupt-file error."""
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict):
                raise ValueError("not an object")
            if doc.get("format") != FORMAT:
                raise ValueError(f"format {doc.get('format')!r}, expected {FORMAT!r}")
            header, check, entries = doc["key"], doc["check"], doc["entries"]
            _check_header(header)
            _check_record(check)
            if not isinstance(entries, dict):
                raise ValueError("entries is not an object")
            for name, record in entries.items():
                if not _NAME.fullmatch(name):
                    raise ValueError("bad entry name")
                _check_record(record)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            msg = f"vault {where}: not a readable {FORMAT} file (truncated or corrupt: {exc})"
            raise VaultCorruptError(msg) from None
        return cls(header, check, entries)


def _check_header(header: Any) -> None:
    source = KeySource(header["source"])
    if source is KeySource.PASSPHRASE:
        ScryptParams.from_json(header["kdf"])
    elif not isinstance(header.get("key_id"), str) or not _KEY_ID.fullmatch(header["key_id"]):
        raise ValueError("bad key id")


def _check_record(record: Any) -> None:
    if not isinstance(record, dict):
        raise ValueError("record is not an object")
    b64d(record["nonce"])
    b64d(record["ciphertext"])


def seal_check(aead: Aead, header: Mapping[str, Any]) -> dict[str, str]:
    """A known plaintext bound to the header: tells "wrong key" apart from "tampered entry"."""
    nonce, ct = aead.seal(_CHECK, _check_ad(header))
    return {"nonce": b64e(nonce), "ciphertext": b64e(ct)}


def open_check(aead: Aead, state: VaultState) -> None:
    """AuthenticationFailed unless this key sealed this file's key-check record."""
    aead.open(b64d(state.check["nonce"]), b64d(state.check["ciphertext"]), _check_ad(state.header))
