"""An isolated plugin declaring only ``fs_read: ["allowed"]`` tries every way out; the kernel says no.

Real child processes under real Landlock and seccomp (no mocks): files outside the allowed folder,
writes, changes to any file's mode, owner, times, extended attributes or inode flags (in every
syscall form), TCP connect/bind to a live 127.0.0.1 listener, UDP and unix sockets, subprocesses, libc
``open`` through ctypes, the vault passphrase in the environment, the vault file, a detached
grandchild, a 100,000-deep JSON message, forged log lines, and SIGTERM to the app. The allowed
folder and the app's HTTP proxy must still work.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.plugins._escapes import METADATA
from timeline_lab.core.events import Event, EventBus
from timeline_lab.plugins import PluginError, PluginFailed, PluginRegistry
from timeline_lab.plugins._landlock import MIN_ABI, abi
from timeline_lab.security.vault import Vault

pytestmark = pytest.mark.skipif(
    abi() < MIN_ABI, reason=f"needs Linux with Landlock ABI >= {MIN_ABI} (this system: {abi()})"
)

PLUGIN = "tests.plugins._escapes:Escapes"
SPAWNER = "tests.plugins._escapes:Spawner"
PASSPHRASE = "correct horse battery staple"
DENIED = (errno.EACCES, errno.EPERM)


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from 127.0.0.1"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Workspace: allowed/{clip.txt}, secret.txt beside it, a real vault, and a unix socket."""
    base = tmp_path_factory.mktemp("sandbox")
    (base / "allowed").mkdir()
    (base / "allowed" / "clip.txt").write_text("clip")
    (base / "secret.txt").write_text("top secret")
    Vault(base / "vault.json", passphrase=PASSPHRASE, prefer="passphrase", scrypt_n=2**10).set(
        "openai", "sk-test-123"
    )
    return base


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def env_secret() -> Iterator[None]:
    """The vault passphrase (and an API key) in the app's environment while plugins start."""
    saved = {k: os.environ.get(k) for k in ("TIMELINE_LAB_VAULT_PASSPHRASE", "OPENAI_API_KEY")}
    os.environ["TIMELINE_LAB_VAULT_PASSPHRASE"] = PASSPHRASE
    os.environ["OPENAI_API_KEY"] = "sk-live-secret"
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def escape(root: Path, env_secret: None) -> Iterator[PluginRegistry]:
    """One sandboxed plugin shared by the tests that leave it running."""
    with PluginRegistry(EventBus(), root, timeout=20) as reg:
        assert os.environ["TIMELINE_LAB_VAULT_PASSPHRASE"] == PASSPHRASE  # in the app as it starts
        reg.register_isolated(PLUGIN)
        assert reg.start() == ["escape"]
        yield reg


def attempt(reg: PluginRegistry, command: str, **payload: Any) -> dict[str, Any]:
    result: dict[str, Any] = reg.handle(reg.info()[0].name, command, payload)
    return result


def refused(result: dict[str, Any]) -> bool:
    return not result["ok"] and result["errno"] in DENIED


def wait_for(pred: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.02)


# -- files -----------------------------------------------------------------------------------------
def test_allowed_folder_is_readable(escape: PluginRegistry, root: Path) -> None:
    assert attempt(escape, "read", path=str(root / "allowed" / "clip.txt")) == {"ok": True, "value": "clip"}
    assert attempt(escape, "listdir", path=str(root / "allowed"))["value"] == ["clip.txt"]
    assert attempt(escape, "ctx_read", path="allowed/clip.txt")["value"] == "clip"
    assert attempt(escape, "tmp")["value"] == "scratch"  # its private temp folder works


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("read", "secret.txt"),
        ("read", "vault.json"),
        ("read", "/etc/passwd"),
        ("listdir", "."),
        ("write", "pwned.txt"),
        ("write", "allowed/clip.txt"),  # fs_read only: read-only
        ("ctypes_open", "secret.txt"),
    ],
)
def test_files_outside_are_refused_by_the_kernel(
    escape: PluginRegistry, root: Path, command: str, target: str
) -> None:
    path = target if target.startswith("/") else str(root / target)
    result = attempt(escape, command, path=path)
    if command == "ctypes_open":
        assert result["value"] in (-errno.EACCES, -errno.EPERM)
    else:
        assert refused(result), result
    assert (root / "allowed" / "clip.txt").read_text() == "clip"
    assert not (root / "pwned.txt").exists()


