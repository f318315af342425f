"""One vault written by several processes at once (two notebooks, a CLI): nothing is ever lost."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from timeline_lab.security import Vault

WORKERS = 4
WRITES = 25


def _writer(path: str, worker: int, writes: int, start: object) -> None:
    """One process: wait for the others, then store its own entries one by one."""
    start.wait()  # type: ignore[attr-defined]
    vault = Vault(path, prefer="keyfile")
    for n in range(writes):
        vault.set(f"w{worker}_{n}", f"secret {worker}/{n}")


def _context() -> multiprocessing.context.ForkServerContext:
    """Writers forked from a fresh server process: forking pytest itself (threads of earlier tests'
    decoders and pools, native objects in its garbage) crashed a child now and then (SIGSEGV while
    collecting garbage). The server has this module loaded, so each writer starts at once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def _race(path: Path, workers: int, writes: int) -> None:
    ctx = _context()
    start = ctx.Event()
    procs = [
        ctx.Process(target=_writer, args=(str(path), w, writes, start), daemon=True) for w in range(workers)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0, f"writer {p.name} failed (exit {p.exitcode})"


@pytest.mark.slow
def test_parallel_writers_lose_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "vault.json"
    _race(path, WORKERS, WRITES)
    vault = Vault(path, prefer="keyfile")
    assert len(vault.names()) == WORKERS * WRITES
    for w in range(WORKERS):
        for n in range(WRITES):
            assert vault.get(f"w{w}_{n}").reveal() == f"secret {w}/{n}"


@pytest.mark.slow
def test_processes_creating_one_vault_agree_on_its_key(tmp_path: Path) -> None:
    """Fifty creation races: every time, every entry is there and its key is in the key file."""
    for attempt in range(50):
        path = tmp_path / f"vault{attempt}.json"
        _race(path, 3, 1)
        vault = Vault(path, prefer="keyfile")
        assert sorted(vault.names()) == ["w0_0", "w1_0", "w2_0"], attempt
        assert vault.get("w2_0").reveal() == "secret 2/0"


def _rotator(path: str, rotations: int, start: object, done: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    vault = Vault(path, prefer="keyfile")
    for _ in range(rotations):
        vault.rotate_master_key()
    done.set()  # type: ignore[attr-defined]


def _reader(path: str, start: object, done: object, out: object) -> None:
    """Read every entry with a fresh Vault (a new notebook, a CLI call) until the rotations end
    (or a deadline: a rotator that died must not leave readers spinning past the test)."""
    start.wait()  # type: ignore[attr-defined]
    reads, errors = 0, []
    deadline = time.monotonic() + 150
    while not done.is_set() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        for name in ("a", "b", "c"):
            try:
                assert Vault(path).get(name).reveal() == f"value {name}"
                reads += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.002)  # a notebook reads now and then: the rotator is not starved of the lock
    out.put((reads, errors))  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("readers", [1, 3])
def test_readers_never_fail_while_another_process_rotates_the_key(tmp_path: Path, readers: int) -> None:
    path = tmp_path / "vault.json"
    Vault(path, prefer="keyfile").update({n: f"value {n}" for n in ("a", "b", "c")})
    ctx = _context()
    start, done, out = ctx.Event(), ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_reader, args=(str(path), start, done, out), daemon=True) for _ in range(readers)
    ]
    procs.append(ctx.Process(target=_rotator, args=(str(path), 40, start, done), daemon=True))
    for p in procs:
        p.start()
    start.set()
    try:
        results = [out.get(timeout=180) for _ in range(readers)]
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0, f"{p.name} failed (exit {p.exitcode})"
    finally:  # never leave a process behind (the suite would wait for it at exit)
        done.set()
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(timeout=10)
    assert [errors for _, errors in results] == [[]] * readers
    assert all(reads > 0 for reads, _ in results)
    assert Vault(path).get("a").reveal() == "value a"


def test_a_lock_another_process_keeps_is_a_vault_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """filelock's own Timeout escaped raw after a minute of waiting on a vault another process holds."""
    import subprocess
    import sys

    from timeline_lab.security import Vault, _keys
    from timeline_lab.security._errors import VaultError

    path = tmp_path / "v.json"
    Vault(path, passphrase="pw-of-test", scrypt_n=2**14).set("a", "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time,filelock; held = filelock.FileLock(sys.argv[1]); "
         "held.acquire(); print('held', flush=True); time.sleep(30)", f"{path}.lock"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(_keys, "LOCK_TIMEOUT", 0.3)
        with pytest.raises(VaultError, match=r"v\.json\.lock: still held by another process after 0\.3s"):
            Vault(path, passphrase="pw-of-test").set("b", "2")
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert Vault(path, passphrase="pw-of-test").get("a").reveal() == "1"
