"""Concurrent refreshes of one account (tasks, clients, processes) with a provider that rotates refresh
tokens: exactly one refresh reaches it, and every caller gets the token it issued."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from pathlib import Path

import pytest

from tests.security.fakes import CANARY, FakeAuth, LocalServer
from timeline_lab.security import YOUTUBE, OAuthClient, Secret, Vault, _keys
from timeline_lab.security._errors import VaultError
from timeline_lab.security._keys import async_process_lock, process_lock
from timeline_lab.security.oauth import TokenSet

Server = tuple[LocalServer, FakeAuth]
FIRST_REFRESH = f"rt-{CANARY}-first"


@pytest.fixture
def expired(auth_server: Server, tmp_path: Path) -> Path:
    """A key-file vault (readable from other processes) whose stored access token has expired."""
    _, st = auth_server
    st.refresh_tokens.add(FIRST_REFRESH)
    st.token_delay = 0.2
    path = tmp_path / "vault.json"
    old = TokenSet(Secret(f"at-{CANARY}-old"), Secret(FIRST_REFRESH), expires_at=time.time() - 10)
    Vault(path, prefer="keyfile").set("oauth.youtube.default", old.dumps())
    return path


def _client(url: str, path: str | Path, st_id: str, st_secret: str) -> OAuthClient:
    return OAuthClient(YOUTUBE.rebased(url), st_id, st_secret, vault=Vault(path))


async def _tokens(clients: list[OAuthClient]) -> list[str]:
    got = await asyncio.gather(*(c.access_token() for c in clients), return_exceptions=True)
    return [g.reveal() if isinstance(g, Secret) else f"{type(g).__name__}: {g}" for g in got]


def _worker(url: str, path: str, ids: tuple[str, str], calls: int, start: object, out: object) -> None:
    """One process: several tasks (each with its own client) ask for a token at once."""
    start.wait()  # type: ignore[attr-defined]
    clients = [_client(url, path, *ids) for _ in range(calls)]
    out.put(asyncio.run(_tokens(clients)))  # type: ignore[attr-defined]


def _one_refresh(st: FakeAuth, path: Path, got: list[str]) -> None:
    refreshes = [r for r in st.token_requests if r["grant_type"] == "refresh_token"]
    assert len(refreshes) == 1 and refreshes[0]["refresh_token"] == FIRST_REFRESH
    stored = TokenSet.loads(Vault(path).get("oauth.youtube.default").reveal())
    assert set(got) == {stored.access_token.reveal()}, got
    assert stored.refresh_token is not None and stored.refresh_token.reveal() in st.refresh_tokens


@pytest.mark.parametrize("clients", [1, 2, 5])
@pytest.mark.parametrize("tasks", [2, 4])
def test_tasks_of_one_loop_refresh_once(auth_server: Server, expired: Path, clients: int, tasks: int) -> None:
    srv, st = auth_server
    pool = [_client(srv.url, expired, st.client_id, st.client_secret) for _ in range(clients)]
    got = asyncio.run(_tokens([pool[i % clients] for i in range(tasks)]))
    _one_refresh(st, expired, got)


@pytest.mark.slow
@pytest.mark.parametrize(("processes", "calls"), [(2, 1), (3, 2)])
def test_processes_refresh_once(auth_server: Server, expired: Path, processes: int, calls: int) -> None:
    srv, st = auth_server
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    start, out = ctx.Event(), ctx.Queue()
    args = (srv.url, str(expired), (st.client_id, st.client_secret), calls, start, out)
    procs = [ctx.Process(target=_worker, args=args, daemon=True) for _ in range(processes)]
    for p in procs:
        p.start()
    start.set()
    got = [tok for _ in procs for tok in out.get(timeout=60)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    _one_refresh(st, expired, got)


def test_concurrent_401s_refresh_once(auth_server: Server, expired: Path) -> None:
    srv, st = auth_server
    st.token_delay = 0.0
    c = _client(srv.url, expired, st.client_id, st.client_secret)
    asyncio.run(c.refresh())  # a valid token the provider then drops early
    st.access_tokens.clear()
    st.token_delay = 0.2

    async def uploads() -> list[int]:
        resps = await asyncio.gather(
            *(c.request("POST", f"{srv.url}/upload", content=b"v") for _ in range(3))
        )
        return [r.status_code for r in resps]

    assert asyncio.run(uploads()) == [200, 200, 200]
    assert sum(r["grant_type"] == "refresh_token" for r in st.token_requests) == 2  # ours, then one


def test_async_process_lock_waits_without_blocking_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x"
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def wait_for_lock() -> None:
        task = asyncio.create_task(ticker())
        async with async_process_lock(path):
            pass
        task.cancel()

    other = process_lock(path)  # another holder (a separate lock file descriptor, as another process has)
    other.acquire()
    monkeypatch.setattr(_keys, "LOCK_TIMEOUT", 0.3)
    with pytest.raises(VaultError, match=r"x\.lock: still held by another process after 0\.3s"):
        asyncio.run(wait_for_lock())
    assert ticks >= 10  # the loop kept running while it waited
    other.release()
    asyncio.run(wait_for_lock())  # free now: taken at once
