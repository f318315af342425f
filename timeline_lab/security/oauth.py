"""OAuth 2 authorization code + PKCE (S256) + mandatory state; tokens kept in the vault, refreshed early."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import re
import secrets
import time
import webbrowser
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from ._display import show_link
from ._errors import OAuthError, SecretNotFoundError
from ._keys import async_process_lock
from ._loopback import LoopbackListener
from ._secret import Secret
from ._sync import run_sync
from .providers import OAuthProvider
from .vault import Vault

__all__ = ["AuthorizationSession", "OAuthClient", "TokenSet", "code_challenge"]

log = logging.getLogger("timeline_lab.security")

TOKENS_FORMAT = "OAuthTokens.1"
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def code_challenge(verifier: str, encoding: Literal["base64url", "hex"] = "base64url") -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding (TikTok desktop: hex digest)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    if encoding == "hex":
        return digest.hex()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class TokenSet:
    """Access + refresh token and expiry; stored as one vault entry so a rotation is one atomic write."""

    access_token: Secret
    refresh_token: Secret | None
    expires_at: float | None  # epoch seconds; None when the provider did not say
    token_type: str = "Bearer"
    scope: str = ""

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the access token is expired or will be within `seconds`."""
        return self.expires_at is not None and self.expires_at - seconds <= now

    @classmethod
    def from_response(cls, data: Mapping[str, Any], now: float, previous: TokenSet | None = None) -> TokenSet:
        """Parse a token response; keeps the old refresh token when the provider does not rotate it."""
        expires_in = data.get("expires_in")
        refresh = data.get("refresh_token")
        return cls(
            access_token=Secret(str(data["access_token"])),
            refresh_token=Secret(str(refresh)) if refresh else (previous.refresh_token if previous else None),
            expires_at=now + float(expires_in) if isinstance(expires_in, int | float) else None,
            token_type=str(data.get("token_type") or "Bearer"),
            scope=str(data.get("scope") or (previous.scope if previous else "")),
        )

    def dumps(self) -> str:
        """The vault entry's JSON (reveals the tokens: only ever handed to Vault.set)."""
        doc = {
            "format": TOKENS_FORMAT,
            "access_token": self.access_token.reveal(),
            "refresh_token": self.refresh_token.reveal() if self.refresh_token else None,
            "expires_at": self.expires_at,
            "token_type": self.token_type,
            "scope": self.scope,
        }
        return json.dumps(doc)

    @classmethod
    def loads(cls, text: str) -> TokenSet:
        """Inverse of `dumps`."""
        doc = json.loads(text)
        if doc.get("format") != TOKENS_FORMAT:
            msg = f"stored tokens have format {doc.get('format')!r}, expected {TOKENS_FORMAT!r}"
            raise OAuthError(msg)
        return cls(
            access_token=Secret(doc["access_token"]),
            refresh_token=Secret(doc["refresh_token"]) if doc.get("refresh_token") else None,
            expires_at=doc.get("expires_at"),
            token_type=doc.get("token_type") or "Bearer",
            scope=doc.get("scope") or "",
        )


@dataclass
class AuthorizationSession:
    """A started sign-in: the URL to open, and the listener waiting for its one redirect."""

    url: str = field(repr=False)  # carries state and challenge
    redirect_uri: str
    verifier: Secret = field(repr=False)
    listener: LoopbackListener = field(repr=False)

    def wait(self, timeout: float = 300.0) -> str:
        """The authorization code (state already checked); closes the listener."""
        return self.listener.wait(timeout)

    def close(self) -> None:
        """Release the port."""
        self.listener.close()


