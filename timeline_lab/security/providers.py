"""OAuth provider settings as data: endpoints, parameter names and quirks, each overridable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

__all__ = ["INSTAGRAM", "OAUTH_PROVIDERS", "TIKTOK", "YOUTUBE", "OAuthProvider"]


@dataclass(frozen=True)
class OAuthProvider:
    """One authorization server; `rebased()` or `dataclasses.replace` points it elsewhere (tests, proxies)."""

    name: str
    title: str
    authorize_url: str
    token_url: str
    revoke_url: str | None
    scopes: tuple[str, ...]
    client_id_param: str = "client_id"  # TikTok calls it client_key
    scope_separator: str = " "
    challenge_encoding: Literal["base64url", "hex"] = "base64url"
    extra_authorize_params: Mapping[str, str] = field(default_factory=dict)
    revoke_token: Literal["refresh", "access"] = "refresh"
    revoke_with_client: bool = False

    @property
    def client_id_entry(self) -> str:
        """Vault entry holding the client id (`youtube.client_id`, `tiktok.client_key`, ...)."""
        return f"{self.name}.{self.client_id_param}"

    @property
    def client_secret_entry(self) -> str:
        """Vault entry holding the client secret."""
        return f"{self.name}.client_secret"

    def rebased(self, base_url: str) -> OAuthProvider:
        """Same paths on another scheme://host:port (every endpoint)."""
        base = urlsplit(base_url)

        def move(url: str | None) -> str | None:
            if url is None:
                return None
            parts = urlsplit(url)
            return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

        token_url, authorize_url = move(self.token_url), move(self.authorize_url)
        assert token_url is not None and authorize_url is not None
        return replace(
            self, authorize_url=authorize_url, token_url=token_url, revoke_url=move(self.revoke_url)
        )


YOUTUBE = OAuthProvider(
    name="youtube",
    title="YouTube (Google)",
    authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
    token_url="https://oauth2.googleapis.com/token",
    revoke_url="https://oauth2.googleapis.com/revoke",
    scopes=("https://www.googleapis.com/auth/youtube.upload",),
    # offline + consent: Google only returns a refresh token when both are asked for
    extra_authorize_params=MappingProxyType({"access_type": "offline", "prompt": "consent"}),
)

# Instagram API with Instagram Login. Meta has no RFC 7009 revoke endpoint (access is removed in the
# app's settings) and its long-lived tokens are extended, not refreshed with a refresh token.
INSTAGRAM = OAuthProvider(
    name="instagram",
    title="Instagram (Meta)",
    authorize_url="https://www.instagram.com/oauth/authorize",
    token_url="https://api.instagram.com/oauth/access_token",
    revoke_url=None,
    scopes=("instagram_business_basic", "instagram_business_content_publish"),
    scope_separator=",",
)

# TikTok Login Kit (desktop): client_key, comma-separated scopes, and a hex SHA-256 code challenge.
TIKTOK = OAuthProvider(
    name="tiktok",
    title="TikTok",
    authorize_url="https://www.tiktok.com/v2/auth/authorize/",
    token_url="https://open.tiktokapis.com/v2/oauth/token/",
    revoke_url="https://open.tiktokapis.com/v2/oauth/revoke/",
    scopes=("user.info.basic", "video.upload"),
    client_id_param="client_key",
    scope_separator=",",
    challenge_encoding="hex",
    revoke_token="access",
    revoke_with_client=True,
)

OAUTH_PROVIDERS: Mapping[str, OAuthProvider] = MappingProxyType(
    {p.name: p for p in (YOUTUBE, INSTAGRAM, TIKTOK)}
)
