"""API-key checks against each provider's cheapest authenticated endpoint: async, bounded, cached by hash."""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import hmac
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

import httpx

from ._errors import SecurityError
from ._secret import MASK, Secret
from ._sync import run_sync

__all__ = [
    "PROVIDERS",
    "KeyProvider",
    "KeyStatus",
    "KeyValidator",
    "ValidationResult",
    "base_urls_from_env",
    "parse_retry_after",
]

log = logging.getLogger("timeline_lab.security")

UNSENDABLE = "key contains characters an HTTP header cannot carry"
# Visible ASCII only: what every provider's keys are made of, and what h11 sends without complaint.
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")

# Cache keys are HMAC-SHA256(process salt, provider + key): nothing in memory can be matched to a key
# from outside this process, and the key itself is never a dict key.
_SALT = os.urandom(32)


class KeyStatus(StrEnum):
    """What a check concluded; only VALID and INVALID are cached."""

    VALID = "valid"
    INVALID = "invalid"
    RATE_LIMITED = "rate_limited"
    SERVICE_ERROR = "service_error"
    NETWORK_ERROR = "network_error"
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class KeyProvider:
    """How one provider authenticates a models-list request (data, so tests can point it anywhere)."""

    name: str
    base_url: str
    path: str
    auth_header: str
    auth_prefix: str = ""
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    invalid_markers: tuple[str, ...] = ()  # 400 bodies that mean "bad key" (Gemini answers 400, not 401)

    def headers(self, key: Secret) -> dict[str, str]:
        """Request headers carrying the key."""
        return {**self.extra_headers, self.auth_header: f"{self.auth_prefix}{key.reveal()}"}


PROVIDERS: Mapping[str, KeyProvider] = MappingProxyType(
    {
        "openai": KeyProvider("openai", "https://api.openai.com", "/v1/models", "Authorization", "Bearer "),
        "anthropic": KeyProvider(
            "anthropic",
            "https://api.anthropic.com",
            "/v1/models",
            "x-api-key",
            extra_headers={"anthropic-version": "2023-06-01"},
        ),
        "gemini": KeyProvider(
            "gemini",
            "https://generativelanguage.googleapis.com",
            "/v1beta/models",
            "x-goog-api-key",
            invalid_markers=("API_KEY_INVALID", "API key not valid"),
        ),
    }
)


