"""A stream's scan is kept on disk: a new process reads it back; a changed file is scanned again."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media import timestamps
from timeline_lab.media.synth import make_clip


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(root))
    timestamps._scan.cache_clear()  # as in a new process
    yield root / "scans"
    timestamps._scan.cache_clear()


def _same(a: timestamps.StreamTimes, b: timestamps.StreamTimes) -> bool:
    return (
        a.time_base == b.time_base
        and np.array_equal(a.pts, b.pts)
        and np.array_equal(a.keys, b.keys)
        and (a.last_duration, a.rotation, a.packets) == (b.last_duration, b.rotation, b.packets)
    )


def test_a_new_process_reads_the_scan_back_without_demuxing(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30, audio=False)
    first = timestamps.stream_times(clip, 0)
    assert len(list(cache.glob("*.npz"))) == 1
    timestamps._scan.cache_clear()

    def no_scan(*a: object) -> None:
        raise AssertionError("scanned again")

    monkeypatch.setattr(timestamps, "_scan_stream", no_scan)
    again = timestamps.stream_times(clip, 0)
    assert _same(first, again) and again.count == 30


def test_a_rewritten_file_is_scanned_again(cache: Path, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30, audio=False)
    assert timestamps.stream_times(clip, 0).count == 30
    st = clip.stat()
    make_clip(clip, width=64, height=48, rate=25, frames=20, audio=False)
    os.utime(clip, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime put back
    timestamps._scan.cache_clear()
    assert timestamps.stream_times(clip, 0).count == 20


@pytest.mark.parametrize("junk", [b"", b"not a zip", b"PK\x03\x04broken", "flipped"])
def test_a_damaged_stored_scan_is_ignored_and_replaced(
    cache: Path, tmp_path: Path, junk: bytes | str
) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30, audio=False)
    want = timestamps.stream_times(clip, 0)
    (stored,) = cache.glob("*.npz")
    if junk == "flipped":  # a zip whose compressed member is damaged (zlib's error, not zipfile's)
        data = bytearray(stored.read_bytes())
        data[60:90] = bytes(30)
        junk = bytes(data)
    assert isinstance(junk, bytes)
    stored.write_bytes(junk)
    timestamps._scan.cache_clear()
    assert _same(timestamps.stream_times(clip, 0), want)
    assert stored.read_bytes() != junk


def test_an_unwritable_cache_only_costs_a_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(blocker))  # a file where the folder would be
    timestamps._scan.cache_clear()
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10, audio=False)
    assert timestamps.stream_times(clip, 0).count == 10
    timestamps._scan.cache_clear()


def test_a_link_where_the_scan_would_be_is_neither_followed_nor_fatal(cache: Path, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30, audio=False)
    want = timestamps.stream_times(clip, 0)
    (stored,) = cache.glob("*.npz")
    elsewhere = tmp_path / "elsewhere.npz"
    elsewhere.write_bytes(stored.read_bytes())
    stored.unlink()
    stored.symlink_to(tmp_path / "missing.npz")  # dangling
    timestamps._scan.cache_clear()
    assert _same(timestamps.stream_times(clip, 0), want)
    assert not stored.is_symlink() and stored.is_file()
    stored.unlink()
    stored.symlink_to(elsewhere)  # a link to a valid scan is still not read
    timestamps._scan.cache_clear()
    assert _same(timestamps.stream_times(clip, 0), want)
    assert not stored.is_symlink()


def test_a_file_that_changes_while_scanned_is_not_kept(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30, audio=False)
    scan = timestamps._scan_stream

    def scan_then_touch(*a: object) -> timestamps.StreamTimes:
        times = scan(*a)  # type: ignore[arg-type]
        os.utime(clip, ns=(1, 2))  # written to while it was read
        return times

    monkeypatch.setattr(timestamps, "_scan_stream", scan_then_touch)
    timestamps.stream_times(clip, 0)
    assert not cache.exists() or not list(cache.glob("*.npz"))


def test_image_sequences_are_scanned_per_process_only(cache: Path, tmp_path: Path) -> None:
    import av as pyav

    folder = tmp_path / "seq"
    folder.mkdir()
    for k in range(3):
        frame = pyav.VideoFrame.from_ndarray(np.full((16, 16, 3), 40 * k, np.uint8), format="rgb24")
        frame.to_image().save(folder / f"f_{k:04d}.png")
    assert timestamps.stream_times(folder / "f_%04d.png", 0).count == 3
    assert not cache.exists() or not list(cache.glob("*.npz"))
