"""Token -> file: the only way a URL can name a file. Paths are canonicalized at registration and the
file is re-verified on every open, so a changed, removed or retargeted file is refused, never swapped."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from ._errors import MediaGoneError, TokenError
from ._media import MediaFile, OpenMedia, open_verified, snapshot
from .sealing import TokenSealer

__all__ = ["SEALED_TTL", "MediaRegistry"]

SEALED_TTL = 24 * 3600.0  # seconds; sealed tokens always expire (they outlive a kernel)
_MAX_SEEN = 4096  # sealed tokens remembered by a serving process (for unregister and health)
_CLAIM_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "p": str,
    "s": str,
    "t": str,
    "n": int,
    "m": int,
    "i": int,
    "d": int,
    "x": (int, float),
}


class MediaRegistry:
    """Registered files by opaque token; thread-safe (the kernel registers, the server thread serves).

    Without a ``sealer`` tokens are 256-bit random keys of an in-memory table: only this process can
    serve them (the standalone server). With a ``sealer`` tokens are sealed registrations that any
    process holding the runtime dir's key can open (the Jupyter server extension); unregistering one
    writes its id to the revocation list beside the key.
    """

    def __init__(
        self,
        *,
        sealer: TokenSealer | None = None,
        ttl: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sealer = sealer
        self.default_ttl = SEALED_TTL if sealer is not None and ttl is None else ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, MediaFile] = {}  # random token, or sealed token id

    @property
    def sealed(self) -> bool:
        """True when tokens are sealed (servable by another process sharing the key)."""
        return self.sealer is not None

    def register(
        self, path: str | os.PathLike[str], *, ttl: float | None = None, content_type: str | None = None
    ) -> str:
        """A new token for ``path`` as it is now; ``ttl`` seconds of validity (registry default if None)."""
        ttl = self.default_ttl if ttl is None else ttl
        if ttl is not None and ttl <= 0:
            msg = f"{os.fspath(path)!r}: ttl must be positive, got {ttl}"
            raise ValueError(msg)
        expires = None if ttl is None else self._clock() + ttl
        entry = snapshot(path, expires=expires, content_type=content_type)
        if self.sealer is None:
            token = secrets.token_urlsafe(32)
            with self._lock:
                self._prune()
                self._entries[token] = entry
            return token
        token_id = secrets.token_hex(16)
        token = self.sealer.seal(_claims(token_id, entry))
        with self._lock:
            self._prune()
            self._entries[token_id] = entry
        return token

    def unregister(self, token_or_path: str | os.PathLike[str]) -> int:
        """Forget a token, or every token of a path; returns how many were removed (or revoked)."""
        removed = self._pop_token(token_or_path) if isinstance(token_or_path, str) else []
        if not removed:
            source = os.path.abspath(os.fspath(token_or_path))  # noqa: PTH100 - keep symlinks
            names = {source, os.path.realpath(source)}
            with self._lock:
                for k, e in list(self._entries.items()):
                    if e.path in names or e.source in names:
                        removed.append((k, self._entries.pop(k)))
        if self.sealer is not None and removed:
            self.sealer.revocations.revoke((k, e.expires or self._clock()) for k, e in removed)
        return len(removed)

    def _pop_token(self, token: str) -> list[tuple[str, MediaFile]]:
        """Remove one token; a sealed token issued by another process is returned to be revoked."""
        if self.sealer is None:
            with self._lock:
                entry = self._entries.pop(token, None)
            return [] if entry is None else [(token, entry)]
        try:
            token_id, entry = _from_claims(self.sealer.open(token))
        except TokenError:
            return []
        with self._lock:
            self._entries.pop(token_id, None)
        return [(token_id, entry)]

    def resolve(self, token: str) -> MediaFile:
        """The registration behind a token (not yet verified against the disk: see ``open``)."""
        now = self._clock()
        if self.sealer is None:
            with self._lock:
                entry = self._entries.get(token)
                if entry is None:
                    raise TokenError("unknown media token")
                if entry.expired(now):
                    del self._entries[token]
                    raise MediaGoneError("media token expired")
            return entry
        token_id, entry = _from_claims(self.sealer.open(token))
        if entry.expired(now):
            raise MediaGoneError("media token expired")
        if self.sealer.revocations.is_revoked(token_id):
            raise MediaGoneError("media token was unregistered")
        with self._lock:
            if token_id not in self._entries:
                if len(self._entries) >= _MAX_SEEN:
                    self._prune()
                    while len(self._entries) >= _MAX_SEEN:
                        del self._entries[next(iter(self._entries))]
                self._entries[token_id] = entry
        return entry

    def lookup(self, token: str) -> MediaFile | None:
        """``resolve`` without its side effects on failure (an expired token stays for ``resolve`` to
        report as 410): the server's fast path asks first and leaves every refusal to the handler."""
        if self.sealer is None:
            entry = self._entries.get(token)  # one dict read: atomic under the GIL
            return None if entry is None or entry.expired(self._clock()) else entry
        try:
            return self.resolve(token)
        except (TokenError, MediaGoneError):
            return None

    def open(self, token: str) -> OpenMedia:
        """The verified open file behind a token (a ``with`` block); TokenError: 404, MediaGoneError: 410."""
        return open_verified(self.resolve(token))

    def _prune(self) -> None:
        """Drop expired entries (caller holds the lock)."""
        now = self._clock()
        for k in [k for k, e in self._entries.items() if e.expired(now)]:
            del self._entries[k]

    def __len__(self) -> int:
        """Live registrations (for sealed registries: issued or served by this process)."""
        with self._lock:
            self._prune()
            return len(self._entries)

    def __repr__(self) -> str:
        kind = "sealed" if self.sealer is not None else "in-memory"
        return f"MediaRegistry({kind}, {len(self)} registered)"


def _claims(token_id: str, e: MediaFile) -> dict[str, Any]:
    """The sealed form of a registration (short keys keep URLs short)."""
    assert e.expires is not None, "sealed tokens always expire"
    return {
        "v": 1,
        "id": token_id,
        "p": e.path,
        "s": e.source,
        "n": e.size,
        "m": e.mtime_ns,
        "i": e.ino,
        "d": e.dev,
        "x": e.expires,
        "t": e.content_type,
        "c": e.ctime_ns,
    }


def _from_claims(c: dict[str, Any]) -> tuple[str, MediaFile]:
    """Back from claims; a shape we did not write is TokenError (it cannot be ours)."""
    if not (c.get("v") == 1 and all(isinstance(c.get(k), t) for k, t in _CLAIM_TYPES.items())):
        raise TokenError("not a media token")
    entry = MediaFile(
        path=c["p"],
        source=c["s"],
        size=c["n"],
        mtime_ns=c["m"],
        ino=c["i"],
        dev=c["d"],
        expires=float(c["x"]),
        content_type=c["t"],
        ctime_ns=c["c"] if isinstance(c.get("c"), int) else 0,
    )
    return c["id"], entry
