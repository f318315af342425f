"""A key pasted where an entry name goes is refused or masked: never echoed, never stored in clear."""

from __future__ import annotations

import io
import random
import string
from pathlib import Path

import pytest

from tests.security.conftest import MemoryKeyring
from timeline_lab.cli.secrets import main
from timeline_lab.security import SecretNotFoundError, Vault, VaultError, import_env
from timeline_lab.security.vault import looks_like_secret, masked_name

_RNG = random.Random(20240501)
_B62 = string.ascii_letters + string.digits


def _r(alphabet: str, n: int) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


# valid entry-name characters only (else check_name already refuses), one per known shape and
# random runs of base62 and hex: every one must be refused by set and masked by get/delete
KEYS = [
    "sk-proj-AbC123SECRETvalue",
    f"sk-ant-api03-{_r(_B62, 40)}",
    f"sk_live_{_r(_B62, 24)}",
    f"ghp_{_r(_B62, 36)}",
    f"github_pat_{_r(_B62, 22)}_{_r(_B62, 40)}",
    f"xoxb-{_r(string.digits, 12)}-{_r(_B62, 24)}",
    f"AKIA{_r(string.ascii_uppercase + string.digits, 16)}",
    f"AIza{_r(_B62, 35)}",
    f"ya29.{_r(_B62, 60)}",
    f"glpat-{_r(_B62, 20)}",
    f"hf_{_r(string.ascii_letters, 34)}",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
    "youtube.sk-proj-AbC123SECRETvalue",
    *(_r(_B62, 40) for _ in range(4)),
    *(_r(string.hexdigits.lower()[:16], 64) for _ in range(3)),
]
NAMES = [
    "openai.api_key",
    "youtube.client_secret",
    "instagram.long_lived_access_token",
    "me@example.com/openai.api_key",
    "task-scheduler-credentials-main",
    "stripe/sk_live_secret_key_main",
    "ProductionOpenAIKey2024",
    "backup.20240501T120000Z",
    "hf_token",
    "sk-test",
]


def _assert_hidden(key: str, *texts: str) -> None:
    for text in texts:
        assert key not in text and key[3:] not in text


@pytest.fixture
def vault(vault_path: Path, memkeyring: MemoryKeyring) -> Vault:
    v = Vault(vault_path, keyring_backend=memkeyring)
    v.set("openai.api_key", "sk-stored-value")
    return v


@pytest.mark.parametrize("key", KEYS)
def test_the_vault_api_never_shows_or_stores_a_key_given_as_a_name(
    vault: Vault, vault_path: Path, key: str
) -> None:
    assert looks_like_secret(key)
    before = vault_path.read_bytes()
    for call in (lambda: vault.get(key), lambda: vault.delete(key)):
        with pytest.raises(SecretNotFoundError) as missing:
            call()
        assert masked_name(key) in str(missing.value)
        _assert_hidden(key, str(missing.value), repr(missing.value))
    for call in (lambda: vault.set(key, "junk"), lambda: vault.update({"ok.name": "v", key: "junk"})):
        with pytest.raises(VaultError, match="looks like a key or token") as refused:
            call()
        _assert_hidden(key, str(refused.value), repr(refused.value))
    assert vault_path.read_bytes() == before  # nothing written, not even the good name beside it
    assert vault.names() == ["openai.api_key"]


@pytest.mark.parametrize("key", KEYS)
def test_the_cli_never_shows_or_stores_a_key_given_as_a_name(
    vault: Vault,
    vault_path: Path,
    key: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = vault_path.read_bytes()
    base = ["secrets", "--vault", str(vault_path)]
    for argv, stdin in (
        ([*base, "set", key, "--stdin"], "junk\n"),
        ([*base, "set", key], "junk\n"),
        ([*base, "delete", key], ""),
        ([*base, "validate", key], ""),
        ([*base, "validate", "openai.api_key", key], ""),
    ):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        assert main(argv) == 1
        out, err = capsys.readouterr()
        assert "error:" in err
        _assert_hidden(key, out, err)
    assert vault_path.read_bytes() == before


def test_a_missing_name_is_masked_and_near_names_are_offered(vault: Vault) -> None:
    with pytest.raises(SecretNotFoundError) as info:
        vault.get("openai.api_keyy")
    assert str(info.value).endswith("no entry 'openai.api_keyy'; did you mean openai.api_key?")
    with pytest.raises(SecretNotFoundError, match=r"no entry 'n…' \(4 characters\)$"):
        vault.delete("nope")


@pytest.mark.parametrize(
    "text",
    [
        "ya29.a0AfH6SMBxQ1w2E3r4T5y6U7i8O9p0",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig",
        "sk-proj.AbC123SECRETvalue9",
    ],
)
def test_a_dotted_key_is_still_masked(vault: Vault, text: str) -> None:
    """Entry names of the package's shape (service.field) are shown whole; a key with a dot is not."""
    with pytest.raises(SecretNotFoundError) as info:
        vault.get(text)
    assert text not in str(info.value) and text[4:] not in str(info.value)


@pytest.mark.parametrize("name", NAMES)
def test_ordinary_names_are_still_stored(vault: Vault, name: str) -> None:
    assert not looks_like_secret(name)
    vault.set(name, "v")
    assert vault.get(name).reveal() == "v"


def test_an_env_name_that_maps_to_a_key_like_entry_is_skipped(tmp_path: Path, vault: Vault) -> None:
    """YOUTUBE_<pasted key>=... is skipped by name; the rest of the file still imports."""
    run = _r(string.hexdigits.lower()[:16], 48)
    env = tmp_path / ".env"
    env.write_text(f"YOUTUBE_{run}=v\nGEMINI_API_KEY=g-key\n", encoding="utf-8")
    report = import_env(env, vault)
    assert dict(report.imported) == {"GEMINI_API_KEY": "gemini.api_key"}
    ((_, why),) = report.skipped
    assert "looks like a key or token" in why and run not in why
    assert sorted(vault.names()) == ["gemini.api_key", "openai.api_key"]


def test_validate_names_a_stored_entry_that_is_not_an_api_key(
    vault: Vault, vault_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault.set("youtube.client_id", "cid")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["secrets", "--vault", str(vault_path), "validate", "youtube.client_id", "nope.key"]) == 1
    assert "not API-key entries: youtube.client_id, 'nope.key'" in capsys.readouterr().err