# -- network -------------------------------------------------------------------------------------
def test_sockets_are_refused_and_http_goes_through_the_app(
    escape: PluginRegistry, server: int, root: Path
) -> None:
    assert refused(attempt(escape, "connect", port=server))  # Landlock: TCP connect
    assert refused(attempt(escape, "bind"))  # Landlock: TCP bind
    assert refused(attempt(escape, "udp", port=server))  # seccomp: no UDP sockets
    unix_path = str(root / "app.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(unix_path)
    listener.listen()
    try:
        assert refused(attempt(escape, "unix", path=unix_path))  # seccomp: no unix sockets
    finally:
        listener.close()
    ok = attempt(escape, "http_get", url=f"http://127.0.0.1:{server}/")
    assert ok == {"ok": True, "value": {"status": 200, "text": "hello from 127.0.0.1"}}
    other = attempt(escape, "http_get", url=f"http://localhost:{server}/")
    assert not other["ok"] and "may not connect to host 'localhost'" in other["error"]


# -- process -------------------------------------------------------------------------------------
def test_environment_is_clean(escape: PluginRegistry) -> None:
    env = attempt(escape, "env")["value"]
    assert "TIMELINE_LAB_VAULT_PASSPHRASE" not in env and "OPENAI_API_KEY" not in env
    assert set(env) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TZ"}
    assert PASSPHRASE not in repr(env)


def test_descriptors_session_and_limits(escape: PluginRegistry) -> None:
    ids = attempt(escape, "ids")["value"]
    assert ids["pgid"] == ids["sid"] == ids["pid"] != os.getpid()  # its own session and group
    assert len(attempt(escape, "fds")["value"]) == 4  # stdin, stdout, stderr, the channel
    limits = attempt(escape, "rlimits")["value"]
    assert limits["RLIMIT_AS"] == [4 * 1024**3] * 2
    assert limits["RLIMIT_FSIZE"] == [1024**3] * 2
    assert limits["RLIMIT_CPU"] == [3600, 3605]
    assert limits["RLIMIT_NPROC"][0] > 0
    assert not attempt(escape, "raise_limit")["ok"]


def test_no_processes_without_the_subprocess_permission(escape: PluginRegistry, root: Path) -> None:
    assert refused(attempt(escape, "spawn", path=str(root / "secret.txt")))
    assert refused(attempt(escape, "detach"))


def test_signal_to_the_app_is_refused(escape: PluginRegistry) -> None:
    if abi() < 6:
        pytest.skip("signal scoping needs Landlock ABI >= 6")
    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda sig, frame: got.append(sig))
    try:
        assert refused(attempt(escape, "kill_parent"))
        time.sleep(0.2)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert got == []


def test_subprocesses_stay_in_the_sandbox_and_die_with_it(root: Path, env_secret: None) -> None:
    with PluginRegistry(EventBus(), root, timeout=20) as reg:
        reg.register_isolated(SPAWNER)
        reg.start()
        inside = attempt(reg, "spawn", path=str(root / "allowed" / "clip.txt"))["value"]
        assert (inside["code"], inside["stdout"]) == (0, "clip")
        outside = attempt(reg, "spawn", path=str(root / "secret.txt"))["value"]
        assert outside["code"] != 0 and "Permission denied" in outside["stderr"]
        detached = attempt(reg, "detach")["value"]
        grandchild, child = detached["pid"], reg.get("escape-spawner").pid
        assert detached["setsid"].startswith("PermissionError")  # cannot leave the process group
        assert os.getpgid(grandchild) == child
    state = _state(grandchild)
    assert state in (None, "Z"), f"grandchild {grandchild} survived shutdown (state {state})"


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return None


# -- the channel -----------------------------------------------------------------------------------
def test_deeply_nested_message_is_a_crash_not_a_hang(root: Path) -> None:
    bus, events = EventBus(), list[Event]()
    bus.subscribe(Event, events.append)
    with PluginRegistry(bus, root, timeout=20) as reg:
        reg.register_isolated(PLUGIN)
        reg.register_isolated("tests.plugins._samples:Echo")
        reg.start()
        proxy = reg.get("escape")
        started = time.monotonic()
        with pytest.raises(PluginError, match=r"plugin 'escape'.*bad message from child \(JSON nested"):
            reg.handle("escape", "deep")
        assert time.monotonic() - started < 5  # failed at once, not at the 20 s timeout
        wait_for(lambda: any(isinstance(e, PluginFailed) for e in events))
        failed = [(e.name, e.stage) for e in events if isinstance(e, PluginFailed)]
        assert failed == [("escape", "crash")]
        wait_for(lambda: not proxy.alive)
        assert reg.handle("echo", "echo", {"text": "still here"})["echo"] == "still here"


