"""A hostile plugin for the sandbox tests: each command tries one way out and reports what happened.

Commands answer ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": "Type: message", "errno": n}``
instead of raising, so one plugin can try every escape without being disabled after the first.
Declares only ``fs_read: ["allowed"]`` (relative to the workspace root) and the host 127.0.0.1.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
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


_XATTR = "user.timeline_lab.project"
_FORGED = b"timeline_lab project forged name=k"


def _fd_of(path: str, call: Callable[[int], Any]) -> Any:
    """``call`` on a read-only descriptor of ``path`` (enough for every f* metadata call)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return call(fd)
    finally:
        os.close(fd)


def _at(path: str, call: Callable[[str, int], Any]) -> Any:
    """``call(name, dir_fd)`` with an ``O_PATH`` descriptor of the folder (Landlock checks neither)."""
    folder = os.open(os.path.dirname(path), os.O_PATH)
    try:
        return call(os.path.basename(path), folder)
    finally:
        os.close(folder)


def _set_flags(fd: int) -> None:
    """FS_IOC_SETFLAGS: add FS_NODUMP_FL to the inode's flags."""
    flags = bytearray(8)
    fcntl.ioctl(fd, 0x80086601, flags)  # FS_IOC_GETFLAGS
    value = struct.unpack("=q", bytes(flags))[0] | 0x40
    fcntl.ioctl(fd, 0x40086602, struct.pack("=q", value))


def _raw(nr: int, args: list[Any]) -> int:
    """A raw syscall (those Python does not wrap): str -> C string, {"xattr": v} -> struct xattr_args."""
    keep: list[Any] = []
    c_args: list[Any] = []
    for arg in args:
        if isinstance(arg, str):
            c_args.append(ctypes.c_char_p(arg.encode()))
        elif isinstance(arg, dict):
            value = ctypes.create_string_buffer(str(arg["xattr"]).encode())
            keep.append(value)
            c_args.append(ctypes.c_char_p(struct.pack("=QII", ctypes.addressof(value), len(value) - 1, 0)))
        else:
            c_args.append(ctypes.c_long(arg))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(ctypes.c_long(nr), *c_args) < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return 0


METADATA: dict[str, Callable[[str], Any]] = {
    "chmod": lambda p: os.chmod(p, 0o666),
    "fchmod": lambda p: _fd_of(p, lambda fd: os.fchmod(fd, 0o666)),
    "fchmodat": lambda p: _at(p, lambda n, d: os.chmod(n, 0o666, dir_fd=d)),
    "chown": lambda p: os.chown(p, os.getuid(), os.getgid()),
    "lchown": lambda p: os.lchown(p, os.getuid(), os.getgid()),
    "fchown": lambda p: _fd_of(p, lambda fd: os.fchown(fd, os.getuid(), os.getgid())),
    "fchownat": lambda p: _at(p, lambda n, d: os.chown(n, os.getuid(), os.getgid(), dir_fd=d)),
    "utime": lambda p: os.utime(p, (0, 0)),
    "lutime": lambda p: os.utime(p, (0, 0), follow_symlinks=False),
    "futimens": lambda p: _fd_of(p, lambda fd: os.utime(fd, (0, 0))),
    "setxattr": lambda p: os.setxattr(p, _XATTR, _FORGED),
    "lsetxattr": lambda p: os.setxattr(p, _XATTR, _FORGED, follow_symlinks=False),
    "fsetxattr": lambda p: _fd_of(p, lambda fd: os.setxattr(fd, _XATTR, _FORGED)),
    "removexattr": lambda p: os.removexattr(p, "user.keep"),
    "lremovexattr": lambda p: os.removexattr(p, "user.keep", follow_symlinks=False),
    "fremovexattr": lambda p: _fd_of(p, lambda fd: os.removexattr(fd, "user.keep")),
    "ioctl_setflags": lambda p: _fd_of(p, _set_flags),
}


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
            "metadata": lambda: METADATA[str(payload["call"])](path),
            "raw": lambda: _raw(int(payload["nr"]), list(payload["args"])),
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


class Writer(Escapes):
    """The same, with a folder to write (``out``): what it may do there still works."""

    manifest = manifest(
        "escape-writer", permissions={"fs_read": ["allowed"], "fs_write": ["out"], "network": ["127.0.0.1"]}
    )

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        out = Path(str(payload.get("out", "")))
        writes: dict[str, Callable[[], Any]] = {
            "ctx_write": lambda: str(self.ctx.fs.write_text("out/ctx.txt", "via ctx")),
            "open_write": lambda: (out / "open.txt").write_text("via open"),
            "copyfile": lambda: str(shutil.copyfile(str(payload["src"]), out / "copyfile.txt")),
            "copy": lambda: str(shutil.copy(str(payload["src"]), out / "copy.txt")),
            "replace": lambda: _replace_into(out),
            "mkdir_remove": lambda: _mkdir_remove(out),
        }
        if command in writes:
            return _attempt(writes[command])
        return super().handle(command, payload)


def _replace_into(out: Path) -> str:
    """A temp file in the folder renamed onto a name there (what atomic savers do)."""
    with tempfile.NamedTemporaryFile("w", dir=out, delete=False) as f:
        f.write("replaced")
    os.replace(f.name, out / "replaced.txt")
    return (out / "replaced.txt").read_text()


def _mkdir_remove(out: Path) -> bool:
    (out / "sub").mkdir()
    (out / "sub" / "f").write_text("x")
    (out / "sub" / "f").unlink()
    (out / "sub").rmdir()
    return True


class Spawner(Escapes):
    """The same, with the ``subprocess`` permission: processes allowed, still inside the sandbox."""

    manifest = manifest(
        "escape-spawner", permissions={"fs_read": ["allowed"], "network": ["127.0.0.1"], "subprocess": True}
    )
