"""Sealed tokens: AES-256-GCM over the registration, so the Jupyter server can serve a file a kernel
registered without shared memory, and a URL never carries a readable (or forgeable) path."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import threading
from pathlib import Path
from typing import Any

from ._errors import TokenError
from ._keyfile import KEY_NAME, REVOKED_NAME, RevocationList, load_or_create_key

__all__ = ["LABEL", "TokenSealer", "default_runtime_dir"]

LABEL = b"timeline_lab media token v1"  # associated data: a token sealed for anything else won't open
_NONCE = 12
_TAG = 16
_MAX_TOKEN = 8192
_OPENED = 4096  # tokens whose claims are kept opened (a player asks for the same one per range)
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def default_runtime_dir() -> Path:
    """The Jupyter runtime dir both processes agree on (``JUPYTER_RUNTIME_DIR`` or the platform default)."""
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


class TokenSealer:
    """Seals and opens claims with the key file in a runtime dir; re-reads the key if it is replaced."""

    def __init__(self, runtime_dir: str | os.PathLike[str] | None = None) -> None:
        directory = Path(runtime_dir) if runtime_dir is not None else default_runtime_dir()
        self.key_path = directory / KEY_NAME
        self.revocations = RevocationList(directory / REVOKED_NAME)
        self._lock = threading.Lock()
        self._key_sig: tuple[int, int] | None = None
        self._aead: Any = None
        self._opened: dict[str, dict[str, Any]] = {}  # token -> claims, under the current key only

    def _cipher(self) -> Any:
        """The AESGCM for the current key file (one stat per call, reload on change)."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        with self._lock:
            try:
                st = self.key_path.stat()
                sig: tuple[int, int] | None = (st.st_ino, st.st_mtime_ns)
            except FileNotFoundError:
                sig = None
            if self._aead is None or sig != self._key_sig:
                key = load_or_create_key(self.key_path)
                st = self.key_path.stat()
                self._key_sig = (st.st_ino, st.st_mtime_ns)
                self._aead = AESGCM(key)
                self._opened.clear()  # opened under the old key: must not open any more
            return self._aead

    def ensure_key(self) -> None:
        """Create the key file now if missing (the extension does, so kernels find it in place)."""
        self._cipher()

    def seal(self, claims: dict[str, Any]) -> str:
        """An opaque URL-safe token carrying ``claims`` (JSON), confidential and tamper-evident."""
        nonce = secrets.token_bytes(_NONCE)
        data = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("ascii")
        sealed = nonce + self._cipher().encrypt(nonce, data, LABEL)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, token: str) -> dict[str, Any]:
        """The claims of a token we sealed; anything else (forged, truncated, other key) is TokenError.

        A token opened before under the current key is not decrypted again (a copy of its claims):
        AES-GCM and JSON were most of a sealed range request's lookup."""
        from cryptography.exceptions import InvalidTag

        if not (0 < len(token) <= _MAX_TOKEN and _B64URL.fullmatch(token)):
            raise TokenError("not a media token")
        aead = self._cipher()  # first: a replaced key empties the opened tokens
        known = self._opened.get(token)
        if known is not None:
            return dict(known)
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise TokenError("not a media token") from None
        # one spelling per token: base64's last character carries unused bits, so other letters
        # there decode to the same bytes (a second URL for the file, a second entry in the cache)
        if len(raw) <= _NONCE + _TAG or base64.urlsafe_b64encode(raw).rstrip(b"=") != token.encode("ascii"):
            raise TokenError("not a media token")
        try:
            data = aead.decrypt(raw[:_NONCE], raw[_NONCE:], LABEL)
            claims = json.loads(data)
        except (InvalidTag, ValueError):
            raise TokenError("not a media token") from None
        if not isinstance(claims, dict):
            raise TokenError("not a media token")
        with self._lock:
            if self._aead is aead:  # not if the key changed meanwhile
                if len(self._opened) >= _OPENED:
                    del self._opened[next(iter(self._opened))]
                self._opened[token] = claims
        return dict(claims)
