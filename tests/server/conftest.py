"""Server tests: real Tornado servers on 127.0.0.1; pytest-jupyter's fixtures for the extension."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# pytest_plugins is not allowed in a nested conftest; importing the fixtures scopes them to tests/server.
from pytest_jupyter.jupyter_server import *  # noqa: F403

from tests.server._http import RawClient
from timeline_lab.server import MediaRegistry, MediaServer


class LogWatch(logging.Handler):
    """Collects warnings and errors from every logger (the server threads included)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def problems(self) -> list[str]:
        """Errors, and anything carrying a traceback."""
        return [
            f"{r.name}: {r.getMessage()}"
            for r in self.records
            if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()
        ]


@pytest.fixture(scope="module")
def log_watch() -> Iterator[LogWatch]:
    """Every warning/error logged while a module's tests run."""
    watch = LogWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)


@pytest.fixture(scope="module")
def blobs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Random files of awkward sizes, plus a secret that is never registered."""
    d = tmp_path_factory.mktemp("blobs")
    sizes = {"empty": 0, "one": 1, "small": 1000, "chunks": 70_001}
    out = {}
    for name, size in sizes.items():
        p = d / f"{name}.bin"
        p.write_bytes(os.urandom(size))
        out[name] = p
    secret = d / "secret.txt"
    secret.write_bytes(b"TOP-SECRET-NEVER-SERVED " * 100)
    out["secret"] = secret
    return out


class Clock:
    """A clock tests move by hand (expiry without sleeping)."""

    def __init__(self) -> None:
        self.now = 2_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module", params=["sendfile", "chunks"])
def server(request: pytest.FixtureRequest, clock: Clock, log_watch: LogWatch) -> Iterator[MediaServer]:
    """A standalone server per module, once per body path: zero-copy sendfile and flushed chunks."""
    sendfile = request.param == "sendfile"
    with MediaServer(MediaRegistry(clock=clock), chunk_size=4096, sendfile=sendfile) as srv:
        yield srv
    assert log_watch.problems() == []


@pytest.fixture
def client(server: MediaServer) -> Iterator[RawClient]:
    c = RawClient(server.port)
    yield c
    c.close()


@pytest.fixture
def data_file(tmp_path: Path) -> tuple[Path, bytes]:
    data = os.urandom(50_000)
    p = tmp_path / "clip.mp4"
    p.write_bytes(data)
    return p, data


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """20 kB of random bytes standing for a media file (the server never decodes what it serves)."""
    p = tmp_path / "preview.mp4"
    p.write_bytes(os.urandom(20_000))
    return p
