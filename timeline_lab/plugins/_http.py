"""``ctx.http``: httpx whose transport refuses every host the manifest does not declare, on every hop."""

from __future__ import annotations

from typing import Any

import httpx

from ._hosts import HostRule, normalize_host
from .api import PermissionDenied

__all__ = ["GuardedTransport", "PluginHTTP"]


class GuardedTransport(httpx.BaseTransport):
    """Checks scheme and host of each request, redirects included, before any connection is made.

    The host checked is ``url.raw_host`` — what httpx actually connects to, already IDNA-encoded —
    normalised the same way as the manifest rules.
    """

    def __init__(self, plugin: str, rules: tuple[HostRule, ...], inner: httpx.BaseTransport) -> None:
        self.plugin, self.rules, self.inner = plugin, rules, inner

    def check(self, url: httpx.URL) -> None:
        """Raise :class:`PermissionDenied` unless ``url`` is http(s) to a declared host."""
        if url.scheme not in ("http", "https"):
            raise PermissionDenied(f"plugin {self.plugin!r}: scheme {url.scheme!r} is not allowed ({url})")
        raw = url.raw_host.decode("ascii", "replace")
        try:
            host = normalize_host(raw)
        except ValueError:
            host = None
        if host is None or not any(rule.matches(host) for rule in self.rules):
            declared = [str(r) for r in self.rules] or "none"
            msg = (
                f"plugin {self.plugin!r} may not connect to host {raw!r} "
                f"(url {url.scheme}://{raw}{url.path}): needs network permission (declared: {declared})"
            )
            raise PermissionDenied(msg)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Check, then hand over to the real transport."""
        self.check(request.url)
        return self.inner.handle_request(request)

    def close(self) -> None:
        """Close the real transport's connections."""
        self.inner.close()


class PluginHTTP:
    """A small httpx.Client facade: ``get/post/put/patch/delete/head/request`` with the host guard.

    Environment proxies and ``.netrc`` are ignored (``trust_env=False``), so no credential of the
    user's leaks to a plugin's hosts. Redirects are followed (at most 5), each hop re-checked.
    """

    def __init__(
        self,
        plugin: str,
        rules: tuple[HostRule, ...],
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.guard = GuardedTransport(plugin, rules, transport or httpx.HTTPTransport())
        self._client = httpx.Client(
            transport=self.guard,
            follow_redirects=True,
            max_redirects=5,
            trust_env=False,
            timeout=timeout,
        )

    def request(self, method: str, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """Send one request (httpx keyword arguments: params, headers, json, content, timeout...)."""
        self.guard.check(httpx.URL(url))  # fail fast, with the plugin's own URL in the message
        return self._client.request(method, url, **kwargs)

    def build_request(self, method: str, url: str | httpx.URL, **kwargs: Any) -> httpx.Request:
        """A request with this client's defaults, for :meth:`send`."""
        return self._client.build_request(method, url, **kwargs)

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        """Send a built request (``stream=True`` leaves the body unread, to read it capped)."""
        self.guard.check(request.url)
        return self._client.send(request, **kwargs)

    def get(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """GET."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """HEAD."""
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """POST."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """PUT."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """PATCH."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """DELETE."""
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()
