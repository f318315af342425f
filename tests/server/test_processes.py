"""A standalone server on several processes sharing one listening socket: real worker processes,
each serving the tokens the kernel registers, refusing the ones it unregisters, gone with it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server._wait import until
from timeline_lab.server import MediaRegistry, MediaServer, ServerError, TokenSealer, processes
from timeline_lab.server.processes import _ENTRY, MAX_PROCESSES, WorkerConfig, Workers, private_key_dir
from timeline_lab.server.urls import media_server, media_url

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
BROKEN = "import sys; print('error: broken', flush=True); sys.exit(3)"
"""A worker entry that fails at once, as a broken install would."""


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Status and body, each on a fresh connection (so the kernel picks a process each time)."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, bytes(r.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not serving: our child until reaped, or already reaped by init
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def _paused(pid: int) -> bool:
    """Every thread of ``pid`` stopped (SIGSTOP takes effect when a thread next leaves the kernel:
    one still inside accept() would take a connection first)."""
    states = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, IndexError):
            states.append((task / "stat").read_text().rsplit(") ", 1)[1][0])
    return bool(states) and all(s in "Tt" for s in states)


def _gone_within(pids: list[int], seconds: float) -> bool:
    return until(lambda: not any(_alive(p) for p in pids), seconds)


def _config(fd: int, runtime_dir: Path, access_key: str) -> WorkerConfig:
    """A worker's settings as a server with default limits gives them."""
    return WorkerConfig(
        fd=fd,
        runtime_dir=str(runtime_dir),
        access_key=access_key,
        allow_origins=[],
        chunk_size=65536,
        sendfile=True,
        stall_timeout=10.0,
        max_header_size=16384,
    )


@pytest.fixture
def media(tmp_path: Path) -> Path:
    p = tmp_path / "clip.mp4"
    p.write_bytes(os.urandom(1 << 20))
    return p


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[tuple[socket.socket, MediaRegistry, WorkerConfig]]:
    """A listening socket only workers accept from, a kernel's sealed registry, workers' settings."""
    kernel = MediaRegistry(sealer=TokenSealer(tmp_path / "rt"))
    kernel.sealer.ensure_key()  # type: ignore[union-attr]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener, kernel, _config(listener.fileno(), tmp_path / "rt", "the-key")
    listener.close()


def test_a_server_on_three_processes_answers_every_request_exactly(media: Path) -> None:
    """Which process accepts a connection is the OS's choice (a shared socket's queue): every answer
    must be right whoever gives it; each worker is checked on its own below."""
    data = media.read_bytes()
    with MediaServer(processes=3) as srv:
        assert srv.processes == 3 and len(srv.worker_pids) == 2
        url = srv.media_url(media)
        for k in range(45):
            start = k * 9973
            status, body = _get(url, {"Range": f"bytes={start}-{start + 4095}"})
            assert (status, body) == (206, data[start : start + 4096])
        assert _get(url.replace("key=", "key=x"))[0] == 403
        srv.registry.unregister(media)
        assert {_get(url)[0] for _ in range(30)} == {410}
        workers = srv.worker_pids
    assert _gone_within(workers, 10)


def test_each_worker_serves_the_kernels_tokens_and_refuses_unregistered_ones(
    media: Path, bare: tuple[socket.socket, MediaRegistry, WorkerConfig]
) -> None:
    """Two workers on a socket nobody else accepts from; stopping one (SIGSTOP) makes the other take
    every connection, so each is checked in turn: the kernel's tokens, its key, its revocations."""
    listener, kernel, config = bare
    port = listener.getsockname()[1]
    workers = Workers()
    workers.start(2, config)
    base = f"http://127.0.0.1:{port}/timeline-lab"
    data = media.read_bytes()
    try:
        pids = workers.pids
        for serving, paused in (pids, pids[::-1]):
            os.kill(paused, signal.SIGSTOP)
            try:
                assert until(lambda p=paused: _paused(p), 10)  # type: ignore[misc]
                health = json.loads(_get(f"{base}/health?key=the-key")[1])
                assert health["pid"] == serving and health["mode"] == "standalone"
                token = kernel.register(media)  # registered after the workers started
                url = f"{base}/media/{token}?key=the-key"
                assert _get(url, {"Range": "bytes=1000-1999"}) == (206, data[1000:2000])
                assert _get(f"{base}/media/{token}?key=wrong")[0] == 403
                kernel.unregister(token)
                assert _get(url)[0] == 410
            finally:
                os.kill(paused, signal.SIGCONT)
    finally:
        workers.stop()


