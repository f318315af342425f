"""Secrets for timeline_lab: encrypted vault, API-key checks, OAuth sign-in, .env import (imported lazily)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import (
    OAuthError,
    OAuthStateError,
    OAuthTimeoutError,
    SecretNotFoundError,
    SecurityError,
    VaultCorruptError,
    VaultError,
    VaultIntegrityError,
    VaultKeyError,
)
from ._secret import Secret

if TYPE_CHECKING:
    from ._sync import run_sync
    from .dotenv import ImportReport, import_env
    from .oauth import OAuthClient, TokenSet
    from .providers import INSTAGRAM, OAUTH_PROVIDERS, TIKTOK, YOUTUBE, OAuthProvider
    from .validators import KeyStatus, KeyValidator, ValidationResult
    from .vault import KeySource, Vault, default_vault_path

__all__ = [
    "INSTAGRAM",
    "OAUTH_PROVIDERS",
    "TIKTOK",
    "YOUTUBE",
    "ImportReport",
    "KeySource",
    "KeyStatus",
    "KeyValidator",
    "OAuthClient",
    "OAuthError",
    "OAuthProvider",
    "OAuthStateError",
    "OAuthTimeoutError",
    "Secret",
    "SecretNotFoundError",
    "SecurityError",
    "TokenSet",
    "ValidationResult",
    "Vault",
    "VaultCorruptError",
    "VaultError",
    "VaultIntegrityError",
    "VaultKeyError",
    "default_vault_path",
    "import_env",
    "run_sync",
]

_LAZY = {
    "run_sync": "._sync",
    **dict.fromkeys(("ImportReport", "import_env"), ".dotenv"),
    **dict.fromkeys(("OAuthClient", "TokenSet"), ".oauth"),
    **dict.fromkeys(("INSTAGRAM", "OAUTH_PROVIDERS", "TIKTOK", "YOUTUBE", "OAuthProvider"), ".providers"),
    **dict.fromkeys(("KeyStatus", "KeyValidator", "ValidationResult"), ".validators"),
    **dict.fromkeys(("KeySource", "Vault", "default_vault_path"), ".vault"),
}


def __getattr__(name: str) -> Any:
    """Import httpx, keyring and cryptography on first use so `timeline-lab --help` stays fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'timeline_lab.security' has no attribute {name!r}")
