"""URLs survive pathlib (which folds ``//``) and read like local files, fingerprint included."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.errors import MediaError
from timeline_lab.media.probe import probe
from timeline_lab.media.relink import fingerprint
from timeline_lab.media.synth import make_clip
from timeline_lab.media.urls import as_url, stat_url

fsspec = pytest.importorskip("fsspec")


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("https://example.org/a b.mp4", "https://example.org/a b.mp4"),
        (Path("s3://bucket/key/x.mov"), "s3://bucket/key/x.mov"),
        (Path("/work/project") / Path("memory://m/x.mp4"), "memory://m/x.mp4"),  # resolved against a folder
        (Path("file:///tmp/x.mp4"), "file:///tmp/x.mp4"),
        ("/tmp/x.mp4", None),
        ("C:/media/x.mp4", None),  # not a scheme fsspec has
        ("notascheme://x/y.mp4", None),
    ],
)
def test_as_url(given: str | Path, url: str | None) -> None:
    assert as_url(given) == url


def test_a_memory_file_reads_like_its_local_copy(tmp_path: Path) -> None:
    local = make_clip(tmp_path / "a.mp4", width=64, height=48, frames=10)
    fsspec.filesystem("memory").pipe("/tl-media-test/a.mp4", local.read_bytes())
    try:
        url = "memory://tl-media-test/a.mp4"
        assert fingerprint(url) == fingerprint(local)
        assert stat_url(url).size == local.stat().st_size
        remote, here = probe(url), probe(local)
        assert (remote.duration, remote.video, remote.audio) == (here.duration, here.video, here.audio)
        with pytest.raises(MediaError, match=r"memory://tl-media-test/b\.mp4: no such file"):
            probe("memory://tl-media-test/b.mp4")
    finally:
        fsspec.filesystem("memory").rm("/tl-media-test", recursive=True)


def test_memory_files_opened_twice_keep_their_own_positions(tmp_path: Path) -> None:
    """fsspec's memory store hands every opener the same BytesIO: two clips of one file (or two
    render workers in threads) would move each other's read position and decode garbage."""
    from timeline_lab.media.urls import input_for

    fsspec.filesystem("memory").pipe("/tl-media-test2/x.bin", bytes(range(256)) * 4)
    try:
        one, two = input_for("memory://tl-media-test2/x.bin"), input_for("memory://tl-media-test2/x.bin")
        one.seek(100)
        two.seek(7)
        assert (one.read(1), two.read(1), one.read(1)) == (bytes([100]), bytes([7]), bytes([101]))
        one.close()  # one reader done: the other and the store still read
        assert two.read(1) == bytes([8])
        assert fsspec.filesystem("memory").cat_file("/tl-media-test2/x.bin")[:2] == bytes([0, 1])
    finally:
        fsspec.filesystem("memory").rm("/tl-media-test2", recursive=True)
