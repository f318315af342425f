"""timeline_lab_server_bytes_total counts the bytes sent, not the length promised to a client that left."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from timeline_lab.server import MediaServer
from timeline_lab.telemetry import metrics_text

SIZE = 64 << 20  # sparse: nothing is written to disk
READ = 1 << 20


def _metric(name: str, labels: str) -> float:
    m = re.search(rf"^{name}\{{{labels}\}} (\S+)$", metrics_text().decode(), re.M)
    return float(m.group(1)) if m else 0.0


def _requests() -> float:
    text = metrics_text().decode()
    found = re.findall(r'^timeline_lab_server_requests_total\{mode="standalone",[^}]*\} (\S+)$', text, re.M)
    return sum(float(v) for v in found)


RANGES = {"whole file": None, "one range": "bytes=100-", "two ranges": "bytes=0-99,200-"}


@pytest.mark.parametrize("sendfile", [True, False], ids=["sendfile", "chunks"])
@pytest.mark.parametrize("kind", sorted(RANGES))
def test_an_abandoned_download_counts_what_was_sent(tmp_path: Path, sendfile: bool, kind: str) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(SIZE)
    with MediaServer(sendfile=sendfile) as server:
        url = urlsplit(server.media_url(big))
        before, requests = _metric("timeline_lab_server_bytes_total", 'mode="standalone"'), _requests()
        s = socket.create_connection((url.hostname, url.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        rng = f"Range: {RANGES[kind]}\r\n" if RANGES[kind] else ""
        s.sendall(f"GET {url.path}?{url.query} HTTP/1.1\r\nHost: x\r\n{rng}\r\n".encode())
        got = 0
        while got < READ:
            got += len(s.recv(65536))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")  # reset: unread data dropped
        s.close()
        deadline = time.monotonic() + 5
        while _requests() == requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _requests() == requests + 1
        counted = _metric("timeline_lab_server_bytes_total", 'mode="standalone"') - before
    assert READ - 4096 <= counted < SIZE // 4, counted  # about what left, far from the 64 MiB promised
