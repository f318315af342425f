"""Starting and stopping one plugin child: a fresh interpreter in its own session, killed as a group.

The child is ``python -I`` (no PYTHON* variables, no user site, no current folder on ``sys.path``)
started with a clean environment, stdin on /dev/null, no inherited descriptor but one end of a
socket pair (the JSON channel), in a new session whose process group holds every descendant (the
seccomp filter refuses ``setsid``/``setpgid``). :meth:`ChildProcess.kill` signals that whole group
before the child is reaped, so the group id cannot have been reused by then.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ._wire import clean

__all__ = ["ChildProcess"]

_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from timeline_lab.plugins._child import main; main(int(sys.argv[2]))"
)


class ChildProcess:
    """One running child; ``conn`` carries JSON messages (the first one is the sandbox config)."""

    def __init__(self, config: dict[str, Any], env: dict[str, str], cwd: str, label: str) -> None:
        if os.name != "posix":
            raise OSError(f"isolated plugins need a POSIX system, not {sys.platform}")
        import fcntl  # POSIX only, as is this class

        ours, pair = socket.socketpair()
        # the child's end at 3 or above: where this process runs with stdio closed, the pair could
        # be 0-2, and the child's own /dev/null stdio would take its place (the child moves it to 3)
        theirs = socket.socket(fileno=fcntl.fcntl(pair.fileno(), fcntl.F_DUPFD_CLOEXEC, 3))
        pair.close()
        root = str(Path(__file__).resolve().parents[2])
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, root, str(theirs.fileno())],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                close_fds=True,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.pid = self.proc.pid
        self.conn = Connection(ours.detach())
        self._reaped = False
        self._lock = threading.Lock()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        threading.Thread(target=self._drain, name=f"plugin-stderr:{label}", daemon=True).start()
        self.conn.send_bytes(json.dumps(config).encode())

    def _drain(self) -> None:
        """Keep the last lines the child wrote to stderr (an interpreter crash says why there)."""
        assert self.proc.stderr is not None
        with self.proc.stderr as stream:
            for line in stream:
                self._stderr.append(clean(line.decode("utf-8", "replace").rstrip("\n"), 500))

    def stderr_tail(self) -> str:
        """The child's last stderr line, if any (sanitised)."""
        return self._stderr[-1] if self._stderr else ""

    def exit_reason(self, wait: float = 0.0) -> str | None:
        """``"exited (code N)"`` / ``"killed by SIGX"`` once the child ended, else None (never reaps)."""
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                if self._reaped:
                    return _describe(self.proc.returncode)
                try:
                    info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                except ChildProcessError:
                    info = None
            if info is not None and info.si_pid == self.pid:
                code = info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
                return _describe(code)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL the child's whole process group (idempotent; the child is not reaped here)."""
        with self._lock:
            if self._reaped:
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)

    def reap(self) -> None:
        """Kill the group, collect the child, and wait (briefly) until no member of the group runs.

        SIGKILL is delivered asynchronously: without the wait a descendant could still be running
        for a moment after this returns. Close the channel after the reader has seen EOF.
        """
        self.kill()
        with self._lock:
            if self._reaped:
                return
            self.proc.wait()
            self._reaped = True
        deadline = time.monotonic() + 2.0
        while _running_in_group(self.pid) and time.monotonic() < deadline:
            time.sleep(0.005)


def _running_in_group(pgid: int) -> bool:
    """True while a process of group ``pgid`` is alive and not a zombie (Linux ``/proc``)."""
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return False
    for pid in entries:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def _describe(code: int | None) -> str:
    if code is None:
        return "is running"
    if code < 0:
        try:
            return f"child process killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"child process killed by signal {-code}"
    return f"child process exited (code {code})"
