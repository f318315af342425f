"""Passphrase-protected export bundles: move a vault's entries to another machine without its master key."""

from __future__ import annotations

import json
from typing import Any

from ._crypto import Aead, AuthenticationFailed, ScryptParams, b64d, b64e
from ._errors import VaultCorruptError, VaultKeyError

__all__ = ["BUNDLE_FORMAT", "open_bundle", "seal_bundle"]

BUNDLE_FORMAT = "VaultBundle.1"


def _ad(kdf: dict[str, Any]) -> bytes:
    return f"{BUNDLE_FORMAT}|{json.dumps(kdf, sort_keys=True)}".encode()


def seal_bundle(values: dict[str, str], passphrase: str, *, scrypt_n: int) -> bytes:
    """Encrypt name -> value under a fresh Scrypt salt; the result is JSON bytes, safe to write anywhere."""
    params = ScryptParams.fresh(scrypt_n)
    kdf = params.to_json()
    nonce, ct = Aead(params.derive(passphrase)).seal(json.dumps(values).encode("utf-8"), _ad(kdf))
    doc = {"format": BUNDLE_FORMAT, "kdf": kdf, "nonce": b64e(nonce), "ciphertext": b64e(ct)}
    return (json.dumps(doc, indent=1) + "\n").encode("utf-8")


def open_bundle(data: bytes, passphrase: str, *, where: str) -> dict[str, str]:
    """Decrypt a bundle; VaultKeyError for a wrong passphrase, VaultCorruptError for a damaged file."""
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or doc.get("format") != BUNDLE_FORMAT:
            raise ValueError("not a bundle")
        kdf = doc["kdf"]
        params = ScryptParams.from_json(kdf)
        nonce, ct = b64d(doc["nonce"]), b64d(doc["ciphertext"])
    except (ValueError, KeyError, TypeError) as exc:
        msg = f"bundle {where}: not a {BUNDLE_FORMAT} file (truncated or corrupt: {exc})"
        raise VaultCorruptError(msg) from exc
    try:
        plain = Aead(params.derive(passphrase)).open(nonce, ct, _ad(kdf))
    except AuthenticationFailed:
        msg = f"bundle {where}: wrong passphrase, or the bundle was tampered with"
        raise VaultKeyError(msg) from None
    values = json.loads(plain)
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        msg = f"bundle {where}: decrypted payload is not a name -> value mapping"
        raise VaultCorruptError(msg)
    return {str(k): v for k, v in values.items()}
