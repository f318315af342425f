"""OAuth end to end against a fake authorization server that really checks state, S256 and rotation."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import MemoryKeyring
from tests.security.fakes import FakeAuth, LocalServer
from timeline_lab.security import (
    INSTAGRAM,
    TIKTOK,
    YOUTUBE,
    OAuthClient,
    OAuthError,
    OAuthProvider,
    OAuthStateError,
    OAuthTimeoutError,
    Secret,
    Vault,
    run_sync,
)
from timeline_lab.security._loopback import LoopbackListener
from timeline_lab.security.oauth import code_challenge

Server = tuple[LocalServer, FakeAuth]


@pytest.fixture
def vault(vault_path: Path, memkeyring: MemoryKeyring) -> Vault:
    return Vault(vault_path, keyring_backend=memkeyring)


def client(server: Server, vault: Vault, provider: OAuthProvider = YOUTUBE, **kw: object) -> OAuthClient:
    srv, st = server
    return OAuthClient(provider.rebased(srv.url), st.client_id, st.client_secret, vault=vault, **kw)  # type: ignore[arg-type]


def browser(url: str) -> httpx.Response:
    """The user's browser: follow the provider's redirect to the loopback listener."""
    return httpx.get(url, follow_redirects=True, timeout=10)


def sign_in(c: OAuthClient) -> None:
    session = c.start_authorization()
    assert browser(session.url).status_code == 200
    code = session.wait(5)
    run_sync(c.exchange_code(code, verifier=session.verifier, redirect_uri=session.redirect_uri))


def test_authorize_end_to_end(
    auth_server: Server, vault: Vault, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, st = auth_server
    opened: list[threading.Thread] = []

    def open_browser(url: str) -> bool:
        t = threading.Thread(target=browser, args=(url,))
        t.start()
        opened.append(t)
        return True

    monkeypatch.setattr("webbrowser.open", open_browser)
    c = client(auth_server, vault)
    tokens = c.authorize(timeout=10, open_browser=True)
    opened[0].join()
    assert tokens.access_token.reveal() in st.access_tokens
    assert c.tokens() == tokens
    assert vault.names() == ["oauth.youtube.default"]
    p = st.authorize_params
    assert p["code_challenge_method"] == "S256" and p["access_type"] == "offline" and len(p["state"]) >= 43
    assert p["scope"] == "https://www.googleapis.com/auth/youtube.upload"
    out = capsys.readouterr().out
    assert "Sign in to YouTube (Google)" in out and "127.0.0.1" in out  # URL printed outside Jupyter
    assert "CANARY" not in repr(tokens) + repr(c)


def test_tiktok_uses_client_key_and_its_challenge(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    st.client_id_param, st.challenge_encoding = "client_key", "hex"
    c = client(auth_server, vault, TIKTOK)
    sign_in(c)
    assert "client_key" in st.authorize_params and "client_id" not in st.authorize_params
    assert st.authorize_params["scope"] == "user.info.basic,video.upload"
    assert st.token_requests[-1]["client_key"] == st.client_id
    assert c.tokens() is not None


def test_state_mismatch_is_rejected(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    st.tamper_state = True
    c = client(auth_server, vault)
    session = c.start_authorization()
    assert browser(session.url).status_code == 400
    with pytest.raises(OAuthStateError, match=r"within 0\.5s; 1 with another state refused"):
        session.wait(0.5)
    assert c.tokens() is None and st.token_requests == []  # the code was never exchanged


STRAYS = [
    "",
    "?state=",
    "?code=abc",
    "?error=access_denied",
    "?state=wrong&code=abc",
    "?state=wrong&error=access_denied",
    "?state=state-1x&code=abc",
    "?state=state-&code=abc",
    "?state=STATE-1&code=abc",
]


@pytest.mark.parametrize("strays", [[q] for q in STRAYS] + [STRAYS])
def test_a_stray_callback_is_refused_and_the_sign_in_goes_on(strays: list[str]) -> None:
    """A stale tab, a prefetch or a page probing local ports must not end the sign-in."""
    listener = LoopbackListener("state-1")
    url = listener.redirect_uri
    for query in strays:
        resp = httpx.get(url + query, timeout=5)
        assert resp.status_code == 400 and "not from the sign-in now in progress" in resp.text
    assert not listener.done and listener.refused == len(strays)
    assert httpx.get(f"{url}?state=state-1&code=the-code", timeout=5).status_code == 200
    assert listener.wait(1) == "the-code"


def test_sign_in_after_a_stray_callback(auth_server: Server, vault: Vault) -> None:
    c = client(auth_server, vault)
    session = c.start_authorization()
    assert httpx.get(session.redirect_uri, timeout=5).status_code == 400  # e.g. a tab left from before
    assert browser(session.url).status_code == 200
    code = session.wait(5)
    run_sync(c.exchange_code(code, verifier=session.verifier, redirect_uri=session.redirect_uri))
    assert c.tokens() is not None


def test_only_strays_end_as_a_state_error_at_the_timeout() -> None:
    listener = LoopbackListener("state-1")
    for query in STRAYS[:3]:
        httpx.get(listener.redirect_uri + query, timeout=5)
    with pytest.raises(OAuthStateError, match=r"within 0\.3s; 3 with another state refused"):
        listener.wait(0.3)


def test_wrong_pkce_verifier_is_rejected_by_the_server(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    c = client(auth_server, vault)
    session = c.start_authorization()
    browser(session.url)
    code = session.wait(5)
    with pytest.raises(OAuthError, match="HTTP 400, invalid_grant") as info:
        run_sync(c.exchange_code(code, verifier="x" * 64, redirect_uri=session.redirect_uri))
    assert "CANARY" not in str(info.value)
    assert st.token_requests[-1]["code_verifier"] == "x" * 64 and c.tokens() is None


def test_listener_times_out_and_is_one_shot() -> None:
    with pytest.raises(OAuthTimeoutError, match=r"within 0\.2s"):
        LoopbackListener("s" * 43).wait(0.2)
    listener = LoopbackListener("state-1")
    url = listener.redirect_uri
    assert httpx.get(url.replace("/callback", "/favicon.ico")).status_code == 404  # ignored, still waiting
    assert httpx.get(f"{url}?state=state-1&code=abc").status_code == 200
    assert listener.wait(1) == "abc"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}?state=state-1&code=again")


def test_provider_error_redirect(vault: Vault) -> None:
    listener = LoopbackListener("st")
    httpx.get(f"{listener.redirect_uri}?state=st&error=access_denied")
    with pytest.raises(OAuthError, match="refused by the provider: access_denied"):
        listener.wait(1)


def test_refresh_before_expiry_with_rotation(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    now = [1_000_000.0]
    c = client(auth_server, vault, refresh_margin=300, clock=lambda: now[0])
    sign_in(c)
    first = c.tokens()
    assert first is not None and first.refresh_token is not None
    assert run_sync(c.access_token()) == first.access_token  # an hour left: no refresh
    now[0] += 3600 - 299  # inside the margin
    token = run_sync(c.access_token())
    second = c.tokens()
    assert second is not None and second.refresh_token is not None
    assert token == second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token  # rotated and stored
    assert first.refresh_token.reveal() not in st.refresh_tokens  # the old one is spent at the server
    assert second.expires_at == now[0] + 3600


def test_refresh_keeps_the_refresh_token_when_not_rotated(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    st.rotate_refresh = False
    c = client(auth_server, vault)
    sign_in(c)
    first = c.tokens()
    run_sync(c.refresh())
    second = c.tokens()
    assert first and second and second.refresh_token == first.refresh_token
    assert second.access_token != first.access_token


def test_refresh_on_401_then_retry(auth_server: Server, vault: Vault) -> None:
    srv, st = auth_server
    c = client(auth_server, vault)
    sign_in(c)
    st.access_tokens.clear()  # the provider expired the token early
    resp = run_sync(c.request("POST", f"{srv.url}/upload", content=b"video-bytes"))
    assert resp.status_code == 200 and resp.json()["bytes"] == 11
    assert st.uploads == 1 and st.token_requests[-1]["grant_type"] == "refresh_token"


def test_revoke(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    c = client(auth_server, vault)
    sign_in(c)
    tokens = c.tokens()
    assert tokens and tokens.refresh_token
    run_sync(c.revoke())
    assert st.revoked == [tokens.refresh_token.reveal()]
    assert c.tokens() is None and "oauth.youtube.default" not in vault
    with pytest.raises(OAuthError, match="not signed in"):
        run_sync(c.access_token())


def test_revoke_failure_still_deletes_locally(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    st.client_id_param, st.challenge_encoding = "client_key", "hex"
    c = client(auth_server, vault, TIKTOK)
    sign_in(c)
    st.revoke_status = 503
    with pytest.raises(OAuthError, match=r"revoke refused: HTTP 503.*deleted anyway"):
        run_sync(c.revoke())
    assert c.tokens() is None


def test_instagram_has_no_revoke_endpoint(
    auth_server: Server, vault: Vault, caplog: pytest.LogCaptureFixture
) -> None:
    c = client(auth_server, vault, INSTAGRAM)
    sign_in(c)
    assert (
        auth_server[1].authorize_params["scope"]
        == "instagram_business_basic,instagram_business_content_publish"
    )
    run_sync(c.revoke())
    assert c.tokens() is None and "no revoke endpoint" in caplog.text


def test_from_vault_and_providers_as_data(auth_server: Server, vault: Vault) -> None:
    _, st = auth_server
    vault.update({"youtube.client_id": st.client_id, "youtube.client_secret": st.client_secret})
    c = OAuthClient.from_vault(YOUTUBE.rebased(auth_server[0].url), vault, account="me")
    sign_in(c)
    assert c.token_entry == "oauth.youtube.me" and c.token_entry in vault
    custom = replace(YOUTUBE, token_url="http://127.0.0.1:1/t", scopes=("a", "b"))
    assert custom.authorize_url == YOUTUBE.authorize_url and custom.scopes == ("a", "b")
    assert TIKTOK.client_id_entry == "tiktok.client_key"


def test_code_challenge_vectors() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert len(code_challenge(verifier, "hex")) == 64


def test_bad_client_secret_is_reported_without_it(auth_server: Server, vault: Vault) -> None:
    srv, st = auth_server
    c = OAuthClient(YOUTUBE.rebased(srv.url), st.client_id, Secret("cs-wrong-CANARY"), vault=vault)
    session = c.start_authorization()
    browser(session.url)
    with pytest.raises(OAuthError, match="HTTP 401, invalid_client") as info:
        run_sync(
            c.exchange_code(session.wait(5), verifier=session.verifier, redirect_uri=session.redirect_uri)
        )
    assert "CANARY" not in str(info.value)


def test_unreadable_stored_tokens(vault: Vault) -> None:
    vault.set("oauth.youtube.default", '{"format": "OAuthTokens.1", "access_token": ')
    c = OAuthClient(YOUTUBE, "id", vault=vault)
    with pytest.raises(OAuthError, match="stored tokens are unreadable"):
        c.tokens()


def test_sign_in_link_is_a_button_in_jupyter(monkeypatch: pytest.MonkeyPatch) -> None:
    from timeline_lab.security import _display

    shown: list[object] = []
    assert not _display.in_notebook()  # plain pytest is not a kernel
    monkeypatch.setattr(_display, "in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    _display.show_link("https://auth.example/?a=1&state=<x>", "Sign in to TikTok")
    (html,) = shown
    data = html.data  # type: ignore[attr-defined]
    assert "<a href='https://auth.example/?a=1&amp;state=&lt;x&gt;'" in data and "target='_blank'" in data


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>", " JAVASCRIPT:x", "file:///etc"]
)
def test_a_sign_in_link_is_only_ever_http(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from timeline_lab.security import _display

    monkeypatch.setattr(_display, "in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda obj: pytest.fail("a non-http link was shown"))
    with pytest.raises(ValueError, match="not http"):
        _display.show_link(url, "Sign in")