def test_child_log_lines_cannot_pose_as_the_app(
    escape: PluginRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert attempt(escape, "forge_log")["ok"]
    wait_for(lambda: any("vault unlocked" in r.getMessage() for r in caplog.records))
    record = next(r for r in caplog.records if "vault unlocked" in r.getMessage())
    assert record.name == "timeline_lab.plugins.escape"
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert "\n" not in text and "\x1b" not in text and "\r" not in text
    assert text.startswith("[timeline_lab.security.vault] ok\\nCRITICAL")


# -- file metadata (Landlock checks none of it; the seccomp filter refuses it all) ------------------
WRITER = "tests.plugins._escapes:Writer"
AT_FDCWD = -100
_RAW = {  # syscalls Python does not reach by name; the new ones share a number on every architecture
    "fchmodat2": (452, lambda p: [AT_FDCWD, p, 0o666, 0]),
    "setxattrat": (463, lambda p: [AT_FDCWD, p, 0, "user.timeline_lab.project", {"xattr": "forged"}, 16]),
    "removexattrat": (466, lambda p: [AT_FDCWD, p, 0, "user.keep"]),
    "file_setattr": (469, lambda p: [AT_FDCWD, p, 0, 0, 0]),
}
if os.uname().machine == "x86_64":
    _RAW |= {
        "chmod": (90, lambda p: [p, 0o666]),
        "chown": (92, lambda p: [p, os.getuid(), os.getgid()]),
        "lchown": (94, lambda p: [p, os.getuid(), os.getgid()]),
        "utime": (132, lambda p: [p, 0]),
        "utimes": (235, lambda p: [p, 0]),
        "futimesat": (261, lambda p: [AT_FDCWD, p, 0]),
    }


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PluginRegistry, Path]]:
    """A plugin that reads ``allowed``, writes ``out``; the vault (with its key file) beside them."""
    base = tmp_path_factory.mktemp("meta")
    for folder in ("allowed", "out"):
        (base / folder).mkdir()
    Vault(base / "vault.json", prefer="keyfile").set("openai", "sk-test-123")
    assert (base / "vault.json.key").exists()
    with PluginRegistry(EventBus(), base, timeout=20) as reg:
        reg.register_isolated(WRITER)
        assert reg.start() == ["escape-writer"]
        yield reg, base


def _victims(base: Path, name: str) -> list[Path]:
    """Fresh files the plugin may read, may write, and may not touch, each with an xattr to keep."""
    paths = [base / "allowed" / name, base / "out" / name, base / name]
    for path in paths:
        path.write_text("data")
        path.chmod(0o600)
        os.setxattr(path, "user.keep", b"1")
    return [*paths, base / "vault.json.key", base / "vault.json"]


def _metadata(path: Path) -> tuple[Any, ...]:
    st = path.stat()
    xattrs = {n: os.getxattr(path, n) for n in os.listxattr(path)}
    return st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns, st.st_ctime_ns, xattrs


@pytest.mark.parametrize("call", sorted(METADATA))
def test_metadata_changes_are_refused(writer: tuple[PluginRegistry, Path], call: str) -> None:
    reg, base = writer
    for path in _victims(base, f"{call}.txt"):
        before = _metadata(path)
        result = attempt(reg, "metadata", call=call, path=str(path))
        assert refused(result), (path.name, result)
        assert _metadata(path) == before, path


@pytest.mark.parametrize("call", sorted(_RAW))
def test_raw_metadata_syscalls_are_refused(writer: tuple[PluginRegistry, Path], call: str) -> None:
    reg, base = writer
    nr, args = _RAW[call]
    for path in _victims(base, f"raw-{call}.txt"):
        before = _metadata(path)
        result = attempt(reg, "raw", nr=nr, args=args(str(path)))
        assert not result["ok"] and result["errno"] == errno.EPERM, (path.name, result)
        assert _metadata(path) == before, path


def test_writing_its_own_folder_still_works(writer: tuple[PluginRegistry, Path]) -> None:
    reg, base = writer
    out, src = base / "out", base / "allowed" / "src.txt"
    src.write_text("source")
    umask = os.umask(0)
    os.umask(umask)
    for command, made, text in [
        ("ctx_write", "ctx.txt", "via ctx"),
        ("open_write", "open.txt", "via open"),
        ("copyfile", "copyfile.txt", "source"),
        ("replace", "replaced.txt", "replaced"),
    ]:
        result = reg.handle("escape-writer", command, {"out": str(out), "src": str(src)})
        assert result["ok"], (command, result)
        assert (out / made).read_text() == text
    assert (out / "ctx.txt").stat().st_mode & 0o777 == 0o644 & ~umask  # created with it: no chmod
    assert reg.handle("escape-writer", "mkdir_remove", {"out": str(out)}) == {"ok": True, "value": True}
    copy = reg.handle("escape-writer", "copy", {"out": str(out), "src": str(src)})  # copies the mode
    assert not copy["ok"] and copy["errno"] == errno.EPERM
    assert not list(out.glob("*.part"))


def test_the_child_holds_stdio_and_the_channel_at_3_however_many_the_app_has(root: Path) -> None:
    """A long session (a kernel, the test suite) with hundreds of descriptors open handed the child
    its channel past 255: it still held only stdio and the channel, but at an odd number."""
    many = [os.open(os.devnull, os.O_RDONLY) for _ in range(300)]
    try:
        with PluginRegistry(EventBus(), root, timeout=20) as reg:
            reg.register_isolated(PLUGIN)
            reg.start()
            assert attempt(reg, "fds")["value"] == [0, 1, 2, 3]
    finally:
        for fd in many:
            os.close(fd)