def test_stop_ends_the_workers_and_start_brings_them_back(media: Path) -> None:
    srv = MediaServer(processes=2)
    srv.start()
    first = srv.worker_pids
    url = srv.media_url(media)
    srv.stop()
    assert _gone_within(first, 10) and srv.worker_pids == []
    srv.start()
    try:
        assert len(srv.worker_pids) == 1 and srv.worker_pids != first
        again = srv.url_for(url.split("/")[-1].split("?")[0])  # a new port: the same token
        assert {_get(again)[0] for _ in range(10)} == {200}  # same key folder: the token still opens
    finally:
        srv.stop()


def test_a_worker_that_dies_is_replaced_and_its_successor_serves(
    media: Path, bare: tuple[socket.socket, MediaRegistry, WorkerConfig], caplog: pytest.LogCaptureFixture
) -> None:
    listener, kernel, config = bare
    base = f"http://127.0.0.1:{listener.getsockname()[1]}/timeline-lab"
    workers = Workers()
    workers.start(1, config)
    try:
        (old,) = workers.pids
        os.kill(old, signal.SIGKILL)
        assert until(lambda: len(workers.pids) == 1 and workers.pids != [old], 30)
        (new,) = workers.pids
        assert workers.restarts == 1 and not workers.gave_up
        assert f"worker {old} was killed by SIGKILL" in caplog.text
        assert json.loads(_get(f"{base}/health?key=the-key")[1])["pid"] == new
        token = kernel.register(media)
        assert _get(f"{base}/media/{token}?key=the-key", {"Range": "bytes=5-9"}) == (
            206,
            media.read_bytes()[5:10],
        )
    finally:
        workers.stop()
    assert _gone_within([old, new], 10) and workers.pids == []


