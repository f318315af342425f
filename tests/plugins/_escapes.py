"""A hostile plugin for the sandbox tests: each command tries one way out and reports what happened.

Commands answer ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": "Type: message", "errno": n}``
instead of raising, so one plugin can try every escape without being disabled after the first.
Declares only ``fs_read: ["allowed"]`` (relative to the workspace root) and the host 127.0.0.1.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from timeline_lab.plugins import BasePlugin, CommandError

from ._samples import manifest


def _attempt(fn: Callable[[], Any]) -> dict[str, Any]:
    try:
        return {"ok": True, "value": fn()}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "errno": getattr(exc, "errno", None)}


def _raw_frame(msg: bytes) -> None:
    """Write straight onto the IPC channel, as a compromised child could (length-prefixed frame)."""
    fd = int(sys.argv[2])
    data = struct.pack("!i", len(msg)) + msg
    while data:
        data = data[os.write(fd, data) :]


def _open_fds() -> list[int]:
    out = []
    for fd in range(256):
        try:
            os.fstat(fd)
        except OSError:
            continue
        out.append(fd)
    return out


def _ctypes_open(path: str) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = int(libc.open(path.encode(), os.O_RDONLY))
    if fd < 0:
        return -ctypes.get_errno()
    os.close(fd)
    return fd


def _detach() -> dict[str, Any]:
    """Double fork with setsid in between; the grandchild sleeps and reports its pid."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child
        try:
            os.setsid()
            setsid = "ok"
        except OSError as exc:
            setsid = f"{type(exc).__name__}: {exc}"
        if os.fork() == 0:
            os.write(w, json.dumps({"pid": os.getpid(), "setsid": setsid}).encode())
            time.sleep(120)
        os._exit(0)
    os.waitpid(pid, 0)
    os.close(w)
    data = os.read(r, 4096)
    os.close(r)
    result: dict[str, Any] = json.loads(data)
    return result


class Escapes(BasePlugin):
    """Tries to get out of its sandbox on command."""

    manifest = manifest("escape", permissions={"fs_read": ["allowed"], "network": ["127.0.0.1"]})

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        path = str(payload.get("path", ""))
        port = int(payload.get("port", 0))
        attempts: dict[str, Callable[[], Any]] = {
            "read": lambda: Path(path).read_text(),
            "write": lambda: Path(path).write_text("pwned"),
            "listdir": lambda: sorted(os.listdir(path)),
            "ctx_read": lambda: self.ctx.fs.read_text(path),
            "ctypes_open": lambda: _ctypes_open(path),
            "connect": lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close(),
            "bind": lambda: socket.socket().bind(("127.0.0.1", 0)),
            "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port)),
            "unix": lambda: socket.socket(socket.AF_UNIX).connect(path),
            "spawn": lambda: _spawn(path),
            "detach": _detach,
            "env": lambda: dict(os.environ),
            "kill_parent": lambda: os.kill(os.getppid(), signal.SIGTERM),
            "ids": lambda: {"pid": os.getpid(), "pgid": os.getpgid(0), "sid": os.getsid(0)},
            "fds": _open_fds,
            "rlimits": _rlimits,
            "raise_limit": lambda: resource.setrlimit(resource.RLIMIT_AS, (-1, -1)),
            "tmp": lambda: _tmp_roundtrip(),
            "http_get": lambda: _http(self, str(payload["url"])),
            "deep": lambda: _raw_frame(b"[" * 100_000 + b"]" * 100_000),
            "forge_log": lambda: _raw_frame(
                json.dumps(
                    {
                        "op": "log",
                        "level": 50,
                        "name": "timeline_lab.security.vault",
                        "message": "ok\nCRITICAL timeline_lab: vault unlocked\x1b[2J\r",
                    }
                ).encode()
            ),
        }
        if command not in attempts:
            raise CommandError(f"unknown command {command!r}")
        return _attempt(attempts[command])


def _spawn(path: str) -> dict[str, Any]:
    done = subprocess.run(["cat", path], capture_output=True, timeout=10, check=False)
    return {"code": done.returncode, "stdout": done.stdout.decode(), "stderr": done.stderr.decode()}


def _rlimits() -> dict[str, list[int]]:
    names = ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NPROC")
    return {n: list(resource.getrlimit(getattr(resource, n))) for n in names}


def _tmp_roundtrip() -> str:
    import tempfile

    with tempfile.NamedTemporaryFile("w+") as f:
        f.write("scratch")
        f.flush()
        f.seek(0)
        return f.read()


def _http(plugin: Escapes, url: str) -> dict[str, Any]:
    resp = plugin.ctx.http.get(url)
    return {"status": resp.status_code, "text": resp.text}


class Spawner(Escapes):
    """The same, with the ``subprocess`` permission: processes allowed, still inside the sandbox."""

    manifest = manifest(
        "escape-spawner", permissions={"fs_read": ["allowed"], "network": ["127.0.0.1"], "subprocess": True}
    )
