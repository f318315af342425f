"""Security errors: one branch of the timeline_lab hierarchy; messages name places, never secrets."""

from __future__ import annotations

from ..errors import TimelineLabError

__all__ = [
    "OAuthError",
    "OAuthStateError",
    "OAuthTimeoutError",
    "SecretNotFoundError",
    "SecurityError",
    "VaultCorruptError",
    "VaultError",
    "VaultIntegrityError",
    "VaultKeyError",
]


class SecurityError(TimelineLabError):
    """Root of the vault, validation and OAuth errors."""


class VaultError(SecurityError):
    """A vault that cannot be read or written (names the vault file)."""


class VaultCorruptError(VaultError):
    """A vault or bundle file that is truncated, not JSON, or missing fields."""


class VaultKeyError(VaultError):
    """The master key (keychain, key file or passphrase) is missing or does not open this vault."""


class VaultIntegrityError(VaultError):
    """An entry whose ciphertext fails authentication: tampered, or moved from another name."""


class SecretNotFoundError(VaultError):
    """No entry of that name in the vault."""


class OAuthError(SecurityError):
    """An authorization, token, refresh or revoke step the provider (or the user) refused."""


class OAuthStateError(OAuthError):
    """Only redirects whose `state` is not the one we sent came before the timeout: possible CSRF."""


class OAuthTimeoutError(OAuthError):
    """No redirect reached the loopback listener in time."""
