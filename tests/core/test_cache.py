"""Caches: real LRU order, byte budgets, statistics, thread safety, persistence, content keys."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.core.cache import (
    DiskCache,
    MemoryCache,
    cache_root,
    content_key,
    shared_disk_cache,
    sizeof,
)
from timeline_lab.errors import MediaError


def test_a_hit_refreshes_recency() -> None:
    c: MemoryCache[str, bytes] = MemoryCache(30)
    c.put("a", b"x" * 10)
    c.put("b", b"x" * 10)
    c.put("c", b"x" * 10)
    assert c.get("a") is not None  # "a" is now the most recently used
    c.put("d", b"x" * 10)  # over budget: the least recently used ("b") goes, not "a"
    assert "a" in c and "b" not in c and "c" in c and "d" in c


def test_byte_budget_evicts_as_many_as_needed() -> None:
    c: MemoryCache[int, np.ndarray] = MemoryCache(1000)
    for i in range(4):
        c.put(i, np.zeros(250, np.uint8))
    assert len(c) == 4
    c.put(9, np.zeros(600, np.uint8))  # needs three old entries out
    assert [k for k in range(4) if k in c] == [3]
    s = c.stats()
    assert s.bytes == 850 and s.budget == 1000 and s.evictions == 3 and s.entries == 2


def test_value_larger_than_budget_is_not_kept_and_evicts_nothing() -> None:
    c: MemoryCache[str, bytes] = MemoryCache(100)
    c.put("small", b"x" * 10)
    assert c.put("huge", b"x" * 101) is False
    assert "huge" not in c and "small" in c
    assert c.get_or_compute("huge2", lambda: b"y" * 200) == b"y" * 200  # still returned


def test_stats_count_hits_and_misses() -> None:
    c: MemoryCache[str, bytes] = MemoryCache(100)
    assert c.get("k") is None
    c.put("k", b"v")
    assert c.get("k") == b"v"
    assert c.get_or_compute("k", lambda: b"other") == b"v"
    assert c.get_or_compute("n", lambda: b"new") == b"new"
    s = c.stats()
    assert (s.hits, s.misses, s.evictions, s.entries) == (2, 2, 0, 2)
    assert s.hit_rate == 0.5
    assert "k" in c  # membership is not a lookup
    assert c.stats().hits == 2


def test_get_or_compute_runs_once_for_concurrent_callers() -> None:
    c: MemoryCache[str, bytes] = MemoryCache(1000)
    calls = []
    gate = threading.Event()

    def slow() -> bytes:
        calls.append(1)
        gate.wait(5)
        return b"value"

    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(c.get_or_compute("k", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join()
    assert results == [b"value"] * 8 and len(calls) == 1


def test_failed_compute_lets_the_next_caller_try() -> None:
    c: MemoryCache[str, int] = MemoryCache(100, getsizeof=lambda v: 1)

    def boom() -> int:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        c.get_or_compute("k", boom)
    assert c.get_or_compute("k", lambda: 5) == 5


def test_thread_safety_smoke() -> None:
    c: MemoryCache[int, bytes] = MemoryCache(5000)
    errors: list[BaseException] = []
    lookups = [0] * 6

    def work(n: int) -> None:
        rng = np.random.default_rng(n)
        try:
            for _ in range(2000):
                k = int(rng.integers(0, 200))
                if rng.random() < 0.5:
                    c.put(k, b"x" * int(rng.integers(1, 100)))
                else:
                    c.get(k)
                    lookups[n] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s = c.stats()
    assert s.bytes <= 5000 and s.entries == len(c)
    assert s.hits + s.misses == sum(lookups)
    assert s.evictions > 0


def test_sizeof_knows_arrays_bytes_and_images() -> None:
    from PIL import Image

    assert sizeof(np.zeros((4, 5, 3), np.uint8)) == 60
    assert sizeof(b"abc") == 3
    assert sizeof(Image.new("RGB", (10, 4))) == 120


def test_disk_cache_persists_across_instances(tmp_path: Path) -> None:
    with DiskCache(directory=tmp_path / "d") as a:
        a.put("k", b"payload")
        assert a.get("k") == b"payload"
    with DiskCache(directory=tmp_path / "d") as b:
        assert b.get("k") == b"payload"
        assert b.get("missing", b"default") == b"default"
        s = b.stats()
        assert (s.hits, s.misses, s.entries) == (1, 1, 1)


def test_disk_cache_keeps_to_its_size_budget_least_recently_used_first(tmp_path: Path) -> None:
    limit = 2**20
    blob = 100_000  # stored as files (over diskcache's 32 KiB inline limit)
    with DiskCache(directory=tmp_path / "d", size_limit=limit) as c:
        for i in range(8):
            c.put(f"k{i}", bytes([i]) * blob)
        for i in range(8, 30):
            assert c.get("k0") is not None  # keep k0 recently used
            c.put(f"k{i}", bytes([i]) * blob)
        assert c.volume() <= limit
        assert "k0" in c and "k1" not in c and "k29" in c
        assert len(c) >= 7  # one entry goes at a time, not a batch
        s = c.stats()
        assert s.evictions == 30 - len(c) and s.entries == len(c) and s.budget == limit


def test_disk_cache_get_or_compute(tmp_path: Path) -> None:
    with DiskCache(directory=tmp_path / "d") as c:
        calls = []
        assert c.get_or_compute("k", lambda: calls.append(1) or b"v") == b"v"
        assert c.get_or_compute("k", lambda: calls.append(1) or b"w") == b"v"
        assert calls == [1]
        s = c.stats()
        assert (s.hits, s.misses) == (1, 1)


def test_cache_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(tmp_path / "root"))
    assert cache_root() == tmp_path / "root"
    c = shared_disk_cache("unit")
    assert c.directory == tmp_path / "root" / "unit"
    assert shared_disk_cache("unit") is c
    monkeypatch.delenv("TIMELINE_LAB_CACHE")
    assert "timeline_lab" in str(cache_root())


def test_content_key_changes_with_the_file_and_the_parameters(tmp_path: Path) -> None:
    f = tmp_path / "clip.bin"
    f.write_bytes(b"one")
    k1 = content_key(f, width=160)
    assert content_key(f, width=160) == k1
    assert content_key(tmp_path / "." / "clip.bin", width=160) == k1  # resolved path
    assert content_key(f, width=161) != k1
    assert content_key(f, width=160, t=None) != k1
    f.write_bytes(b"two")  # same size, new content
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    k2 = content_key(f, width=160)
    assert k2 != k1
    f.write_bytes(b"three")
    assert content_key(f, width=160) not in (k1, k2)


def test_content_key_accepts_exact_values_and_names_missing_files(tmp_path: Path) -> None:
    from fractions import Fraction

    from timeline_lab.model.time import RationalTime

    f = tmp_path / "a.bin"
    f.write_bytes(b"x")
    assert content_key(f, t=RationalTime(1, 25)) != content_key(f, t=RationalTime(2, 25))
    assert content_key(f, s=Fraction(1, 3)) != content_key(f, s=Fraction(1, 4))
    with pytest.raises(TypeError, match="cache parameter"):
        content_key(f, bad=object())
    with pytest.raises(MediaError, match=r"nope\.mp4: no such file"):
        content_key(tmp_path / "nope.mp4")


@pytest.mark.parametrize(
    ("max_bytes", "error"),
    [(0, "max_bytes"), (-1, "max_bytes"), (True, "max_bytes"), (1.5, "max_bytes")],
)
def test_bad_budgets_are_refused(max_bytes: object, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        MemoryCache(max_bytes)  # type: ignore[arg-type]
