"""AES-256-GCM sealing and Scrypt key derivation: the only place that touches raw key bytes."""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = [
    "KEY_BYTES",
    "NONCE_BYTES",
    "Aead",
    "AuthenticationFailed",
    "ScryptParams",
    "b64d",
    "b64e",
    "new_key",
]

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit GCM nonce, fresh from os.urandom for every seal
# Bounds on parameters read from a file, so a tampered header can neither weaken nor hang derivation:
# memory is 128*n*r bytes (twice what we write), time grows with n*r*p.
_SCRYPT_MIN_N, _SCRYPT_MAX_N = 2**14, 2**20
_SCRYPT_MAX_R, _SCRYPT_MAX_P = 32, 4
_SCRYPT_MAX_MEMORY = 256 * 2**20


class AuthenticationFailed(Exception):
    """Internal: GCM tag mismatch (wrong key, tampered data or wrong associated data)."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def b64e(data: bytes) -> str:
    """Base64 text for JSON files."""
    return base64.b64encode(data).decode("ascii")


def b64d(text: Any) -> bytes:
    """Strict base64 decode; ValueError on anything else (callers report a corrupt file)."""
    if not isinstance(text, str):
        msg = f"expected base64 text, got {type(text).__name__}"
        raise ValueError(msg)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("invalid base64") from exc


class Aead:
    """AES-256-GCM with a random nonce per call; the nonce travels next to the ciphertext."""

    __slots__ = ("_gcm",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            msg = f"AES-256-GCM needs a {KEY_BYTES}-byte key, got {len(key)} bytes"
            raise ValueError(msg)
        self._gcm = AESGCM(key)

    def __repr__(self) -> str:
        return "Aead(<key hidden>)"

    def seal(self, plaintext: bytes, associated_data: bytes) -> tuple[bytes, bytes]:
        """Encrypt; returns (nonce, ciphertext+tag)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce, self._gcm.encrypt(nonce, plaintext, associated_data)

    def open(self, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
        """Decrypt and authenticate; AuthenticationFailed if anything (key, data, AD) differs."""
        if len(nonce) != NONCE_BYTES:
            raise AuthenticationFailed
        try:
            return self._gcm.decrypt(nonce, ciphertext, associated_data)
        except InvalidTag as exc:
            raise AuthenticationFailed from exc


@dataclass(frozen=True)
class ScryptParams:
    """Scrypt cost parameters plus salt; stored in clear next to what they protect."""

    salt: bytes
    n: int = 2**17  # OWASP's scrypt recommendation (128 MiB, about half a second)
    r: int = 8
    p: int = 1

    @classmethod
    def fresh(cls, n: int = 2**17) -> ScryptParams:
        """New random 128-bit salt."""
        return cls(salt=os.urandom(16), n=n)

    def derive(self, passphrase: str) -> bytes:
        """The 256-bit key for this passphrase."""
        return Scrypt(salt=self.salt, length=KEY_BYTES, n=self.n, r=self.r, p=self.p).derive(
            passphrase.encode("utf-8")
        )

    def to_json(self) -> dict[str, Any]:
        """Header form."""
        return {"name": "scrypt", "salt": b64e(self.salt), "n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_json(cls, data: Any) -> ScryptParams:
        """Parse and bound-check a header; ValueError if it is not one we would write."""
        if not isinstance(data, dict) or data.get("name") != "scrypt":
            raise ValueError("kdf is not scrypt")
        n, r, p = data.get("n"), data.get("r"), data.get("p")
        if not all(isinstance(v, int) for v in (n, r, p)):
            raise ValueError("kdf parameters are not integers")
        assert isinstance(n, int) and isinstance(r, int) and isinstance(p, int)
        if not (_SCRYPT_MIN_N <= n <= _SCRYPT_MAX_N and n & (n - 1) == 0):
            raise ValueError(f"kdf.n = {n} is not a power of two from 2**14 to 2**20")
        if not 1 <= r <= _SCRYPT_MAX_R:
            raise ValueError(f"kdf.r = {r} is not from 1 to {_SCRYPT_MAX_R}")
        if not 1 <= p <= _SCRYPT_MAX_P:
            raise ValueError(f"kdf.p = {p} is not from 1 to {_SCRYPT_MAX_P}")
        if 128 * n * r > _SCRYPT_MAX_MEMORY:
            need, most = 128 * n * r // 2**20, _SCRYPT_MAX_MEMORY // 2**20
            msg = f"kdf.n = {n} with kdf.r = {r} needs {need} MiB (128*n*r); at most {most} MiB"
            raise ValueError(msg)
        salt = b64d(data.get("salt"))
        if len(salt) < 16:
            raise ValueError("kdf salt too short")
        return cls(salt=salt, n=n, r=r, p=p)
