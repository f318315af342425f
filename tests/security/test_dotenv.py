"""`.env` import: python-dotenv parsing, known names mapped, report by name only, optional validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import MemoryKeyring
from tests.security.fakes import FakeKeys, LocalServer
from timeline_lab.security import KeyStatus, KeyValidator, SecurityError, Vault, import_env
from timeline_lab.security.dotenv import entry_for

ENV = """\
# comment
export OPENAI_API_KEY="sk-good-CANARY-openai"
ANTHROPIC_API_KEY='sk-ant-bad-CANARY'
CLAUDE_API_KEY=sk-ant-other-CANARY
GOOGLE_API_KEY=AIza-good-CANARY
GOOGLE_CLIENT_ID=google-client.apps
YOUTUBE_CLIENT_ID=yt-client.apps
YOUTUBE_CLIENT_SECRET="yt-CANARY
second line"
TIKTOK_CLIENT_KEY=tt-key
TIKTOK_CLIENT_SECRET=tt-CANARY-secret
INSTAGRAM_APP_SECRET=ig-CANARY
DATABASE_URL=postgres://u:CANARY@h/db
EMPTY_ONE=
INSTAGRAM_ACCESS_TOKEN=
"""


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    p = tmp_path / ".env"
    p.write_text(ENV)
    return p


@pytest.fixture
def vault(vault_path: Path, memkeyring: MemoryKeyring) -> Vault:
    return Vault(vault_path, keyring_backend=memkeyring)


def test_import_maps_known_names(env_file: Path, vault: Vault) -> None:
    report = import_env(env_file, vault)
    assert dict(report.imported) == {
        "OPENAI_API_KEY": "openai.api_key",
        "ANTHROPIC_API_KEY": "anthropic.api_key",
        "GOOGLE_API_KEY": "gemini.api_key",
        "YOUTUBE_CLIENT_ID": "youtube.client_id",
        "YOUTUBE_CLIENT_SECRET": "youtube.client_secret",
        "TIKTOK_CLIENT_KEY": "tiktok.client_key",
        "TIKTOK_CLIENT_SECRET": "tiktok.client_secret",
        "INSTAGRAM_APP_SECRET": "instagram.client_secret",
    }
    assert vault.get("openai.api_key").reveal() == "sk-good-CANARY-openai"  # quotes + export
    assert vault.get("youtube.client_secret").reveal() == "yt-CANARY\nsecond line"  # multi-line
    assert vault.get("youtube.client_id").reveal() == "yt-client.apps"  # YOUTUBE_* beats GOOGLE_*
    skipped = dict(report.skipped)
    assert skipped["CLAUDE_API_KEY"] == "conflicts with ANTHROPIC_API_KEY; kept ANTHROPIC_API_KEY"
    assert skipped["GOOGLE_CLIENT_ID"].startswith("conflicts with YOUTUBE_CLIENT_ID")
    assert skipped["INSTAGRAM_ACCESS_TOKEN"] == "empty"
    assert report.unknown == ["DATABASE_URL", "EMPTY_ONE"]
    assert "database_url" not in " ".join(vault.names())
    text = "\n".join(report.lines()) + repr(report)
    assert "CANARY" not in text and "OPENAI_API_KEY -> openai.api_key" in text


def test_keep_existing(env_file: Path, vault: Vault) -> None:
    vault.set("openai.api_key", "mine")
    report = import_env(env_file, vault, overwrite=False)
    assert ("OPENAI_API_KEY", "openai.api_key already in the vault") in report.skipped
    assert vault.get("openai.api_key").reveal() == "mine"


def test_validate_each_imported_key(
    env_file: Path, vault: Vault, keys_server: tuple[LocalServer, FakeKeys]
) -> None:
    server, _ = keys_server
    validator = KeyValidator(base_urls={p: f"{server.url}/{p}" for p in ("openai", "anthropic", "gemini")})
    report = import_env(env_file, vault, validate=True, validator=validator)
    statuses = {k: r.status for k, r in report.validation.items()}
    assert statuses == {
        "openai.api_key": KeyStatus.VALID,
        "anthropic.api_key": KeyStatus.INVALID,
        "gemini.api_key": KeyStatus.VALID,
    }
    assert "CANARY" not in "\n".join(report.lines())


def test_missing_file(tmp_path: Path, vault: Vault) -> None:
    with pytest.raises(SecurityError, match=r"\.env file .* not found"):
        import_env(tmp_path / "nope.env", vault)


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("OPENAI_API_KEY", "openai.api_key"),
        ("CLAUDE_API_KEY", "anthropic.api_key"),
        ("GEMINI_API_KEY", "gemini.api_key"),
        ("GOOGLE_CLIENT_SECRET", "youtube.client_secret"),
        ("YOUTUBE_REFRESH_TOKEN", "youtube.refresh_token"),
        ("INSTAGRAM_APP_ID", "instagram.client_id"),
        ("INSTAGRAM_CLIENT_ID", "instagram.client_id"),
        ("YOUTUBE_", None),
        ("AWS_SECRET_ACCESS_KEY", None),
    ],
)
def test_entry_for(name: str, entry: str | None) -> None:
    assert entry_for(name) == entry


def test_a_bare_secret_line_is_counted_never_echoed(tmp_path: Path, vault: Vault) -> None:
    """A key pasted without NAME= is neither imported nor shown back as an "unknown name"."""
    env = tmp_path / ".env"
    env.write_text("OPENAI_API_KEY=sk-good-CANARY\nsk-bare-CANARY-pasted-alone\n", encoding="utf-8")
    report = import_env(env, vault)
    assert dict(report.imported) == {"OPENAI_API_KEY": "openai.api_key"}
    assert report.malformed == 1 and report.unknown == []
    text = "\n".join(report.lines()) + repr(report)
    assert "CANARY" not in text and "1 line(s) not read as NAME=value" in text


def test_an_unterminated_quote_is_counted_not_lost_silently(tmp_path: Path, vault: Vault) -> None:
    """python-dotenv drops the statement an open quote starts: the report says a line was not read."""
    env = tmp_path / ".env"
    env.write_text('OPENAI_API_KEY="sk-open-CANARY\nGEMINI_API_KEY=g-key\n', encoding="utf-8")
    report = import_env(env, vault)
    assert report.malformed == 1
    text = "\n".join(report.lines()) + repr(report)
    assert "CANARY" not in text and "1 line(s) not read as NAME=value" in text


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path, vault: Vault) -> None:
    env = tmp_path / "latin.env"
    env.write_bytes(b"OPENAI_API_KEY=sk-caf\xe9\n")
    with pytest.raises(SecurityError, match=r"latin\.env: not UTF-8 text \(byte 21\)"):
        import_env(env, vault)


@pytest.mark.parametrize(("family", "prefix"), [("youtube", "YOUTUBE_"), ("instagram", "INSTAGRAM_")])
@pytest.mark.parametrize("extra", [0, 1, 200])
def test_a_name_past_the_entry_limit_is_skipped_by_name(
    tmp_path: Path, vault: Vault, family: str, prefix: str, extra: int
) -> None:
    """`<family>.<rest>` may be 128 characters: one more skips that name alone, the rest import."""
    rest = "A" * (128 - len(family) - 1 + extra)
    env = tmp_path / ".env"
    env.write_text(f"OPENAI_API_KEY=sk-CANARY-kept\n{prefix}{rest}=v-CANARY\n{prefix}CLIENT_ID=cid\n")
    report = import_env(env, vault)
    entries = sorted(e for _, e in report.imported)
    if extra == 0:
        assert entries == sorted(["openai.api_key", f"{family}.client_id", f"{family}.{rest.lower()}"])
        assert report.skipped == []
    else:
        assert entries == sorted(["openai.api_key", f"{family}.client_id"])
        ((name, why),) = report.skipped
        assert name == prefix + rest and "invalid entry name: use 1-128" in why
    assert sorted(vault.names()) == entries
    text = "\n".join(report.lines())
    assert str(env) in text and "CANARY" not in text


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize(
    ("line", "value"),
    [
        ('OPENAI_API_KEY="line1{eol}line2"', "line1\nline2"),
        ("OPENAI_API_KEY='line1{eol}line2{eol}line3'", "line1\nline2\nline3"),
        ('export OPENAI_API_KEY="-----BEGIN KEY-----{eol}abc{eol}-----END KEY-----"', None),
        ('OPENAI_API_KEY="a{eol}{eol}b"', "a\n\nb"),
        ("OPENAI_API_KEY=plain", "plain"),
    ],
)
def test_multiline_values_are_the_same_whatever_the_line_endings(
    tmp_path: Path, vault: Vault, eol: str, line: str, value: str | None
) -> None:
    """A quoted multi-line value from a CRLF or CR file holds \\n only, as from an LF file."""
    env = tmp_path / ".env"
    body = f"# keys{eol}{line.format(eol=eol)}{eol}GEMINI_API_KEY=g-key{eol}"
    env.write_bytes(body.encode("utf-8"))
    report = import_env(env, vault)
    assert dict(report.imported) == {"OPENAI_API_KEY": "openai.api_key", "GEMINI_API_KEY": "gemini.api_key"}
    got = vault.get("openai.api_key").reveal()
    assert "\r" not in got
    assert got == (value if value is not None else "-----BEGIN KEY-----\nabc\n-----END KEY-----")
    assert vault.get("gemini.api_key").reveal() == "g-key"
