"""Google's resumable upload protocol: open a session, send ranged chunks, ask the server where to resume.

Pure protocol over an injected HTTP client and token source, so the YouTube plugin stays a thin
shell. Tokens go into the ``Authorization`` header only: never into a log line, a message or a repr.
"""

from __future__ import annotations

import logging
import os
import random
import re
import stat
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, Protocol, TypeVar

from ...security import Secret
from ..api import CommandError

if TYPE_CHECKING:
    import httpx

    from ...security import OAuthClient

__all__ = [
    "CHUNK_QUANTUM",
    "HTTPClient",
    "OAuthTokens",
    "ResumableUpload",
    "RetryPolicy",
    "TokenSource",
    "UploadCancelled",
    "UploadError",
    "check_chunk_size",
    "check_secure",
    "open_source",
]

CHUNK_QUANTUM = 256 * 1024
"""Every chunk but the last must be a multiple of this many bytes."""

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
RESUME_INCOMPLETE = 308
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RANGE = re.compile(r"^bytes=0-(\d+)$")
T = TypeVar("T")


class UploadError(CommandError):
    """An upload the server refused, or one that could not be finished (the plugin stays active)."""


class UploadCancelled(UploadError):
    """An upload stopped on request; the server keeps what it confirmed until its session expires."""


class TokenSource(Protocol):
    """Access tokens for the ``Authorization`` header (an ``OAuthClient`` is adapted to this)."""

    def token(self) -> Secret:
        """A token valid now (refreshed early when it is about to expire)."""
        ...

    def refresh(self) -> Secret:
        """A new token, after the server answered 401 to the current one."""
        ...


