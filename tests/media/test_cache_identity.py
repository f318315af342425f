"""Previews, proxies and warm readers follow what a source *is*: a file swapped for another of the
same size with its mtime put back (``cp -p``, ``rsync -t``), and image sequences (a pattern, a glob,
a folder) whose images are rewritten in place, are never served the old pictures or peaks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from timeline_lab.core.cache import CacheSet
from timeline_lab.media.previews import ReaderPool, filmstrip, frame_at, proxy_path, thumbnail, waveform

RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(root))
    yield root


def _raw_clip(path: Path, colour: tuple[int, int, int], loudness: float) -> Path:
    """An uncompressed AVI (rawvideo + PCM): its size never depends on its pictures or sound."""
    with av.open(str(path), "w", format="avi") as out:
        v = out.add_stream("rawvideo", rate=25)
        v.width, v.height, v.pix_fmt = 32, 24, "yuv420p"
        a = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        picture = np.zeros((24, 32, 3), np.uint8)
        picture[:] = colour
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(v.encode(frame))
        out.mux(v.encode(None))
        tone = (np.sin(np.arange(3200) / 5) * loudness * 32767).astype(np.int16)[None, :]
        sound = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
        sound.sample_rate, sound.pts = 8000, 0
        out.mux(a.encode(sound))
        out.mux(a.encode(None))
    return path


def _copy_keeping_mtime(new: Path, target: Path) -> None:
    """``cp -p``: the same file (inode) gets other bytes, its mtime put back (its ctime moves)."""
    st = target.stat()
    shutil.copyfile(new, target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def _rename_keeping_mtime(new: Path, target: Path) -> None:
    """``rsync -t``: a new file with the old mtime renamed over the old one (a new inode)."""
    st = target.stat()
    staged = target.with_name("staged" + target.suffix)
    shutil.copyfile(new, staged)
    os.utime(staged, ns=(st.st_atime_ns, st.st_mtime_ns))
    staged.replace(target)


def _mean(img: object) -> np.ndarray:
    return np.asarray(img, dtype=float).reshape(-1, 3).mean(axis=0)


def _is(colour: tuple[int, int, int], img: object) -> bool:
    return bool(np.abs(_mean(img) - colour).max() < 12)


@pytest.mark.parametrize("replace", [_copy_keeping_mtime, _rename_keeping_mtime], ids=["cp-p", "rsync-t"])
def test_a_same_size_replacement_with_its_mtime_back_is_never_stale(
    tmp_path: Path, replace: Callable[[Path, Path], None]
) -> None:
    src = _raw_clip(tmp_path / "clip.avi", RED, 0.1)
    other = _raw_clip(tmp_path / "other.avi", BLUE, 0.8)
    assert src.stat().st_size == other.stat().st_size
    caches, readers = CacheSet(), ReaderPool()
    assert _is(RED, frame_at(src, 3, readers=readers))
    assert _is(RED, thumbnail(src, 3, 16, caches=caches, readers=readers))
    assert _is(RED, filmstrip(src, 2, 12, caches=caches).sprite)
    quiet = waveform(src, caches=caches).maxs[0].max()
    old_proxy = proxy_path(src)
    before = src.stat()

    replace(other, src)
    after = src.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    assert _is(BLUE, frame_at(src, 3, readers=readers))  # the warm reader is not reused
    assert _is(BLUE, thumbnail(src, 3, 16, caches=caches, readers=readers))  # memory
    assert _is(BLUE, thumbnail(src, 3, 16, caches=CacheSet(), readers=ReaderPool()))  # disk
    assert _is(BLUE, filmstrip(src, 2, 12, caches=caches).sprite)
    assert _is(BLUE, filmstrip(src, 2, 12, caches=CacheSet()).sprite)
    assert waveform(src, caches=caches).maxs[0].max() > 4 * quiet
    assert waveform(src, caches=CacheSet()).maxs[0].max() > 4 * quiet
    assert proxy_path(src) != old_proxy


def _images(folder: Path, colour: tuple[int, int, int], count: int = 3) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        Image.new("RGB", (32, 24), colour).save(folder / f"img_{i + 1:04d}.png")


def _rewrite_in_place(folder: Path, colour: tuple[int, int, int]) -> None:
    """A renderer writing new frames over the old files, same names, mtimes put back."""
    for f in sorted(folder.glob("*.png")):
        st = f.stat()
        buf = Image.new("RGB", (32, 24), colour)
        with f.open("r+b") as out:
            out.truncate(0)
            buf.save(out, format="PNG")
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("form", ["img_%04d.png", "*.png", ""], ids=["pattern", "glob", "folder"])
def test_image_sequence_previews_work_and_follow_their_images(tmp_path: Path, form: str) -> None:
    folder = tmp_path / "shots"
    _images(folder, RED)
    seq = folder / form if form else folder
    caches, readers = CacheSet(), ReaderPool()
    assert _is(RED, thumbnail(seq, 1, 16, caches=caches, readers=readers))
    strip = filmstrip(seq, 3, 12, caches=caches)
    assert [t.frame for t in strip.tiles] == [0, 1, 2] and _is(RED, strip.sprite)
    old_proxy = proxy_path(seq)

    _rewrite_in_place(folder, BLUE)

    assert _is(BLUE, frame_at(seq, 1, readers=readers, rate=Fraction(25)))
    assert _is(BLUE, thumbnail(seq, 1, 16, caches=caches, readers=readers))
    assert _is(BLUE, thumbnail(seq, 1, 16, caches=CacheSet(), readers=ReaderPool()))
    assert _is(BLUE, filmstrip(seq, 3, 12, caches=caches).sprite)
    assert proxy_path(seq) != old_proxy
    assert "%" not in proxy_path(seq).name and "*" not in proxy_path(seq).name
