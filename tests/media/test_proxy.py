"""Proxies: same frames at the same times as the source, a keyframe every few frames, atomic, cancellable."""

from __future__ import annotations

import itertools
import threading
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import CancelledError, MediaError
from timeline_lab.media import proxy as proxy_mod
from timeline_lab.media.probe import keyframes, probe
from timeline_lab.media.proxy import make_proxy, make_proxy_async, proxy_path, prune_proxies
from timeline_lab.media.synth import make_clip, read_frame_indices

NTSC = Fraction(30000, 1001)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(root))
    return root


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """64 frames of 29.97 fps 320x240 with audio; its own GOP is 15."""
    d = tmp_path_factory.mktemp("proxy-src")
    return make_clip(d / "src.mp4", width=320, height=240, rate=NTSC, frames=64, tag=9)


@pytest.mark.slow
@pytest.mark.parametrize("rate", [Fraction(25), NTSC], ids=["25", "29.97"])
def test_proxy_is_frame_exact_small_and_short_gop(tmp_path: Path, rate: Fraction) -> None:
    src = make_clip(tmp_path / "s.mp4", width=320, height=240, rate=rate, frames=50, tag=4)
    out = make_proxy(src, tmp_path / "p.mp4", height=120, gop=6)
    a, b = probe(src), probe(out)
    va, vb = a.primary_video, b.primary_video
    assert va is not None and vb is not None
    assert (vb.codec, vb.width, vb.height, vb.pix_fmt) == ("h264", 160, 120, "yuv420p")
    assert vb.frame_rate == va.frame_rate and vb.frame_count == va.frame_count == 50
    assert vb.duration is not None and va.duration is not None
    assert vb.duration.strictly_equal(va.duration)
    assert [i for i, _ in read_frame_indices(out)] == list(range(50))
    assert {tag for _, tag in read_frame_indices(out)} == {4}
    kf = [k.to_frames(rate) for k in keyframes(out)]
    assert kf[0] == 0 and all(b - a <= 6 for a, b in itertools.pairwise([*kf, 50]))
    pa, pb = a.primary_audio, b.primary_audio
    assert pa is not None and pb is not None
    assert (pb.codec, pb.sample_rate, pb.channels) == ("aac", 48000, 2)
    assert pb.sample_count == pa.sample_count
    head = out.read_bytes()[:64]
    assert head.index(b"moov") < 64  # +faststart: the index comes first


def test_proxy_writes_a_part_file_then_renames(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.mp4"
    planted = tmp_path / "p.mp4.part"  # a predictable name pointing elsewhere is never written through
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep")
    planted.symlink_to(elsewhere)
    seen: list[tuple[bool, bool]] = []
    fractions: list[float] = []

    def progress(f: float) -> None:
        fractions.append(f)
        seen.append((any(p != planted for p in tmp_path.glob(".p.mp4.*.part")), out.exists()))

    assert make_proxy(source, out, height=60, progress=progress) == out
    assert out.exists() and not list(tmp_path.glob(".p.mp4.*.part"))
    assert (True, False) in seen  # while encoding, only the .part existed
    assert elsewhere.read_text() == "keep" and not out.is_symlink()
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) > 3


def test_cancel_leaves_nothing_behind(source: Path, tmp_path: Path, cache_dir: Path) -> None:
    out = tmp_path / "p.mp4"
    stop = threading.Event()

    def progress(f: float) -> None:
        if f > 0.2:
            stop.set()

    with pytest.raises(CancelledError, match=r"src\.mp4: proxy cancelled"):
        make_proxy(source, out, height=60, progress=progress, cancel=stop)
    assert [p for p in tmp_path.iterdir() if p != cache_dir] == []  # (the source's probe is kept)


def test_background_proxy_reports_progress_and_can_be_cancelled(source: Path, tmp_path: Path) -> None:
    fractions: list[float] = []
    handle, future = make_proxy_async(source, tmp_path / "a.mp4", height=60, progress=fractions.append)
    assert future.result(timeout=60) == tmp_path / "a.mp4"
    assert not handle.cancelled and fractions[-1] == 1.0
    gate = threading.Event()

    def wait_for_cancel(f: float) -> None:
        gate.set()
        handle2.cancel_event.wait(5)  # hold the job until the test cancels it

    handle2, future2 = make_proxy_async(source, tmp_path / "b.mp4", height=60, progress=wait_for_cancel)
    assert gate.wait(30)
    handle2.cancel()
    with pytest.raises(CancelledError):
        future2.result(timeout=60)
    assert not (tmp_path / "b.mp4").exists() and not (tmp_path / "b.mp4.part").exists()


def test_cached_proxy_is_made_once_per_content(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_clip(tmp_path / "c.mp4", width=96, height=54, frames=10, tag=1)
    calls: list[Path] = []
    real = proxy_mod._transcode
    monkeypatch.setattr(proxy_mod, "_transcode", lambda s, *a: (calls.append(s), real(s, *a))[1])
    first = make_proxy(src, height=30)
    assert first == proxy_path(src, height=30) and first.parent == cache_dir / "proxies"
    assert make_proxy(src, height=30) == first and len(calls) == 1
    assert make_proxy(src, height=30, gop=4) != first and len(calls) == 2
    make_clip(src, width=96, height=54, frames=10, tag=2)  # the source changes: a new proxy
    second = make_proxy(src, height=30)
    assert second != first and len(calls) == 3
    assert {t for _, t in read_frame_indices(second)} == {2}


def test_prune_keeps_the_most_recent_within_budget(tmp_path: Path, cache_dir: Path) -> None:
    folder = cache_dir / "proxies"
    folder.mkdir(parents=True)
    import os

    for n in range(5):
        f = folder / f"p{n}.mp4"
        f.write_bytes(b"x" * 1000)
        os.utime(f, ns=(n * 10**9, n * 10**9))
    assert prune_proxies(2500) == 3000
    assert sorted(p.name for p in folder.iterdir()) == ["p3.mp4", "p4.mp4"]


def test_bad_inputs(tmp_path: Path) -> None:
    audio_only = make_clip(tmp_path / "a.mp4", video=False, frames=10)
    with pytest.raises(MediaError, match="no video stream"):
        make_proxy(audio_only, tmp_path / "p.mp4")
    assert not (tmp_path / "p.mp4.part").exists()
    with pytest.raises(ValueError, match="gop"):
        make_proxy(audio_only, tmp_path / "p.mp4", gop=0)
    with pytest.raises(MediaError, match="no such file"):
        make_proxy(tmp_path / "missing.mp4")