class HTTPClient(Protocol):
    """What the protocol needs from ``ctx.http``."""

    def request(self, method: str, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """Send one request."""
        ...


class OAuthTokens:
    """An ``OAuthClient`` as a synchronous :class:`TokenSource` (works inside a Jupyter kernel too)."""

    def __init__(self, client: OAuthClient, *, what: str) -> None:
        self.client, self.what = client, what

    def token(self) -> Secret:
        """Valid for at least the client's refresh margin (the vault copy is refreshed first if not)."""
        return self._run(self.client.access_token())

    def refresh(self) -> Secret:
        """Refresh now; the rotated tokens are stored in the vault."""
        return self._run(self.client.refresh()).access_token

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        from ...security import SecurityError, run_sync

        try:
            return run_sync(coro)
        except SecurityError as exc:  # messages name provider and account, never a token
            raise UploadError(f"{self.what}: {exc}") from None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for 5xx, 429 and network errors, bounded in attempts.

    ``max_attempts`` counts consecutive failures without the server confirming new bytes.
    """

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 64.0

    def delay(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1-based): half fixed, half random."""
        cap = min(self.max_delay, self.base_delay * 2.0 ** max(0, failures - 1))
        return cap * (0.5 + rng.random() / 2)


class ResumableUpload:
    """One upload: ``start()`` opens the session, ``send()`` streams the file and returns the resource.

    Parameters
    ----------
    http
        The host-checked client (``ctx.http``); the session URI is checked like any other URL.
    tokens
        Where the bearer token comes from; ``refresh()`` is called once per 401.
    what
        Names the upload in messages and logs (``"youtube upload job-1"``).
    cancel
        Set from another thread to stop before the next request or during a backoff wait.
    """

    def __init__(
        self,
        http: HTTPClient,
        tokens: TokenSource,
        *,
        what: str,
        retry: RetryPolicy,
        cancel: threading.Event,
        log: logging.Logger,
        rng: random.Random | None = None,
    ) -> None:
        self.http, self.tokens, self.what = http, tokens, what
        self.retry, self.cancel, self.log = retry, cancel, log
        self._rng = rng or random.Random()
        self._failures = 0
        self._refreshed = False

    # -- the two phases ------------------------------------------------------------------------
    def start(
        self, url: str, *, params: Mapping[str, str], metadata: Any, total: int, content_type: str
    ) -> str:
        """POST the metadata; returns the session URI from ``Location``."""
        headers = {"X-Upload-Content-Length": str(total), "X-Upload-Content-Type": content_type}
        while True:
            resp = self._call("POST", url, params=dict(params), json=metadata, headers=headers)
            if resp is None:
                continue
            if resp.status_code in (200, 201):
                location: str | None = resp.headers.get("Location")
                if not location:
                    raise UploadError(f"{self.what}: the server opened no upload session (no Location)")
                check_secure(location, f"{self.what}: session URI")
                self.log.debug("%s: session opened for %d bytes", self.what, total)
                self._failures = 0
                return location
            self._refuse(resp, "opening the upload session", in_session=False)

    def send(
        self, session: str, source: BinaryIO, total: int, chunk_size: int, on_progress: Callable[[int], None]
    ) -> dict[str, Any]:
        """Upload ``source`` (``total`` bytes) in chunks; resumes from what the server says it has.

        ``on_progress(bytes)`` gets the bytes the server confirmed: 0 first, growing, ``total`` last.
        """
        check_chunk_size(chunk_size, self.what)
        offset: int | None = 0  # None: unknown, ask the server before sending more
        confirmed = 0
        on_progress(0)
        while True:
            if offset is None:
                self.log.debug("%s: asking the server how many bytes it has", self.what)
                resp = self._call("PUT", session, content=b"", headers={"Content-Range": f"bytes */{total}"})
            else:
                chunk = _read(source, offset, min(chunk_size, total - offset), self.what)
                last = offset + len(chunk) - 1
                self.log.debug("%s: sending bytes %d-%d/%d", self.what, offset, last, total)
                headers = {"Content-Range": f"bytes {offset}-{last}/{total}"}
                resp = self._call("PUT", session, content=chunk, headers=headers)
            sent = offset
            offset = None
            if resp is None:
                continue
            status = resp.status_code
            if status in (200, 201):
                if confirmed < total:
                    on_progress(total)
                return _json(resp, self.what)
            if status != RESUME_INCOMPLETE:
                self._refuse(resp, f"sending bytes from {confirmed}")
            offset = _server_has(resp, total, self.what)
            if offset > confirmed:
                confirmed = offset
                self._failures = 0
                on_progress(offset)
            elif sent is not None or offset == total:  # no new bytes, or complete but unfinished
                self._backoff("the server confirmed no new bytes")
            if offset == total:  # all bytes in, but not finished: ask for the result
                offset = None

    # -- one request, classified ---------------------------------------------------------------
    def _call(
        self, method: str, url: str, *, headers: dict[str, str], **kwargs: Any
    ) -> httpx.Response | None:
        """The response, or None after a transient failure or a refresh (the caller re-plans)."""
        if self.cancel.is_set():
            raise UploadCancelled(f"{self.what}: cancelled")
        import httpx  # on first use: a render that never uploads should not load the HTTP stack

        auth = {"Authorization": f"Bearer {self.tokens.token().reveal()}"}
        try:
            resp = self.http.request(method, url, headers={**headers, **auth}, **kwargs)
        except httpx.TransportError as exc:
            self._backoff(f"{type(exc).__name__} on {method}")
            return None
        if resp.status_code == 401:
            if self._refreshed:
                raise UploadError(f"{self.what}: HTTP 401 again after refreshing the access token")
            self.log.info("%s: HTTP 401, refreshing the access token", self.what)
            self._refresh()
            return None
        self._refreshed = False
        if resp.status_code in RETRY_STATUSES:
            self._backoff(f"HTTP {resp.status_code} on {method}")
            return None
        return resp

    def _refresh(self) -> None:
        self._refreshed = True
        try:
            self.tokens.refresh()
        except Exception as exc:  # OAuthError and friends: their messages name places, not secrets
            msg = f"{self.what}: the access token was refused and could not be refreshed ({exc})"
            raise UploadError(msg) from None

    def _backoff(self, reason: str) -> None:
        self._failures += 1
        if self._failures >= self.retry.max_attempts:
            raise UploadError(f"{self.what}: gave up after {self._failures} failed attempts (last: {reason})")
        delay = self.retry.delay(self._failures, self._rng)
        self.log.warning("%s: %s; retrying in %.3g s (attempt %d)", self.what, reason, delay,
                         self._failures + 1)  # fmt: skip
        if self.cancel.wait(delay):
            raise UploadCancelled(f"{self.what}: cancelled")

    def _refuse(self, resp: httpx.Response, doing: str, *, in_session: bool = True) -> NoReturn:
        """Raise for a final answer that is neither success nor retryable."""
        status = resp.status_code
        why = _google_reason(resp)
        if in_session and status in (404, 410):
            raise UploadError(
                f"{self.what}: upload session expired (HTTP {status}) while {doing}; start again"
            )
        raise UploadError(f"{self.what}: HTTP {status} while {doing}" + (f": {why}" if why else ""))


def check_secure(url: str, what: str) -> None:
    """Bearer tokens travel over https only (plain http is allowed to loopback hosts, for tests)."""
    import httpx

    parsed = httpx.URL(url)
    if parsed.scheme == "https" or (parsed.scheme == "http" and parsed.host in LOOPBACK):
        return
    raise UploadError(f"{what} must be https (got {parsed.scheme}://{parsed.host})")


def check_chunk_size(size: int, what: str) -> int:
    """``size`` if it is a positive multiple of 256 KiB (the protocol's rule for all but the last chunk)."""
    if size <= 0 or size % CHUNK_QUANTUM:
        raise UploadError(
            f"{what}: chunk size {size} is not a positive multiple of {CHUNK_QUANTUM} (256 KiB)"
        )
    return size


def open_source(path: Path, shown: str, what: str) -> tuple[BinaryIO, int]:
    """A regular, non-empty file opened for chunked reads, and its size (taken from the open file)."""
    try:
        source = path.open("rb")
    except OSError as exc:
        raise UploadError(f"{what}: cannot read {shown!r} ({exc.strerror or type(exc).__name__})") from None
    st = os.fstat(source.fileno())
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        source.close()
        raise UploadError(f"{what}: {shown!r} is not a regular, non-empty file")
    return source, st.st_size


def _read(source: BinaryIO, offset: int, size: int, what: str) -> bytes:
    source.seek(offset)
    data = source.read(size)
    if len(data) != size:
        raise UploadError(f"{what}: the file shrank while uploading (byte {offset + len(data)})")
    return data


def _server_has(resp: httpx.Response, total: int, what: str) -> int:
    """Bytes the server holds, from a 308's ``Range: bytes=0-N`` (absent: none)."""
    header = resp.headers.get("Range")
    if header is None:
        return 0
    m = _RANGE.match(header.strip())
    if m is None or int(m.group(1)) >= total:
        raise UploadError(f"{what}: the server reported an impossible range {header[:40]!r} of {total} bytes")
    return int(m.group(1)) + 1


def _json(resp: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UploadError(f"{what}: HTTP {resp.status_code} finished the upload without a JSON resource")
    return data


def _google_reason(resp: httpx.Response) -> str:
    """``reason: message`` from a Google API error body (shortened), or ''."""
    try:
        err = resp.json().get("error", {})
    except (ValueError, AttributeError):
        return ""
    if not isinstance(err, dict):
        return str(err)[:80]
    errors = err.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = str(first.get("reason", ""))[:64]
    message = str(err.get("message", ""))[:200]
    return ": ".join(x for x in (reason, message) if x)
