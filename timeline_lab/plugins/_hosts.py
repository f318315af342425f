"""Network permission rules: exact hosts and ``*.domain`` wildcards, compared after IDNA normalisation."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import idna

__all__ = ["HostRule", "normalize_host"]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_host(host: str) -> str:
    """Canonical ASCII form: lower case, IDNA (``xn--``) labels, no trailing dot, compact IP literals.

    Raises ``ValueError`` for anything that is not a plain host name or IP literal.
    """
    h = host.strip()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    try:
        return ipaddress.ip_address(h).compressed
    except ValueError:
        pass
    h = h.rstrip(".")
    if not h or len(h) > 253:
        raise ValueError(f"host {host!r} is empty or too long")
    try:
        ascii_host = idna.encode(h, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"host {host!r} is not a valid host name: {exc}") from None
    if not all(_LABEL.match(label) for label in ascii_host.split(".")):
        raise ValueError(f"host {host!r} is not a valid host name")
    return ascii_host


@dataclass(frozen=True)
class HostRule:
    """One declared host.

    ``api.example.com`` matches that host only. ``*.example.com`` matches true subdomains at any
    depth (``a.example.com``, ``a.b.example.com``) but NOT the apex ``example.com`` (declare it
    too if needed) and never ``evilexample.com``: matching is by whole labels, not by string suffix.
    IP literals match only themselves; wildcards over IPs or single labels (``*.com``) are refused.
    """

    host: str
    wildcard: bool

    @classmethod
    def parse(cls, rule: str) -> HostRule:
        """Validate and normalise a manifest entry (``ValueError`` says why it is refused)."""
        text = rule.strip()
        if "://" in text or "/" in text or "@" in text:
            raise ValueError(f"network rule {rule!r}: give a host name only, no scheme, path or user")
        if text.startswith("*."):
            base = normalize_host(text[2:])
            if "*" in base or base.count(".") < 1 or _is_ip(base):
                raise ValueError(f"network rule {rule!r}: a wildcard needs a domain of two labels or more")
            return cls(base, True)
        if "*" in text:
            raise ValueError(
                f"network rule {rule!r}: '*' is only allowed as the first label ('*.example.com')"
            )
        return cls(normalize_host(text), False)

    def matches(self, host: str) -> bool:
        """True if the (already normalised) ``host`` is allowed by this rule."""
        if not self.wildcard:
            return host == self.host
        return not _is_ip(host) and host.endswith("." + self.host)

    def __str__(self) -> str:
        return f"*.{self.host}" if self.wildcard else self.host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
