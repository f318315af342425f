"""Key validation end to end against local fake providers (Tornado on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.fakes import FakeKeys, LocalServer
from timeline_lab.security import KeyStatus, KeyValidator, Secret, SecurityError
from timeline_lab.security.validators import UNSENDABLE, _redact, base_urls_from_env, parse_retry_after

PROVIDERS = ["openai", "anthropic", "gemini"]


def make(server: LocalServer, **kw: object) -> KeyValidator:
    return KeyValidator(base_urls={p: f"{server.url}/{p}" for p in PROVIDERS}, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("key", "status", "http"),
    [
        ("sk-good-CANARY", KeyStatus.VALID, 200),
        ("sk-bad-CANARY", KeyStatus.INVALID, None),
        ("sk-ratelimit-CANARY", KeyStatus.RATE_LIMITED, 429),
        ("sk-boom-CANARY", KeyStatus.SERVICE_ERROR, 503),
    ],
)
def test_statuses(
    keys_server: tuple[LocalServer, FakeKeys], provider: str, key: str, status: KeyStatus, http: int | None
) -> None:
    server, _ = keys_server
    result = make(server).validate_sync(provider, Secret(key))
    assert result.status is status
    if http is not None:
        assert result.http_status == http
    if status is KeyStatus.INVALID:
        assert result.http_status == (400 if provider == "gemini" else 401)
    if status is KeyStatus.RATE_LIMITED:
        assert result.retry_after == 7
    assert "CANARY" not in repr(result) + result.describe()


def test_timeout_is_a_network_error(keys_server: tuple[LocalServer, FakeKeys]) -> None:
    server, _ = keys_server
    result = make(server, timeout=0.2).validate_sync("openai", "sk-slow-CANARY")
    assert result.status is KeyStatus.NETWORK_ERROR and "timed out after 0.2s" in result.detail


def test_refused_is_a_network_error(closed_port: int) -> None:
    v = KeyValidator(base_urls={"anthropic": f"http://127.0.0.1:{closed_port}"}, timeout=2)
    result = v.validate_sync("anthropic", "sk-ant-CANARY")
    assert result.status is KeyStatus.NETWORK_ERROR and "ConnectError" in result.detail
    assert "CANARY" not in result.describe()


def test_cache_by_salted_hash_with_ttl(keys_server: tuple[LocalServer, FakeKeys]) -> None:
    server, state = keys_server
    now = [1000.0]
    v = make(server, cache_ttl=60, clock=lambda: now[0])
    before = state.hits["openai"]
    first = v.validate_sync("openai", "sk-good-cache-CANARY")
    second = v.validate_sync("openai", "sk-good-cache-CANARY")
    assert not first.cached and second.cached and second.status is KeyStatus.VALID
    assert state.hits["openai"] == before + 1
    (ck,) = v._cache
    assert "CANARY" not in ck and len(ck) == 64  # HMAC-SHA256 hex, never the key
    now[0] += 61
    assert not v.validate_sync("openai", "sk-good-cache-CANARY").cached
    assert state.hits["openai"] == before + 2
    v.validate_sync("openai", "sk-ratelimit-CANARY")
    assert len(v._cache) == 1  # transient answers are not cached


def test_concurrency_is_bounded(keys_server: tuple[LocalServer, FakeKeys]) -> None:
    server, state = keys_server
    state.max_in_flight = 0
    v = make(server, max_concurrency=2)
    results = v.validate_many_sync(("openai", f"sk-wait-{i}") for i in range(6))
    assert [r.status for r in results] == [KeyStatus.VALID] * 6
    assert state.max_in_flight == 2


def test_sync_wrapper_works_inside_a_running_loop(keys_server: tuple[LocalServer, FakeKeys]) -> None:
    server, _ = keys_server
    v = make(server)

    async def notebook_cell() -> KeyStatus:
        return v.validate_sync("gemini", "AIza-good-CANARY").status  # blocking call under a live loop

    assert asyncio.run(notebook_cell()) is KeyStatus.VALID


def test_async_api(keys_server: tuple[LocalServer, FakeKeys]) -> None:
    server, _ = keys_server
    v = make(server)
    results = asyncio.run(v.validate_many([("openai", "sk-good-a"), ("anthropic", "bad"), ("gemini", "")]))
    assert [r.status for r in results] == [KeyStatus.VALID, KeyStatus.INVALID, KeyStatus.INVALID]


def test_unknown_provider() -> None:
    with pytest.raises(SecurityError, match="unknown key provider 'mistral'"):
        KeyValidator().validate_sync("mistral", "x")
    with pytest.raises(SecurityError, match="unknown key provider"):
        KeyValidator(base_urls={"mistral": "http://x"})


def test_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after({"retry-after": "12"}) == 12
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": format_datetime(now + timedelta(seconds=30))}, now=now) == 30
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_base_urls_from_env() -> None:
    assert base_urls_from_env({"TIMELINE_LAB_OPENAI_BASE_URL": "http://h", "OTHER": "x"}) == {
        "openai": "http://h"
    }


UNSENDABLE_KEYS = [
    "sk-CANARY-1234\n",  # a .env value with an escaped newline
    "sk-CANARY-1234\r",
    "sk-CANARY-1234\r\n",
    "sk-CANARY\x00-1234",
    "sk-CANARY-1234\u2019",  # a pasted smart quote: not ASCII at all
    "sk-CANARY-é1234",
    " sk-CANARY-1234",
    "sk-CANARY 1234",
    "sk-CANARY\t1234",
    "sk-CANARY-1234\x7f",
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("key", UNSENDABLE_KEYS)
def test_a_key_no_header_can_carry_is_invalid_and_never_sent(
    keys_server: tuple[LocalServer, FakeKeys], provider: str, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    server, state = keys_server
    before = state.hits[provider]
    caplog.set_level(logging.DEBUG)  # httpx / httpcore DEBUG records included
    result = make(server).validate_sync(provider, key)
    assert result.status is KeyStatus.INVALID and result.detail == UNSENDABLE
    assert state.hits[provider] == before
    shown = repr(result) + result.describe() + caplog.text
    shown += "".join(str(r.msg) + repr(r.args) for r in caplog.records)
    assert "CANARY" not in shown


def test_an_unsendable_key_does_not_cost_the_other_results(keys_server: tuple[LocalServer, FakeKeys]) -> None:
    server, _ = keys_server
    results = make(server).validate_many_sync(
        [("openai", "sk-CANARY-1234\u2019"), ("anthropic", "sk-good-CANARY"), ("gemini", "AIza-bad-CANARY\n")]
    )
    assert [r.status for r in results] == [KeyStatus.INVALID, KeyStatus.VALID, KeyStatus.INVALID]
    assert [r.provider for r in results] == PROVIDERS


@pytest.mark.parametrize(
    "outcome", ["sk-good-CANARY", "sk-bad-CANARY", "sk-boom-CANARY", "sk-ratelimit-CANARY", "refused"]
)
def test_a_sent_key_is_in_no_log_record(
    keys_server: tuple[LocalServer, FakeKeys],
    closed_port: int,
    outcome: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, _ = keys_server
    caplog.set_level(logging.DEBUG)
    if outcome == "refused":
        v = KeyValidator(base_urls={"openai": f"http://127.0.0.1:{closed_port}"}, timeout=2)
        result = v.validate_sync("openai", "sk-refused-CANARY")
    else:
        result = make(server).validate_sync("openai", outcome)
    assert any(r.name.startswith(("httpx", "httpcore")) for r in caplog.records)
    shown = result.describe() + caplog.text + "".join(str(r.msg) + repr(r.args) for r in caplog.records)
    assert "CANARY" not in shown


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40))
def test_redaction_covers_the_escaped_forms_of_a_key(tail: str) -> None:
    """A key quoted by a bytes or str repr, once or twice (a repr of an exception's repr), is masked."""
    key = f"sk-CANARY{tail}"  # any form of the key left unmasked still shows CANARY
    once_b, once_s = repr(key.encode()), repr(key)
    texts = [key, once_b, once_s, repr(once_b), repr(once_s), repr(ValueError(f"bad header {once_b}"))]
    for text in texts:
        assert "CANARY" not in _redact(f"error: {text} here", Secret(key)), text


def test_a_provider_url_that_is_no_url_fails_its_own_check_only(
    keys_server: tuple[LocalServer, FakeKeys],
) -> None:
    """A bad TIMELINE_LAB_*_BASE_URL raised httpx.InvalidURL out of validate_many, losing every result."""
    server, _ = keys_server
    v = KeyValidator(base_urls={"openai": "http://[::1", "anthropic": server.url})
    out = v.validate_many_sync([("openai", "sk-live-aaaa"), ("anthropic", "sk-live-aaaa")])
    assert out[0].status is KeyStatus.NETWORK_ERROR and "not usable" in out[0].detail
    assert "sk-live-aaaa" not in out[0].detail
    assert out[1].status is not KeyStatus.NETWORK_ERROR


def test_closed_event_loops_are_let_go(keys_server: tuple[LocalServer, FakeKeys]) -> None:
    """Each validate_many_sync runs on its own loop: the validator kept every one of them alive."""
    import gc
    import weakref

    server, _ = keys_server
    v = KeyValidator(base_urls={"openai": server.url}, max_concurrency=1)
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def noting() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        await v.validate_many([("openai", f"sk-live-{n:04d}") for n in range(3)])

    from timeline_lab.security._sync import run_sync

    for _ in range(3):
        run_sync(noting())
    v.validate_sync("openai", "sk-live-last")  # one more call drops the closed loops
    gc.collect()
    assert sum(ref() is not None for ref in loops) == 0
