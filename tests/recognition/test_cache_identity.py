"""A file rewritten with the same size and its modification time put back (``cp -p``, ``rsync -t``,
a camera card copied again) is a new file to every cache that keys on it: recognition results,
the model's hash and the attached detections table's hash."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import _render
from timeline_lab.recognition import ModelManager, ModelRegistry, ResultCache, recognize
from timeline_lab.recognition.models import file_sha256 as model_sha256
from timeline_lab.render.annotators import file_sha256 as table_sha256

from .conftest import square_box

FRAMES = 6


def raw_video(path: Path, first: int) -> Path:
    """Uncompressed AVI of synth frames ``first..``: every such file has the same size."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("rawvideo", rate=25)
        s.width, s.height, s.pix_fmt = 320, 240, "bgr24"
        for i in range(FRAMES):
            frame = av.VideoFrame.from_ndarray(_render(first + i, 1, 320, 240), "rgb24")
            frame.pts = i
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return path


def in_place(src: Path, dst: Path) -> None:
    """Overwrite the bytes where they are (same inode), as ``cp`` onto an existing file does."""
    with dst.open("r+b") as f:
        f.write(src.read_bytes())


def replaced(src: Path, dst: Path) -> None:
    """A new file renamed over the old one, as ``rsync`` does."""
    tmp = dst.with_suffix(".part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


Rewrite = Callable[[Path, Path], None]


def rewrite_keeping_mtime(src: Path, dst: Path, how: Rewrite) -> None:
    """``dst`` gets ``src``'s bytes (same size) and its old mtime back."""
    st = dst.stat()
    assert src.stat().st_size == st.st_size
    time.sleep(0.02)  # past the kernel's coarse file clock, as any real rewrite is
    how(src, dst)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert dst.stat().st_mtime_ns == st.st_mtime_ns and dst.stat().st_size == st.st_size


@pytest.mark.parametrize("how", [in_place, replaced, shutil.copyfile])
def test_results_of_a_rewritten_file_are_not_reused(tmp_path: Path, square_model: Path, how: Rewrite) -> None:
    manager = ModelManager(ModelRegistry(tmp_path / "models"))
    cache = ResultCache(tmp_path / "cache")
    a, b = raw_video(tmp_path / "a.avi", 0), raw_video(tmp_path / "b.avi", 20)
    clip = tmp_path / "clip.avi"
    shutil.copy2(a, clip)
    first = recognize(clip, square_model, manager=manager, cache=cache)
    assert first["x1"].to_list() == [square_box(i)[0] for i in range(FRAMES)]
    rewrite_keeping_mtime(b, clip, how)
    again = recognize(clip, square_model, manager=manager, cache=cache)
    assert again["x1"].to_list() == [square_box(20 + i)[0] for i in range(FRAMES)]
    assert len(list(cache.root.glob("*.parquet"))) == 2
    assert recognize(clip, square_model, manager=manager, cache=cache).equals(again)  # kept again


@pytest.mark.parametrize("sha256", [model_sha256, table_sha256], ids=["model", "detections-table"])
@pytest.mark.parametrize("how", [in_place, replaced, shutil.copyfile])
def test_hash_of_a_rewritten_file_is_taken_again(
    tmp_path: Path, sha256: Callable[[Path], str], how: Rewrite
) -> None:
    rng = np.random.default_rng(7)
    old, new = tmp_path / "old.bin", tmp_path / "new.bin"
    old.write_bytes(rng.bytes(4096))
    new.write_bytes(rng.bytes(4096))
    target = tmp_path / "file.bin"
    shutil.copy2(old, target)
    assert sha256(target) == sha256(old)
    rewrite_keeping_mtime(new, target, how)
    assert sha256(target) == sha256(new) != sha256(old)
