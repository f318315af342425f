"""No secret in logs, reprs, errors, CLI output or a saved notebook, across one whole realistic flow.

Every fake secret contains the marker CANARY (API keys, client secret, auth code, access and refresh
tokens, passphrases); nothing that leaves the process may contain it.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import threading
import traceback
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.security.conftest import MemoryKeyring
from tests.security.fakes import CANARY, FakeAuth, FakeKeys, LocalServer
from timeline_lab.cli.secrets import main as cli_main
from timeline_lab.security import (
    YOUTUBE,
    KeyValidator,
    OAuthClient,
    OAuthError,
    SecurityError,
    Vault,
    import_env,
    run_sync,
)

PROVIDERS = ("openai", "anthropic", "gemini")


def browser(url: str) -> None:
    """A browser that follows redirects and logs nothing (httpx would log the callback URL itself)."""
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=10).read()


def errors_text(exc: BaseException) -> str:
    """Message, repr and args of the exception and of everything chained to it (not source lines)."""
    parts: list[str] = []
    cur: BaseException | None = exc
    while cur is not None:
        parts += [repr(cur), str(cur), repr(cur.args), traceback.format_exception_only(cur)[-1]]
        cur = cur.__cause__ or cur.__context__
    return "\n".join(parts)


def test_whole_flow_leaks_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    keys_server: tuple[LocalServer, FakeKeys],
    auth_server: tuple[LocalServer, FakeAuth],
) -> None:
    ksrv, _ = keys_server
    asrv, st = auth_server
    root_stream = io.StringIO()
    root_handler = logging.StreamHandler(root_stream)
    root_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(root_handler)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    try:
        for p in PROVIDERS:
            monkeypatch.setenv(f"TIMELINE_LAB_{p.upper()}_BASE_URL", f"{ksrv.url}/{p}")
        vault_path = tmp_path / "vault.json"
        vault = Vault(vault_path, keyring_backend=MemoryKeyring())

        # 1. import a .env and validate the keys
        env = tmp_path / ".env"
        env.write_text(
            f'OPENAI_API_KEY="sk-good-{CANARY}-1"\nANTHROPIC_API_KEY=sk-ant-bad-{CANARY}-2\n'
            f"GEMINI_API_KEY=AIza-ratelimit-{CANARY}-3\n"
            f"GOOGLE_CLIENT_ID={st.client_id}\nGOOGLE_CLIENT_SECRET={st.client_secret}\n"
        )
        report = import_env(env, vault, validate=True, validator=KeyValidator())
        seen += [repr(report), *report.lines(), *(repr(r) for r in report.validation.values())]
        assert {r.status.value for r in report.validation.values()} == {"valid", "invalid", "rate_limited"}

        # 2. OAuth sign-in through the loopback listener, then an upload that hits 401 and refreshes
        monkeypatch.setattr(
            "webbrowser.open", lambda url: threading.Thread(target=browser, args=(url,)).start() or True
        )
        client = OAuthClient.from_vault(YOUTUBE.rebased(asrv.url), vault)
        tokens = client.authorize(timeout=10, open_browser=True)
        st.access_tokens.clear()
        resp = run_sync(client.request("POST", f"{asrv.url}/upload", content=b"\x00" * 1024))
        assert resp.status_code == 200
        seen += [repr(vault), repr(client), repr(tokens), repr(client.tokens()), repr(resp)]
        seen += [repr(vault.get(n)) + str(vault.get(n)) for n in vault.names()]

        # 3. failures: their messages and tracebacks must not carry secrets either
        st.tamper_state = True
        with pytest.raises(OAuthError) as e1:
            client.authorize(timeout=10, open_browser=True)
        st.tamper_state = False
        session = client.start_authorization()
        browser(session.url)
        with pytest.raises(OAuthError) as e2:
            run_sync(client.exchange_code(session.wait(5), verifier=f"v-{CANARY}" * 8, redirect_uri="x"))
        with pytest.raises(SecurityError) as e3:
            Vault(tmp_path / "pp.json", passphrase=f"pp-{CANARY}", scrypt_n=2**14).set("a", "b")
            Vault(tmp_path / "pp.json", passphrase=f"wrong-{CANARY}").get("a")
        seen += [errors_text(e.value) for e in (e1, e2, e3)]

        # 4. the CLI, in-process (list, validate, set from stdin, a failing delete)
        base = ["secrets", "--vault", str(tmp_path / "cli.json")]
        monkeypatch.setattr("sys.stdin", io.StringIO(f"sk-good-{CANARY}-cli\n"))
        assert cli_main([*base, "set", "openai.api_key"]) == 0
        assert cli_main([*base, "list"]) == 0
        assert cli_main([*base, "validate"]) == 0
        # the import vault's key is in a MemoryKeyring the CLI cannot see: a clean error, no values
        assert cli_main(["secrets", "--vault", str(vault_path), "import-env", str(env)]) == 1
        run_sync(client.revoke())
    finally:
        logging.getLogger().removeHandler(root_handler)
    out, err = capsys.readouterr()
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records) + root_stream.getvalue()

    assert "oauth youtube/default: signed in" in logs and "HTTP Request" in logs  # DEBUG really captured
    assert "refresh token rotated" in logs and "openai.api_key: openai: valid" in out
    for where, text in [("logs", logs), ("stdout", out), ("stderr", err), ("objects", "\n".join(seen))]:
        assert CANARY not in text, f"secret leaked into {where}"


NOTEBOOK_CELLS = [
    "import json\nfrom timeline_lab.security import Vault\nv = Vault()\ns = v.get('openai.api_key')\ns",
    "print(s, repr(s), f'{s}', s.__format__(''))\ndisplay(s)\nv, v.names(), {'k': s}",
    "try:\n    json.dumps({'k': s})\nexcept TypeError as e:\n    print(e)",
    "import logging, sys\nlogging.basicConfig(stream=sys.stdout, level=logging.DEBUG, force=True)\n"
    "v.set('other', s)\nlogging.getLogger('x').warning('key=%s', s)",
    "try:\n    Vault(passphrase='wrong').get('openai.api_key')\n"
    "except Exception as e:\n    print(type(e).__name__, e)",
]


def test_notebook_outputs_stay_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault_path = tmp_path / "nb-vault.json"
    Vault(vault_path, passphrase=f"nb-{CANARY}-pass", scrypt_n=2**14).set("openai.api_key", f"sk-{CANARY}-nb")
    monkeypatch.setenv("TIMELINE_LAB_VAULT", str(vault_path))  # the kernel inherits these
    monkeypatch.setenv("TIMELINE_LAB_VAULT_PASSPHRASE", f"nb-{CANARY}-pass")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    saved = tmp_path / "secret.ipynb"
    nbformat.write(nb, saved)
    text = saved.read_text()
    outputs = [o for c in nb.cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], text
    assert "Secret(&#x27;********&#x27;)" in text or "Secret('********')" in text
    assert "text/html" in text and "not JSON serializable" in text and "VaultKeyError" in text
    assert CANARY not in text
    json.loads(text)  # a valid notebook file