def test_workers_that_keep_dying_are_replaced_only_so_often(
    bare: tuple[socket.socket, MediaRegistry, WorkerConfig],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that cannot start (here: every successor fails at once) is retried ``restarts``
    times within the window, then the server says so and goes on with the processes it has."""
    _, _, config = bare
    workers = Workers(restarts=2, window=60)
    workers.start(1, config)
    try:
        monkeypatch.setattr(processes, "_ENTRY", BROKEN)
        (old,) = workers.pids
        os.kill(old, signal.SIGTERM)
        assert until(lambda: workers.gave_up, 30)
        assert workers.restarts == 0 and workers.pids == []
        assert caplog.text.count("failed: error: broken") == 2
        assert "keep dying: none replaced until that time has passed" in caplog.text
    finally:
        workers.stop()


def test_one_event_that_kills_every_worker_is_repaired_in_full(
    bare: tuple[socket.socket, MediaRegistry, WorkerConfig],
) -> None:
    """The budget is per worker: three dying at once (an OOM killer, say) are all replaced."""
    _, _, config = bare
    workers = Workers(restarts=1, window=60)
    workers.start(3, config)
    try:
        old = workers.pids
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        assert until(lambda: len(workers.pids) == 3 and not set(workers.pids) & set(old), 60)
        assert workers.restarts == 3 and not workers.gave_up
    finally:
        workers.stop()


def test_replacing_resumes_once_the_window_has_passed(
    bare: tuple[socket.socket, MediaRegistry, WorkerConfig],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, _, config = bare
    workers = Workers(restarts=1, window=1.0)
    workers.start(1, config)
    try:
        monkeypatch.setattr(processes, "_ENTRY", BROKEN)
        os.kill(workers.pids[0], signal.SIGKILL)
        assert until(lambda: workers.gave_up, 30)
        monkeypatch.setattr(processes, "_ENTRY", _ENTRY)  # mended: the next try, after the window, works
        assert until(lambda: len(workers.pids) == 1, 30)
        assert workers.restarts == 1 and not workers.gave_up
    finally:
        workers.stop()


def _children() -> set[int]:
    """Live child processes of this one (other tests' may be running: compare before and after)."""
    listed = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    return {int(c) for c in listed if _alive(int(c))}


def test_stopping_replaces_nothing(media: Path) -> None:
    before = _children()
    srv = MediaServer(processes=3).start()
    first = srv.worker_pids
    srv.stop()
    time.sleep(0.5)  # more than the watcher's interval: it would have started others by now
    assert srv.worker_pids == [] and _gone_within(first, 10)
    assert not _children() - before  # no worker of ours, old or new, is left


def test_the_access_key_is_not_on_a_workers_command_line() -> None:
    with MediaServer(processes=2) as srv:
        (pid,) = srv.worker_pids
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert srv.access_key.encode() not in argv and b"timeline_lab.server.processes" in argv


def test_workers_leave_when_the_kernel_dies(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from timeline_lab.server import MediaServer
        srv = MediaServer(processes=3).start()
        print(*srv.worker_pids, flush=True)
        time.sleep(120)
        """
    )
    kernel = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert kernel.stdout is not None
        workers = [int(p) for p in kernel.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
    finally:
        kernel.send_signal(signal.SIGKILL)
        kernel.wait()
        if kernel.stdout is not None:
            kernel.stdout.close()
    assert _gone_within(workers, 15)


@pytest.mark.parametrize("bad", [0, -1, MAX_PROCESSES + 1, "two", 2.0, True, None])
def test_bad_process_counts_are_refused_by_name(bad: object) -> None:
    with pytest.raises(ValueError, match=r"processes must be 'auto' or a whole number in 1\.\.64"):
        MediaServer(processes=bad)  # type: ignore[arg-type]


def test_auto_is_one_process_per_core_and_an_unsealed_registry_is_refused() -> None:
    assert MediaServer(processes="auto").processes == min(MAX_PROCESSES, os.cpu_count() or 1)
    with pytest.raises(ValueError, match="registry must be sealed"):
        MediaServer(MediaRegistry(), processes=2)
    assert MediaServer(MediaRegistry()).processes == 1  # one process: any registry


def test_a_second_server_on_a_taken_port_is_refused_not_shared(media: Path) -> None:
    with MediaServer(processes=2) as first:
        with pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{first.port}"):
            MediaServer(processes=2, port=first.port).start()
        assert {_get(first.media_url(media))[0] for _ in range(20)} == {200}  # still all its own


def test_a_worker_without_a_socket_fails_start_and_leaves_nothing(tmp_path: Path) -> None:
    not_a_socket = (tmp_path / "file").open("wb")
    config = _config(not_a_socket.fileno(), tmp_path, "k")
    workers = Workers()
    try:
        with pytest.raises(ServerError, match=r"worker did not start: error: no listening socket"):
            workers.start(2, config)
        assert workers.pids == []
    finally:
        not_a_socket.close()


def test_a_worker_given_junk_settings_says_so_and_exits() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _ENTRY], input=b"not json\n", capture_output=True, timeout=60, check=False
    )
    assert out.returncode == 2 and out.stdout.startswith(b"error: bad worker settings on stdin")
    assert b"Traceback" not in out.stderr


def test_key_folders_of_killed_kernels_are_swept_and_nothing_else(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid nobody has now
    stale = tmp_path / f"timeline-lab-media-{dead.pid}-abc"
    stale.mkdir(mode=0o700)
    (stale / "timeline_lab_media.key").write_bytes(b"k" * 32)
    live = tmp_path / f"timeline-lab-media-{os.getpid()}-def"  # this process's: still in use
    live.mkdir()
    target = tmp_path / "not-ours"
    target.mkdir()
    (target / "keep").write_text("x")
    link = tmp_path / f"timeline-lab-media-{dead.pid}-lnk"
    link.symlink_to(target)  # a link in the shared folder: never followed
    other = tmp_path / "timeline-lab-media-notapid"
    other.mkdir()
    made = Path(private_key_dir(str(tmp_path)))
    assert not stale.exists() and live.is_dir() and other.is_dir()
    assert link.is_symlink() and (target / "keep").read_text() == "x"
    assert made.name.startswith(f"timeline-lab-media-{os.getpid()}-") and made.stat().st_mode & 0o777 == 0o700


def test_a_studios_server_runs_on_the_processes_the_environment_asks(
    tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline_lab.studio import Studio

    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "rt"))  # no Jupyter extension here
    monkeypatch.setenv("TIMELINE_LAB_SERVER_PROCESSES", "2")
    studio = Studio(workspace=tmp_path)
    try:
        url = media_url(media, studio=studio, mode="standalone")
        server = media_server(studio)
        assert server.processes == 2 and len(server.worker_pids) == 1 and server.registry.sealed
        assert {_get(url, {"Range": "bytes=0-9"}) for _ in range(10)} == {(206, media.read_bytes()[:10])}
        workers = server.worker_pids
    finally:
        studio.close()
    assert _gone_within(workers, 10)
    for bad in ("0", "two", "65", "-1"):
        monkeypatch.setenv("TIMELINE_LAB_SERVER_PROCESSES", bad)
        other = Studio(workspace=tmp_path)
        try:
            with pytest.raises(ServerError, match=f"TIMELINE_LAB_SERVER_PROCESSES='{bad}': expected 'auto'"):
                media_server(other)
        finally:
            other.close()
