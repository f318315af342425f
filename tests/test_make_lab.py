"""`make lab` smoke test: the real target starts JupyterLab headless; /lab answers; we stop it."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.lab]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_lab_page(tmp_path: Path) -> None:
    port, token = free_port(), secrets.token_hex(16)
    args = (
        f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
        "--ServerApp.port_retries=0"
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"),
    }
    log = tmp_path / "lab.log"
    status, body, health_status = None, "", None
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["make", "-C", str(ROOT), "lab", f"LAB_ARGS={args}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    url = f"http://127.0.0.1:{port}/lab?token={token}"
                    with urllib.request.urlopen(url, timeout=5) as r:
                        status, body = r.status, r.read().decode()
                    health = f"http://127.0.0.1:{port}/timeline-lab/health?token={token}"
                    with urllib.request.urlopen(health, timeout=5) as r:
                        health_status = r.status
                    break
                except OSError:
                    time.sleep(1)
        finally:
            stop(proc)
    assert status == 200, f"JupyterLab did not answer on /lab: {log.read_text()[-2000:]}"
    assert "JupyterLab" in body
    # the prebuilt labextension is in Lab's page config, the server extension answers
    assert '"name": "timeline-lab"' in body, "the timeline-lab labextension is not installed"
    assert health_status == 200
    assert (ROOT / "notebooks" / "media").is_dir(), "make lab creates the demo media"


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop make and the JupyterLab it started (the whole process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
