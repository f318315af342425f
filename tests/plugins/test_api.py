"""Manifest validation, network host rules and API version ranges."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from timeline_lab.plugins import HostRule, PluginManifest
from timeline_lab.plugins._hosts import normalize_host
from timeline_lab.plugins._versions import version_in_range

from ._samples import manifest


@pytest.mark.parametrize(
    ("rule", "host", "allowed"),
    [
        ("api.example.com", "api.example.com", True),
        ("api.example.com", "API.Example.COM.", True),
        ("api.example.com", "example.com", False),
        ("api.example.com", "x.api.example.com", False),
        ("example.com", "evilexample.com", False),
        ("*.example.com", "evilexample.com", False),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),  # the apex is not a subdomain: declare it too
        ("*.example.com", "example.com.evil.net", False),
        ("*.example.com", "a.example.com.evil.net", False),
        ("*.example.com", "aexample.com", False),
        ("bücher.example", "xn--bcher-kva.example", True),  # IDNA: declared in Unicode, asked in ASCII
        ("*.bücher.example", "shop.xn--bcher-kva.example", True),
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.1", "localhost", False),
        ("127.0.0.1", "2130706433", False),  # the integer form of the same address is not declared
        ("::1", "[0:0::1]", True),
        ("[::1]", "::1", True),
    ],
)
def test_host_rules(rule: str, host: str, allowed: bool) -> None:
    assert HostRule.parse(rule).matches(normalize_host(host)) is allowed


@pytest.mark.parametrize(
    "rule",
    [
        "*",
        "*.com",
        "a.*.com",
        "*example.com",
        "http://example.com",
        "example.com/path",
        "user@example.com",
        "exa mple.com",
        "-bad.com",
        "*.127.0.0.1",
        "",
    ],
)
def test_bad_host_rules_are_refused_in_the_manifest(rule: str) -> None:
    with pytest.raises(ValidationError, match="network"):
        manifest("p", permissions={"network": [rule]})


def test_manifest_normalises_hosts_and_rejects_unknown_fields() -> None:
    m = manifest("p", permissions={"network": ["Bücher.Example", "*.Example.com"], "subprocess": True})
    assert m.permissions.network == ("xn--bcher-kva.example", "*.example.com")
    with pytest.raises(ValidationError, match="extra"):
        manifest("p", permissions={"netwrok": ["x.com"]})
    with pytest.raises(ValidationError, match="frozen"):
        m.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": "Bad Name"}, "plugin name"),
        ({"name": "has.dot"}, "plugin name"),
        ({"api": "1.0"}, "version range"),
        ({"api": ">=1.0,<two"}, "version range"),
        ({"kind": "shader"}, "kind"),
        ({"dependencies": ["OK"]}, "plugin name"),
        ({"permissions": {"env": ["TIMELINE_LAB_VAULT_PASSPHRASE"]}}, "never passed to plugins"),
        ({"permissions": {"env": ["timeline_lab_vault"]}}, "never passed to plugins"),
        ({"permissions": {"env": ["A=B"]}}, "not an environment variable name"),
    ],
)
def test_manifest_errors(fields: dict[str, object], error: str) -> None:
    base = {"name": "p", "version": "1", "api": ">=1.0", "kind": "effect"}
    with pytest.raises(ValidationError, match=error):
        PluginManifest.model_validate({**base, **fields})


@pytest.mark.parametrize(
    ("version", "spec", "ok"),
    [
        ("1.0", ">=1.0,<2", True),
        ("1.7", ">=1.0,<2", True),
        ("2.0", ">=1.0,<2", False),
        ("0.9", ">=1.0,<2", False),
        ("1.0", "==1", True),
        ("1.0", "!=1.0", False),
        ("1.4", "~=1.2", True),
        ("2.0", "~=1.2", False),
        ("1.0", ">1.0", False),
        ("1.0", "<=1.0.0", True),
    ],
)
def test_version_ranges(version: str, spec: str, ok: bool) -> None:
    assert version_in_range(version, spec) is ok