def base_urls_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`TIMELINE_LAB_<PROVIDER>_BASE_URL` overrides (proxies, gateways, local fakes)."""
    env = os.environ if environ is None else environ
    out = {}
    for name in PROVIDERS:
        url = env.get(f"TIMELINE_LAB_{name.upper()}_BASE_URL")
        if url:
            out[name] = url
    return out


@dataclass(frozen=True)
class ValidationResult:
    """One key check; `detail` never contains the key."""

    provider: str
    status: KeyStatus
    http_status: int | None = None
    retry_after: float | None = None
    detail: str = ""
    cached: bool = False

    @property
    def ok(self) -> bool:
        """True only for a key the provider accepted."""
        return self.status is KeyStatus.VALID

    def describe(self) -> str:
        """One line for CLIs and reports."""
        parts = [f"{self.provider}: {self.status.value.replace('_', '-')}"]
        if self.http_status is not None:
            parts.append(f"(HTTP {self.http_status})")
        if self.retry_after is not None:
            parts.append(f"retry after {self.retry_after:g}s")
        if self.detail:
            parts.append(f"- {self.detail}")
        if self.cached:
            parts.append("[cached]")
        return " ".join(parts)


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, `retry-after` seconds, or a `retry-after` HTTP date."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class KeyValidator:
    """Validate keys concurrently (bounded by a semaphore) with per-request timeouts and a TTL cache."""

    def __init__(
        self,
        *,
        base_urls: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        max_concurrency: int = 4,
        cache_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        urls = {**base_urls_from_env(), **(base_urls or {})}
        unknown = sorted(set(urls) - set(PROVIDERS))
        if unknown:
            msg = f"unknown key provider(s) {', '.join(unknown)}; known: {', '.join(PROVIDERS)}"
            raise SecurityError(msg)
        self.providers = {n: replace(p, base_url=urls.get(n, p.base_url)) for n, p in PROVIDERS.items()}
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.cache_ttl = cache_ttl
        self._clock = clock
        self._transport = transport
        self._cache: dict[str, tuple[float, ValidationResult]] = {}
        self._lock = threading.Lock()
        # per event loop; a semaphore holds its loop strongly once it has waited, so a weak-key
        # dict never let go: closed loops are dropped instead
        self._sems: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def __repr__(self) -> str:
        return f"KeyValidator(providers={sorted(self.providers)}, cached={len(self._cache)})"

    async def validate(self, provider: str, key: str | Secret) -> ValidationResult:
        """Check one key; network trouble is a result (NETWORK_ERROR), not an exception."""
        spec = self.providers.get(provider)
        if spec is None:
            msg = f"unknown key provider {provider!r}; known: {', '.join(self.providers)}"
            raise SecurityError(msg)
        secret = Secret(key)
        if not secret:
            return ValidationResult(provider, KeyStatus.INVALID, detail="empty key")
        if not _HEADER_SAFE.fullmatch(secret.reveal()):
            # never sent: h11 would quote the header (key included) in its error and in httpcore's
            # DEBUG log, and a non-ASCII key would abort every other check with UnicodeEncodeError
            return ValidationResult(provider, KeyStatus.INVALID, detail=UNSENDABLE)
        ck = self._cache_key(spec, secret)
        hit = self._cache_get(ck)
        if hit is not None:
            return replace(hit, cached=True)
        async with self._semaphore():
            result = await self._check(spec, secret)
        if result.status in (KeyStatus.VALID, KeyStatus.INVALID):
            with self._lock:
                self._cache[ck] = (self._clock() + self.cache_ttl, result)
        log.debug("key check %s: %s (HTTP %s)", provider, result.status.value, result.http_status)
        return result

    async def validate_many(self, items: Iterable[tuple[str, str | Secret]]) -> list[ValidationResult]:
        """Check several (provider, key) pairs concurrently; results in input order."""
        return list(await asyncio.gather(*(self.validate(p, k) for p, k in items)))

    def validate_sync(self, provider: str, key: str | Secret) -> ValidationResult:
        """Blocking form for notebooks and scripts (safe under a running event loop)."""
        return run_sync(self.validate(provider, key))

    def validate_many_sync(self, items: Iterable[tuple[str, str | Secret]]) -> list[ValidationResult]:
        """Blocking form of `validate_many`."""
        return run_sync(self.validate_many(list(items)))

    def clear_cache(self) -> None:
        """Forget every cached result."""
        with self._lock:
            self._cache.clear()

    def _cache_key(self, spec: KeyProvider, key: Secret) -> str:
        msg = f"{spec.name}\0{spec.base_url}\0{key.reveal()}".encode()
        return hmac.new(_SALT, msg, hashlib.sha256).hexdigest()

    def _cache_get(self, ck: str) -> ValidationResult | None:
        with self._lock:
            entry = self._cache.get(ck)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._cache[ck]
                return None
            return entry[1]

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        with self._lock:
            for closed in [other for other in self._sems if other.is_closed()]:
                del self._sems[closed]
            sem = self._sems.get(loop)
            if sem is None:
                sem = self._sems[loop] = asyncio.Semaphore(self.max_concurrency)
            return sem

    async def _check(self, spec: KeyProvider, key: Secret) -> ValidationResult:
        url = spec.base_url.rstrip("/") + spec.path
        name = spec.name
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self._transport) as client:
                resp = await client.get(url, headers=spec.headers(key))
        except httpx.TimeoutException:
            return ValidationResult(
                name, KeyStatus.NETWORK_ERROR, detail=f"timed out after {self.timeout:g}s"
            )
        except httpx.HTTPError as exc:
            detail = _redact(f"{type(exc).__name__}: {exc}", key)
            return ValidationResult(name, KeyStatus.NETWORK_ERROR, detail=detail)
        except httpx.InvalidURL as exc:  # a TIMELINE_LAB_*_BASE_URL that is no URL: this check fails, not all
            detail = _redact(f"the provider's URL {url!r} is not usable ({exc})", key)
            return ValidationResult(name, KeyStatus.NETWORK_ERROR, detail=detail)
        code = resp.status_code
        if 200 <= code < 300:
            return ValidationResult(name, KeyStatus.VALID, code)
        if code in (401, 403) or (code == 400 and any(m in resp.text for m in spec.invalid_markers)):
            return ValidationResult(name, KeyStatus.INVALID, code, detail="key rejected")
        if code == 429:
            retry = parse_retry_after(resp.headers)
            return ValidationResult(name, KeyStatus.RATE_LIMITED, code, retry_after=retry)
        if code >= 500:
            return ValidationResult(name, KeyStatus.SERVICE_ERROR, code, detail="provider error; try later")
        return ValidationResult(name, KeyStatus.UNEXPECTED, code, detail=f"unexpected answer from {url}")


def _redact(text: str, key: Secret) -> str:
    """`text` with the key masked as itself and as str/bytes reprs quote it (once or twice escaped)."""
    value = key.reveal()
    if len(value) < 4:
        return text
    forms = {value}
    for _ in range(2):
        forms |= {e for f in forms for e in _escaped(f)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def _escaped(value: str) -> set[str]:
    """How a str or bytes repr writes `value` between quotes (either quote escaped, as context picks)."""
    bodies = {repr(value)[1:-1], repr(value.encode("utf-8", "backslashreplace"))[2:-1]}
    return bodies | {b.replace(q, "\\" + q) for b in bodies for q in "'\""}
