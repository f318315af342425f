"""`timeline-lab secrets`: values come from a prompt or stdin, never argv; output names, never values."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.fakes import FakeKeys, LocalServer
from timeline_lab.cli.secrets import main, register
from timeline_lab.security import Vault

ROOT = Path(__file__).resolve().parents[2]


def cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def test_register_adds_secrets_to_a_parent_parser() -> None:
    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(["secrets", "--vault", "v.json", "set", "openai.api_key"])
    assert args.run.__name__ == "run" and args.name == "openai.api_key"
    with pytest.raises(SystemExit):  # there is no way to pass a value on the command line
        p.parse_args(["secrets", "set", "openai.api_key", "sk-value"])


def test_set_list_delete(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["secrets", "--vault", str(vault_path)]
    assert cli([*base, "set", "openai.api_key"], monkeypatch, "sk-CANARY-cli\n") == 0
    assert Vault(vault_path).get("openai.api_key").reveal() == "sk-CANARY-cli"  # newline stripped
    assert cli([*base, "list"], monkeypatch) == 0
    assert cli([*base, "delete", "openai.api_key"], monkeypatch) == 0
    assert cli([*base, "set", "x"], monkeypatch, "") == 1
    assert cli([*base, "delete", "nope"], monkeypatch) == 1
    out, err = capsys.readouterr()
    assert "stored openai.api_key" in out and "openai.api_key\n" in out and "deleted openai.api_key" in out
    assert "empty value for 'x'" in err and "no entry 'n…' (4 characters)" in err
    assert "CANARY" not in out + err


def test_set_prompts_on_a_terminal(vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("getpass.getpass", lambda prompt: "typed-CANARY")
    assert main(["secrets", "--vault", str(vault_path), "set", "gemini.api_key"]) == 0
    assert Vault(vault_path).get("gemini.api_key").reveal() == "typed-CANARY"


def test_import_env_and_validate(
    tmp_path: Path,
    vault_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys_server: tuple[LocalServer, FakeKeys],
) -> None:
    server, _ = keys_server
    for p in ("openai", "anthropic", "gemini"):
        monkeypatch.setenv(f"TIMELINE_LAB_{p.upper()}_BASE_URL", f"{server.url}/{p}")
    env = tmp_path / ".env"
    env.write_text("OPENAI_API_KEY=sk-good-CANARY\nCLAUDE_API_KEY=sk-bad-CANARY\n")
    base = ["secrets", "--vault", str(vault_path)]
    assert cli([*base, "import-env", str(env), "--validate"], monkeypatch) == 1  # one key is invalid
    assert cli([*base, "validate", "openai.api_key"], monkeypatch) == 0
    assert cli([*base, "validate"], monkeypatch) == 1
    assert cli([*base, "validate", "youtube.client_id"], monkeypatch) == 1
    out, err = capsys.readouterr()
    assert "OPENAI_API_KEY -> openai.api_key" in out
    assert "openai.api_key: openai: valid (HTTP 200)" in out
    assert "anthropic.api_key: anthropic: invalid (HTTP 401)" in out
    assert "not API-key entries: 'youtube.client_id'" in err  # not stored, but an entry name's shape
    assert "CANARY" not in out + err


@pytest.mark.parametrize(
    "line",
    [
        'OPENAI_API_KEY="sk-good-CANARY\\n"',  # an escaped newline python-dotenv turns into a real one
        'OPENAI_API_KEY="sk-good-CANARY\\r"',
        "OPENAI_API_KEY=sk-good-CANARY\u2019",  # a pasted smart quote
        "OPENAI_API_KEY=sk-good-CANARY\u00e9",
    ],
)
def test_a_key_no_header_can_carry_is_named_and_not_printed(
    line: str,
    tmp_path: Path,
    vault_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys_server: tuple[LocalServer, FakeKeys],
) -> None:
    server, _ = keys_server
    for p in ("openai", "anthropic"):
        monkeypatch.setenv(f"TIMELINE_LAB_{p.upper()}_BASE_URL", f"{server.url}/{p}")
    env = tmp_path / ".env"
    env.write_text(f"{line}\nANTHROPIC_API_KEY=sk-good-CANARY-ant\n", encoding="utf-8")
    base = ["secrets", "--vault", str(vault_path)]
    assert cli([*base, "import-env", str(env), "--validate"], monkeypatch) == 1
    assert cli([*base, "validate"], monkeypatch) == 1
    out, err = capsys.readouterr()
    unsendable = "openai.api_key: openai: invalid - key contains characters an HTTP header cannot carry"
    assert out.count(unsendable) == 2, out + err
    assert out.count("anthropic.api_key: anthropic: valid (HTTP 200)") == 2  # the other key still checked
    assert "CANARY" not in out + err and "codec" not in err


def test_subprocess_with_passphrase_from_env(tmp_path: Path) -> None:
    vault = tmp_path / "sub" / "vault.json"
    env = {
        **os.environ,
        "TIMELINE_LAB_VAULT": str(vault),
        "TIMELINE_LAB_VAULT_PASSPHRASE": "sub-CANARY-pass",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # a headless CI box
    }

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "timeline_lab.cli.secrets", "secrets", *args]
        return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)

    r = run("set", "openai.api_key", stdin="sk-CANARY-sub")
    assert r.returncode == 0, r.stderr
    r2 = run("list")
    assert r2.returncode == 0 and r2.stdout == "openai.api_key\n"
    env["TIMELINE_LAB_VAULT_PASSPHRASE"] = "wrong"
    r3 = run("list")
    assert r3.returncode == 0  # names are readable without the key
    r4 = run("delete", "openai.api_key")
    assert r4.returncode == 1 and "does not open it" in r4.stderr and "Traceback" not in r4.stderr
    assert oct(vault.stat().st_mode & 0o777) == "0o600"
    assert Vault(vault, passphrase="sub-CANARY-pass").key_source == "passphrase"
    for done in (r, r2, r3, r4):
        assert "CANARY" not in done.stdout + done.stderr
