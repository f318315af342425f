"""More standalone server processes on the same port, for machines with more cores.

One Python process serves ranges on about one core (the GIL). Workers inherit the kernel's own
listening socket and accept from its queue, as pre-forked servers do: no other process can join the
port (``SO_REUSEPORT`` would let any process of the same user bind it and take a share of the
connections, and on BSD and macOS it does not spread them at all). Tokens are sealed
(``sealing.TokenSealer``) with a key file in a private runtime dir, so a worker opens any token the
kernel registers without shared memory, and an unregistered token is refused everywhere through the
revocation list beside the key. A worker's settings, the access key among them, reach it on its
stdin (never its command line, which other users can read); it serves until that pipe closes: when
the server stops, or when the kernel dies. A worker that dies while the server runs is replaced, as
nginx's master replaces its workers, unless they keep dying (``RESTARTS`` within ``RESTART_WINDOW``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import IO, Any

from ._errors import ServerError

__all__ = [
    "MAX_PROCESSES",
    "RESTARTS",
    "RESTART_WINDOW",
    "SHARE_SOCKET",
    "WorkerConfig",
    "Workers",
    "check_processes",
    "main",
    "private_key_dir",
    "process_exists",
]

SHARE_SOCKET = os.name == "posix"
"""Whether a child process can inherit the listening socket here (``pass_fds``)."""
MAX_PROCESSES = 64
RESTARTS = 5
"""Replacements a worker within ``RESTART_WINDOW`` seconds before the server pauses replacing them
until the window has passed (a worker that dies at once, every time, would otherwise be restarted
in a loop)."""
RESTART_WINDOW = 60.0
_START_TIMEOUT = 60.0  # seconds for a worker to import, bind and say it is ready
_WATCH = 0.2  # seconds between looks at the workers (a death is noticed within this)
# not ``-m``: the package imports this module before runpy would run it again as __main__
_ENTRY = "import sys; from timeline_lab.server.processes import main; sys.exit(main())"


log = logging.getLogger(__name__)

_PRIVATE = "timeline-lab-media-"
_PRIVATE_NAME = re.compile(re.escape(_PRIVATE) + r"(\d+)-")


def private_key_dir(tmp: str | None = None) -> str:
    """A new 0700 folder for a multi-process server's token key, named for this process; folders
    of ours left by processes that are gone (a killed kernel) are removed first."""
    tmp = tmp or tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for entry in os.scandir(tmp):
            m = _PRIVATE_NAME.match(entry.name)
            if m is None or process_exists(int(m.group(1))):
                continue
            with contextlib.suppress(OSError):
                st = os.lstat(entry.path)  # never a link, never another user's folder
                if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():
                    shutil.rmtree(entry.path, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{_PRIVATE}{os.getpid()}-", dir=tmp)


def process_exists(pid: int) -> bool:
    """Whether a process ``pid`` exists (another user's counts; on Windows: assumed, since
    ``os.kill(pid, 0)`` would terminate it there)."""
    if os.name == "nt":  # pragma: no cover
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def check_processes(processes: object) -> int:
    """``processes`` as a count (``"auto"``: one per core where a socket can be shared, else one);
    anything else is a ValueError naming it."""
    if processes == "auto":
        return max(1, min(MAX_PROCESSES, os.cpu_count() or 1)) if SHARE_SOCKET else 1
    if isinstance(processes, bool) or not isinstance(processes, int) or not 1 <= processes <= MAX_PROCESSES:
        msg = f"processes must be 'auto' or a whole number in 1..{MAX_PROCESSES}, not {processes!r}"
        raise ValueError(msg)
    return processes


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker process needs to serve as the kernel's server does (sent as one JSON line)."""

    fd: int  # the inherited listening socket
    runtime_dir: str
    access_key: str
    allow_origins: list[str]
    chunk_size: int
    sendfile: bool
    stall_timeout: float
    max_header_size: int


