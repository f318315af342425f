"""Key validation end to end against local fake providers (Tornado on 127.0.0.1)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.security.fakes import FakeKeys, LocalServer
from timeline_lab.security import KeyStatus, KeyValidator, Secret, SecurityError
from timeline_lab.security.validators import base_urls_from_env, parse_retry_after

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