class OAuthClient:
    """Sign in once per account, then hand out fresh access tokens and authenticated requests.

    Tokens are stored in `vault` under ``oauth.<provider>.<account>``.
    """

    def __init__(
        self,
        provider: OAuthProvider,
        client_id: str | Secret,
        client_secret: str | Secret | None = None,
        *,
        vault: Vault,
        account: str = "default",
        refresh_margin: float = 300.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self._client_id = Secret(client_id)
        self._client_secret = Secret(client_secret) if client_secret else None
        self.vault = vault
        self.account = account
        self.refresh_margin = refresh_margin
        self.timeout = timeout
        self._clock = clock
        self._loop_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @classmethod
    def from_vault(cls, provider: OAuthProvider, vault: Vault, **kwargs: Any) -> OAuthClient:
        """Client credentials from the vault entries that `import_env` writes."""
        secret = vault.get(provider.client_secret_entry) if provider.client_secret_entry in vault else None
        return cls(provider, vault.get(provider.client_id_entry), secret, vault=vault, **kwargs)

    def __repr__(self) -> str:
        return f"OAuthClient({self.provider.name!r}, account={self.account!r})"

    @property
    def token_entry(self) -> str:
        """Vault entry name for this provider and account."""
        return f"oauth.{self.provider.name}.{self.account}"

    def tokens(self) -> TokenSet | None:
        """Stored tokens, or None before the first sign-in."""
        try:
            text = self.vault.get(self.token_entry).reveal()
        except SecretNotFoundError:
            return None
        try:
            return TokenSet.loads(text)
        except (ValueError, KeyError, TypeError):
            msg = f"oauth {self.provider.name}/{self.account}: stored tokens are unreadable; sign in again"
            raise OAuthError(msg) from None

    # -- sign-in -------------------------------------------------------------------------------

    def start_authorization(self, *, port: int = 0) -> AuthorizationSession:
        """Fresh state and PKCE verifier, a loopback listener, and the URL to open."""
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 chars of the RFC 7636 alphabet
        listener = LoopbackListener(state, port=port)
        p = self.provider
        params = {
            "response_type": "code",
            p.client_id_param: self._client_id.reveal(),
            "redirect_uri": listener.redirect_uri,
            "scope": p.scope_separator.join(p.scopes),
            "state": state,
            "code_challenge": code_challenge(verifier, p.challenge_encoding),
            "code_challenge_method": "S256",
            **p.extra_authorize_params,
        }
        url = p.authorize_url + ("&" if "?" in p.authorize_url else "?") + urlencode(params)
        log.info("oauth %s: waiting for the sign-in redirect on %s", p.name, listener.redirect_uri)
        return AuthorizationSession(url, listener.redirect_uri, Secret(verifier), listener)

    def authorize(self, *, timeout: float = 300.0, port: int = 0, open_browser: bool = False) -> TokenSet:
        """Show the sign-in link (a button in Jupyter), wait for the redirect, store the tokens."""
        session = self.start_authorization(port=port)
        try:
            show_link(session.url, f"Sign in to {self.provider.title}")
            if open_browser:
                webbrowser.open(session.url)
            code = session.wait(timeout)
        finally:
            session.close()
        return run_sync(
            self.exchange_code(code, verifier=session.verifier, redirect_uri=session.redirect_uri)
        )

    async def exchange_code(self, code: str, *, verifier: str | Secret, redirect_uri: str) -> TokenSet:
        """Trade the code + PKCE verifier for tokens, and store them."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": Secret(verifier).reveal(),
            **self._client_form(),
        }
        data = await self._post(self.provider.token_url, form, "code exchange")
        tokens = self._store(TokenSet.from_response(data, self._clock()))
        log.info("oauth %s/%s: signed in", self.provider.name, self.account)
        return tokens

    # -- using tokens --------------------------------------------------------------------------

    async def refresh(self) -> TokenSet:
        """New access token (and the rotated refresh token, if the provider sends one)."""
        async with self._refreshing():
            return await self._refresh_locked(self._require_tokens())

    async def access_token(self) -> Secret:
        """A token valid for at least `refresh_margin` seconds (refreshing first if needed)."""
        tokens = self._require_tokens()
        if self._stale(tokens):
            async with self._refreshing():
                tokens = self._require_tokens()  # another task or process may have refreshed meanwhile
                if self._stale(tokens):
                    tokens = await self._refresh_locked(tokens)
        return tokens.access_token

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Authenticated request; on 401 refresh once and retry (bodies must be bytes/form, not streams)."""
        headers = dict(kwargs.pop("headers", None) or {})
        token = await self.access_token()
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            resp = await client.request(method, url, headers={**headers, **_bearer(token)}, **kwargs)
            tokens = self.tokens()
            if resp.status_code == 401 and tokens is not None and tokens.refresh_token is not None:
                log.info("oauth %s: HTTP 401 from %s; refreshing and retrying once", self.provider.name, url)
                token = await self._refresh_rejected(token)
                resp = await client.request(method, url, headers={**headers, **_bearer(token)}, **kwargs)
        return resp

    async def revoke(self) -> None:
        """Revoke at the provider (where it has an endpoint) and delete the stored tokens either way."""
        tokens = self.tokens()
        if tokens is None:
            return
        failure = None
        p = self.provider
        if p.revoke_url is None:
            log.warning(
                "oauth %s: no revoke endpoint; tokens deleted locally, remove the app in its settings", p.name
            )
        else:
            use_refresh = p.revoke_token == "refresh" and tokens.refresh_token is not None
            token = tokens.refresh_token if use_refresh and tokens.refresh_token else tokens.access_token
            form = {"token": token.reveal(), **(self._client_form() if p.revoke_with_client else {})}
            try:
                await self._post(p.revoke_url, form, "revoke", expect_token=False)
            except OAuthError as exc:
                failure = exc
        self.vault.delete(self.token_entry)
        log.info("oauth %s/%s: tokens revoked and deleted", p.name, self.account)
        if failure is not None:
            msg = f"{failure}; the local tokens were deleted anyway"
            raise OAuthError(msg) from failure

    # -- internals -----------------------------------------------------------------------------

    def _client_form(self) -> dict[str, str]:
        form = {self.provider.client_id_param: self._client_id.reveal()}
        if self._client_secret is not None:
            form["client_secret"] = self._client_secret.reveal()
        return form

    def _stale(self, tokens: TokenSet) -> bool:
        return tokens.refresh_token is not None and tokens.expires_within(self.refresh_margin, self._clock())

    @contextlib.asynccontextmanager
    async def _refreshing(self) -> AsyncIterator[None]:
        """One refresh of this account at a time, across tasks (asyncio lock) and processes (file lock):
        with rotation the provider spends a refresh token on first use, so a second, concurrent
        refresh with it would fail with invalid_grant."""
        vault = self.vault.path
        digest = hashlib.sha256(self.token_entry.encode()).hexdigest()[:16]
        path = vault.with_name(f"{vault.name}.oauth-{digest}")
        async with self._task_lock(), async_process_lock(path):
            yield

    def _task_lock(self) -> asyncio.Lock:
        """This client's lock for the running loop (`run_sync` gives each blocking call a new loop; a
        lock is bound to one). Other clients of the account, in any process, meet at the file lock."""
        loop = asyncio.get_running_loop()
        if self._loop_lock is None or self._loop_lock[0] is not loop:
            self._loop_lock = (loop, asyncio.Lock())
        return self._loop_lock[1]

    async def _refresh_rejected(self, rejected: Secret) -> Secret:
        """A token other than `rejected`: the one another caller stored meanwhile, else a fresh one."""
        async with self._refreshing():
            tokens = self._require_tokens()
            if tokens.access_token == rejected:
                tokens = await self._refresh_locked(tokens)
        return tokens.access_token

    async def _refresh_locked(self, old: TokenSet) -> TokenSet:
        if old.refresh_token is None:
            msg = f"oauth {self.provider.name}/{self.account}: no refresh token stored; sign in again"
            raise OAuthError(msg)
        form = {
            "grant_type": "refresh_token",
            "refresh_token": old.refresh_token.reveal(),
            **self._client_form(),
        }
        data = await self._post(self.provider.token_url, form, "token refresh")
        tokens = self._store(TokenSet.from_response(data, self._clock(), previous=old))
        rotated = "rotated" if data.get("refresh_token") else "kept"
        log.info(
            "oauth %s/%s: access token refreshed (refresh token %s)",
            self.provider.name,
            self.account,
            rotated,
        )
        return tokens

    def _require_tokens(self) -> TokenSet:
        tokens = self.tokens()
        if tokens is None:
            msg = f"oauth {self.provider.name}/{self.account}: not signed in; call authorize() first"
            raise OAuthError(msg)
        return tokens

    def _store(self, tokens: TokenSet) -> TokenSet:
        self.vault.set(self.token_entry, tokens.dumps())
        return tokens

    async def _post(
        self, url: str, form: dict[str, str], what: str, *, expect_token: bool = True
    ) -> dict[str, Any]:
        where = f"oauth {self.provider.name} {what}"
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                resp = await client.post(url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            msg = f"{where}: {type(exc).__name__} contacting {url}"
            raise OAuthError(msg) from None
        try:
            data = resp.json() if resp.content else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        error = data.get("error")
        if (
            resp.status_code >= 400
            or (error and error != "ok")
            or (expect_token and "access_token" not in data)
        ):
            code = error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else "no error code"
            msg = f"{where} refused: HTTP {resp.status_code}, {code}"
            raise OAuthError(msg)
        return data


def _bearer(token: Secret) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.reveal()}"}