class Workers:
    """The extra processes of one server: started together, each ready before ``start`` returns;
    one that dies while the server runs is replaced (at most ``restarts`` a worker within
    ``window`` s, so one event that kills them all is repaired in full)."""

    def __init__(self, *, restarts: int = RESTARTS, window: float = RESTART_WINDOW) -> None:
        self._procs: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()  # _procs: the watcher replaces, ``pids`` reads
        self._limit, self._window = restarts, window
        self._replaced: deque[float] = deque()
        self._count, self._line, self._fd = 0, b"", -1
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self.restarts = 0
        """Workers started in place of ones that died."""
        self.gave_up = False
        """Whether replacing is paused because workers kept dying (the others go on serving); it
        resumes once the window has passed."""

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers still running."""
        with self._lock:
            return [p.pid for p in self._procs if p.poll() is None]

    def start(self, count: int, config: WorkerConfig) -> None:
        """Start ``count`` workers serving ``config``; ServerError (all stopped) if one fails."""
        self.stop()  # any left from an earlier start
        self._line, self._fd = (json.dumps(asdict(config)) + "\n").encode("utf-8"), config.fd
        self._count, self.restarts, self.gave_up = count, 0, False
        self._replaced.clear()
        self._stopping = threading.Event()
        try:
            for _ in range(count):
                self._procs.append(self._spawn())
            deadline = time.monotonic() + _START_TIMEOUT
            for proc in self._procs:
                _wait_ready(proc, deadline)
        except (OSError, ServerError) as exc:
            self.stop()
            raise ServerError(f"media server worker did not start: {exc}") from None
        except BaseException:  # an interrupted kernel: no worker outlives a failed start
            self.stop()
            raise
        self._watcher = threading.Thread(target=self._watch, name="timeline-lab-media-workers", daemon=True)
        self._watcher.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Close each worker's pipe (it stops serving and exits); kill any that outlive ``timeout``."""
        self._stopping.set()  # first: no worker is replaced while they leave
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None
        with self._lock:
            procs, self._procs = self._procs, []
        for proc in procs:
            with contextlib.suppress(OSError):
                assert proc.stdin is not None
                proc.stdin.close()
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            _release(proc)

    def _spawn(self) -> subprocess.Popen[bytes]:
        """One worker process, its settings written to its stdin."""
        proc = subprocess.Popen(
            [sys.executable, "-c", _ENTRY],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a terminal's Ctrl-C reaches the kernel, not its workers
            close_fds=True,
            pass_fds=(self._fd,),
        )
        try:
            assert proc.stdin is not None
            proc.stdin.write(self._line)
            proc.stdin.flush()
        except OSError:
            _kill(proc)
            raise
        return proc

    def _watch(self) -> None:
        """The watcher thread: reap workers that died, start others in their place."""
        while not self._stopping.wait(_WATCH):
            with self._lock:
                dead = [p for p in self._procs if p.poll() is not None]
                self._procs = [p for p in self._procs if p not in dead]
            for proc in dead:
                _release(proc)
                log.warning("media server worker %d %s", proc.pid, _ended(proc.returncode))
            if len(self._procs) < self._count:
                self._replace()

    def _replace(self) -> None:
        """Start one worker in place of one that died, unless too many died lately (``restarts``
        per worker within the window: then none until the window has passed)."""
        now = time.monotonic()
        while self._replaced and now - self._replaced[0] > self._window:
            self._replaced.popleft()
        if len(self._replaced) >= self._limit * self._count:
            if not self.gave_up:
                log.error("media server: %d workers replaced within %.0f s and they keep dying: none "
                          "replaced until that time has passed; %d process(es) go on serving",
                          len(self._replaced), self._window, 1 + len(self._procs))  # fmt: skip
            self.gave_up = True
            return
        self.gave_up = False
        self._replaced.append(now)
        try:
            proc = self._spawn()
        except OSError as exc:
            log.warning("media server: cannot start a worker in place of one that died: %s", exc)
            return
        try:
            _wait_ready(proc, time.monotonic() + _START_TIMEOUT, self._stopping)
        except ServerError as exc:
            _kill(proc)
            log.warning("media server: the worker started in place of one that died failed: %s", exc)
            return
        with self._lock:
            self._procs.append(proc)
        self.restarts += 1
        log.warning("media server: worker %d started in place", proc.pid)


def _ended(status: int | None) -> str:
    """How a worker ended, in words."""
    if status is not None and status < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-status).name}"
    return f"exited with status {status}"


def _release(proc: subprocess.Popen[bytes]) -> None:
    """Close our ends of a finished worker's pipes."""
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """End a worker that is not wanted (it never became ready, or the server is stopping)."""
    with contextlib.suppress(OSError):
        proc.kill()
    proc.wait()
    _release(proc)


def _wait_ready(
    proc: subprocess.Popen[bytes], deadline: float, stopping: threading.Event | None = None
) -> None:
    """Read the worker's first line (``ready``, or ``error: why``) before ``deadline`` (or until
    ``stopping`` is set)."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while not sel.select(min(_WATCH, max(0.0, deadline - time.monotonic()))):
            if stopping is not None and stopping.is_set():
                raise ServerError(f"process {proc.pid}: the server is stopping")
            if time.monotonic() >= deadline:
                raise ServerError(f"process {proc.pid} said nothing within {_START_TIMEOUT:.0f} s")
    said = proc.stdout.readline().decode("utf-8", "replace").strip()
    if said != "ready":
        raise ServerError(said or f"process {proc.pid} exited with status {proc.wait()}")


def _serve(config: dict[str, Any], out: IO[str]) -> int:
    """The worker: one server on the shared port until stdin closes."""
    from .registry import MediaRegistry
    from .sealing import TokenSealer
    from .standalone import MediaServer

    cfg = WorkerConfig(**config)
    try:
        listener = socket.socket(fileno=cfg.fd)
    except OSError as exc:
        print(f"error: no listening socket {cfg.fd} to share: {exc.strerror or exc}", file=out, flush=True)
        return 1
    server = MediaServer(
        MediaRegistry(sealer=TokenSealer(cfg.runtime_dir)),
        host=listener.getsockname()[0],
        listen_socket=listener,
        access_key=cfg.access_key,
        allow_origins=cfg.allow_origins,
        chunk_size=cfg.chunk_size,
        sendfile=cfg.sendfile,
        stall_timeout=cfg.stall_timeout,
        max_header_size=cfg.max_header_size,
    )
    try:
        server.start()
    except ServerError as exc:
        print(f"error: {exc}", file=out, flush=True)
        return 1
    print("ready", file=out, flush=True)
    null = os.open(os.devnull, os.O_WRONLY)  # nobody reads the pipe from now on: it must never fill
    os.dup2(null, 1)
    os.close(null)
    sys.stdin.buffer.read()  # until the kernel closes the pipe, or dies
    server.stop()
    return 0


def main() -> int:
    """A worker process's entry (``_ENTRY``): settings from stdin's first line."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        config = json.loads(sys.stdin.buffer.readline())
        if not isinstance(config, dict):
            raise TypeError("not an object")
        return _serve(config, sys.stdout)
    except (ValueError, TypeError) as exc:
        print(f"error: bad worker settings on stdin: {exc}", flush=True)
        return 2
