"""Fixtures for browser tests: a real ``jupyter lab`` on a free port and Debian's chromium via Playwright.

Lab, its root and the browser live for this package (``scope="package"``): starting Lab is slow, and
tearing them down after the last browser test keeps Playwright's event loop out of the other tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, sync_playwright

from ._lab import ARTIFACTS, LabServer, save_artifact

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 90.0


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item so ``page`` can screenshot a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _must_have_browser() -> bool:
    """In CI, or as root on Linux (``make test`` installs chromium there), a missing browser is an error."""
    return bool(os.environ.get("CI")) or (sys.platform.startswith("linux") and os.geteuid() == 0)


@pytest.fixture(scope="package")
def chromium_executable() -> str:
    """Path of Debian's chromium (``TIMELINE_LAB_CHROMIUM`` overrides); nothing is downloaded."""
    path = os.environ.get("TIMELINE_LAB_CHROMIUM", DEFAULT_CHROMIUM)
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    if _must_have_browser():
        pytest.fail(
            f"chromium not found at {path}: `make test` installs it (apt-get install chromium); "
            "set TIMELINE_LAB_CHROMIUM to use another build",
            pytrace=False,
        )
    pytest.skip(f"chromium not found at {path}: apt-get install chromium (or set TIMELINE_LAB_CHROMIUM)")


@pytest.fixture(scope="package")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Lab root holding a copy of notebooks/ (demo media made here when the checkout has none)."""
    root = tmp_path_factory.mktemp("lab-root")
    src = REPO / "notebooks"
    for nb in src.glob("*.ipynb"):
        shutil.copy2(nb, root / nb.name)
    media = src / "media"
    if media.is_dir() and any(media.iterdir()):
        shutil.copytree(media, root / "media")
    else:
        from timeline_lab.media.synth import make_demo_media

        make_demo_media(root / "media")
    return root


def _free_port() -> int:
    """A port the OS just handed out (bind to 0); Lab binds it moments later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _lab_env(base: Path) -> dict[str, str]:
    """Environment isolating config, runtime and Lab settings/workspaces; sys.prefix stays visible."""
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
    ):
        d = base / name.lower()
        d.mkdir(parents=True, exist_ok=True)
        env[name] = str(d)
    # JUPYTER_PATH / JUPYTER_DATA_DIR untouched: the lab- and server-extension live under sys.prefix.
    env.pop("JUPYTER_TOKEN", None)
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # silence the platformdirs migration warning in the log
    notification = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), "utf-8"
    )
    return env


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Status and body of a GET (HTTP errors are answers, not exceptions)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def make_lab_command() -> list[str]:
    """The command ``make lab LAB_ARGS=--no-browser`` runs (``make -n``), on this interpreter."""
    dry = subprocess.run(
        ["make", "-s", "-n", "-C", str(REPO), "lab", "LAB_ARGS=--no-browser"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = [ln for ln in dry.splitlines() if re.search(r"\bjupyter lab\b", ln)][-1]
    program, app, *args = shlex.split(line)
    assert program.endswith("jupyter") and app == "lab", line
    return [sys.executable, "-m", "jupyter", "lab", *args]


def _printed_url(lab: LabServer, port: int, proc: subprocess.Popen[bytes]) -> tuple[str, str]:
    """The URL (path and token) Jupyter prints for the user to open, read from its log."""
    pattern = re.compile(rf"http://127\.0\.0\.1:{port}/(\S*?)\?token=([0-9a-f]+)")
    deadline = time.monotonic() + START_TIMEOUT_S
    while (found := pattern.search(lab.log(tail=200_000))) is None:
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"jupyter lab printed no URL to open:\n{lab.log()}")
        time.sleep(0.25)  # polling interval
    return found.group(1), found.group(2)


@contextlib.contextmanager
def _jupyter(app: str, root: Path, base: Path, command: list[str] | None = None) -> Iterator[LabServer]:
    """A real ``jupyter <app>`` (lab or notebook) serving ``root`` on 127.0.0.1; always stopped.

    With ``command`` (what ``make lab`` runs), Jupyter is started in ``root`` as the user would, with
    the token it makes itself; ``start_url`` is then the URL it prints.
    """
    env = _lab_env(base)
    token = secrets.token_hex(24)
    port = _free_port()
    config = "LabApp" if app == "lab" else "JupyterNotebookApp"
    own = [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    cmd = [
        *(command or [sys.executable, "-m", "jupyter", app, "--no-browser", *own]),
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--{config}.expose_app_in_browser=True",
    ]  # fmt: skip
    if app == "lab":  # Notebook 7 has neither trait, and an unknown one disables the whole app config
        cmd += ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if sys.platform.startswith("linux") and os.geteuid() == 0 and "--allow-root" not in cmd:
        cmd.append("--allow-root")
    log_path = base / f"{app}.log"
    lab = LabServer(url=f"http://127.0.0.1:{port}/", token=token, root=root, log_path=log_path)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if command is not None:
            lab.start_url, lab.token = _printed_url(lab, port, proc)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter {app} exited with {proc.returncode} before answering:\n{lab.log()}")
            try:
                status, _ = _get(lab.api("api/status"), timeout=2.0)
            except OSError:
                status = 0
            if status == 200:
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"jupyter {app} did not answer /api/status in {START_TIMEOUT_S:.0f} s:\n{lab.log()}"
                )
            time.sleep(0.25)  # polling interval, not a wait for a fixed condition
        yield lab
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="package")
def lab_server(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A real ``jupyter lab`` serving ``lab_root`` on 127.0.0.1 with a random token; always stopped."""
    with _jupyter("lab", lab_root, tmp_path_factory.mktemp("lab-env")) as lab:
        yield lab


@pytest.fixture
def make_lab_server(lab_root: Path, tmp_path: Path) -> Iterator[LabServer]:
    """JupyterLab started by ``make lab``'s own command in a fresh copy of the checkout's notebooks/."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    checkout = tmp_path / "checkout"
    local = shutil.ignore_patterns("media", "output", ".*", "my_first_edit.*")  # what a fresh clone lacks
    shutil.copytree(REPO / "notebooks", checkout / "notebooks", ignore=local)
    shutil.copytree(lab_root / "media", checkout / "notebooks" / "media")  # `make lab` makes these first
    with _jupyter("lab", checkout, tmp_path / "lab-env", command=make_lab_command()) as lab:
        lab.root = checkout / "notebooks"  # Jupyter serves the folder of the notebook it was given
        yield lab


@pytest.fixture(scope="package")
def notebook_server(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A real Notebook 7 (``jupyter notebook``) on the same root: the widgets must work there too."""
    with _jupyter("notebook", lab_root, tmp_path_factory.mktemp("notebook-env")) as nb:
        yield nb


@pytest.fixture(scope="package")
def browser(chromium_executable: str) -> Iterator[Browser]:
    """Debian's chromium, headless, driven through Playwright's sync API."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_executable, args=["--no-sandbox"], headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh 1400x900 page; ``page.responses`` and ``page.console_errors`` record what it saw."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    p = context.new_page()
    responses: list[Response] = []
    console_errors: list[str] = []
    p.on("response", lambda r: responses.append(r))
    p.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"))
    p.responses = responses  # type: ignore[attr-defined]
    p.console_errors = console_errors  # type: ignore[attr-defined]
    try:
        yield p
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            try:
                shot = save_artifact(p, f"{request.node.name}-failure.png")
                print(f"screenshot of the failure: {shot}")
            except Exception as exc:  # the page may be gone; the test's own failure matters more
                print(f"no failure screenshot: {exc}")
        context.close()
