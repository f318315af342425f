"""Local stand-ins for the providers (Tornado on 127.0.0.1, a free port): they check what real ones check."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import tornado.httpserver
import tornado.netutil
import tornado.web

CANARY = "CANARY"  # every fake secret contains this, so the leak test can grep for it


class LocalServer:
    """Run a Tornado app on its own event loop thread; usable from sync and async tests alike."""

    def __init__(self, app: tornado.web.Application) -> None:
        self.app = app
        self.port = 0
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _main(self) -> None:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        server = tornado.httpserver.HTTPServer(self.app)
        server.add_sockets(sockets)
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        server.stop()
        await server.close_all_connections()

    def __enter__(self) -> LocalServer:
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


# -- API-key services ------------------------------------------------------------------------------


@dataclass
class FakeKeys:
    hits: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0


class _ModelsHandler(tornado.web.RequestHandler):
    def initialize(self, state: FakeKeys, provider: str) -> None:
        self.state, self.provider = state, provider
        self.closed = asyncio.Event()

    def on_connection_close(self) -> None:
        self.closed.set()

    def _key(self) -> str | None:
        h = self.request.headers
        if self.provider == "openai":
            auth = h.get("Authorization", "")
            return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        if self.provider == "anthropic":
            return h.get("x-api-key") if h.get("anthropic-version") else None
        return h.get("x-goog-api-key")

    async def get(self) -> None:
        key = self._key()
        self.state.hits[self.provider] += 1
        if key is None:
            self.set_status(400)
            self.finish({"error": "missing auth or version header"})
            return
        self.state.in_flight += 1
        self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)
        try:
            if "slow" in key:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closed.wait(), 3)
                if self.closed.is_set():
                    return
            if "wait" in key:
                await asyncio.sleep(0.1)
        finally:
            self.state.in_flight -= 1
        if "good" in key or "slow" in key or "wait" in key:
            self.finish({"data": [{"id": "model-1"}]})
        elif "ratelimit" in key:
            self.set_status(429)
            self.set_header("Retry-After", "7")
            self.finish({"error": {"type": "rate_limit_error"}})
        elif "boom" in key:
            self.set_status(503)
            self.finish({"error": "overloaded"})
        elif self.provider == "gemini":  # Gemini answers a bad key with 400 API_KEY_INVALID
            self.set_status(400)
            self.finish({"error": {"code": 400, "status": "INVALID_ARGUMENT", "reason": "API_KEY_INVALID"}})
        else:
            self.set_status(401)
            self.finish({"error": {"type": "authentication_error"}})


def keys_app(state: FakeKeys) -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/openai/v1/models", _ModelsHandler, {"state": state, "provider": "openai"}),
            (r"/anthropic/v1/models", _ModelsHandler, {"state": state, "provider": "anthropic"}),
            (r"/gemini/v1beta/models", _ModelsHandler, {"state": state, "provider": "gemini"}),
        ]
    )


# -- OAuth authorization server + an upload API ---------------------------------------------------


def s256(verifier: str, encoding: str) -> str:
    """Independent RFC 7636 S256 (hex for TikTok desktop), so the client's own helper is not trusted."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return digest.hex() if encoding == "hex" else base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class FakeAuth:
    client_id: str = "client-id-123"
    client_secret: str = f"cs-{CANARY}-client-secret"
    client_id_param: str = "client_id"
    challenge_encoding: str = "base64url"
    expires_in: int = 3600
    rotate_refresh: bool = True
    tamper_state: bool = False
    revoke_status: int = 200
    token_delay: float = 0.0  # seconds each token request takes (widens refresh races)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_params: dict[str, str] = field(default_factory=dict)
    uploads: int = 0

    def issue(self, *, refresh: bool) -> dict[str, Any]:
        at = f"at-{CANARY}-{secrets.token_hex(8)}"
        self.access_tokens.add(at)
        out: dict[str, Any] = {"access_token": at, "token_type": "Bearer", "expires_in": self.expires_in}
        if refresh:
            rt = f"rt-{CANARY}-{secrets.token_hex(8)}"
            self.refresh_tokens.add(rt)
            out["refresh_token"] = rt
        return out


class _Base(tornado.web.RequestHandler):
    def initialize(self, state: FakeAuth) -> None:
        self.state = state

    def fail(self, status: int, error: str) -> None:
        self.set_status(status)
        self.finish({"error": error})


class _Authorize(_Base):
    def get(self) -> None:
        st = self.state
        args = {k: self.get_argument(k) for k in self.request.arguments}
        st.authorize_params = args
        ok = (
            args.get("response_type") == "code"
            and args.get(st.client_id_param) == st.client_id
            and args.get("code_challenge_method") == "S256"
            and args.get("state")
            and args.get("code_challenge")
            and args.get("redirect_uri", "").startswith("http://127.0.0.1:")
        )
        if not ok:
            self.fail(400, "invalid_request")
            return
        code = f"code-{CANARY}-{secrets.token_hex(8)}"
        st.codes[code] = (args["code_challenge"], args["redirect_uri"])
        state = "forged-state" if st.tamper_state else args["state"]
        self.redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': state})}")


class _Token(_Base):
    async def post(self) -> None:
        st = self.state
        form = {k: self.get_body_argument(k) for k in self.request.body_arguments}
        st.token_requests.append(form)
        await asyncio.sleep(st.token_delay)
        if form.get(st.client_id_param) != st.client_id or form.get("client_secret") != st.client_secret:
            self.fail(401, "invalid_client")
            return
        if form.get("grant_type") == "authorization_code":
            entry = st.codes.pop(form.get("code", ""), None)
            if entry is None or entry[1] != form.get("redirect_uri"):
                self.fail(400, "invalid_grant")
                return
            expected = s256(form.get("code_verifier", ""), st.challenge_encoding)
            if not hmac.compare_digest(expected, entry[0]):
                self.fail(400, "invalid_grant")  # PKCE verifier does not match the challenge
                return
            self.finish(st.issue(refresh=True))
        elif form.get("grant_type") == "refresh_token":
            rt = form.get("refresh_token", "")
            if rt not in st.refresh_tokens:
                self.fail(400, "invalid_grant")
                return
            if st.rotate_refresh:
                st.refresh_tokens.discard(rt)  # rotation: the old refresh token is spent
            self.finish(st.issue(refresh=st.rotate_refresh))
        else:
            self.fail(400, "unsupported_grant_type")


class _Revoke(_Base):
    def post(self) -> None:
        st = self.state
        token = self.get_body_argument("token", "")
        if self.state.revoke_status != 200:
            self.fail(self.state.revoke_status, "server_error")
            return
        st.revoked.append(token)
        st.refresh_tokens.discard(token)
        st.access_tokens.discard(token)
        self.finish({})


class _Upload(_Base):
    def post(self) -> None:
        auth = self.request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.state.access_tokens:
            self.fail(401, "invalid_token")
            return
        self.state.uploads += 1
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"id": f"video-{self.state.uploads}", "bytes": len(self.request.body)}))


def auth_app(state: FakeAuth) -> tornado.web.Application:
    kw = {"state": state}
    return tornado.web.Application(
        [
            (r"(?:/o/oauth2/v2/auth|/v2/auth/authorize/|/oauth/authorize)", _Authorize, kw),
            (r"(?:/token|/v2/oauth/token/|/oauth/access_token)", _Token, kw),
            (r"(?:/revoke|/v2/oauth/revoke/)", _Revoke, kw),
            (r"/upload", _Upload, kw),
        ]
    )
