"""A cache folder that cannot hold a cache (below a file, a damaged database, read-only) costs the
previews their keeping, never the previews themselves; a proxy, which is a file there, is refused
with a MediaError naming the folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from timeline_lab.core.cache import CacheSet, DiskCache
from timeline_lab.errors import MediaError
from timeline_lab.media.previews import ReaderPool, filmstrip, make_proxy, thumbnail, waveform
from timeline_lab.media.synth import make_clip


def _below_a_file(tmp_path: Path) -> Path:
    (tmp_path / "a-file").write_bytes(b"not a folder")
    return tmp_path / "a-file" / "cache"


def _databases_are_folders(tmp_path: Path) -> Path:
    root = tmp_path / "cache"
    for name in ("previews", "waveforms"):
        (root / name / "cache.db").mkdir(parents=True)  # sqlite cannot open it
    (root / "proxies").write_bytes(b"a file where the proxies' folder goes")
    return root


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("unusable") / "c.mp4", width=64, height=36, frames=10)


@pytest.mark.parametrize("unusable", [_below_a_file, _databases_are_folders])
def test_previews_are_made_without_a_usable_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clip: Path, unusable: Callable[[Path], Path]
) -> None:
    root = unusable(tmp_path)
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(root))
    caches = CacheSet()
    assert thumbnail(clip, 3, 32, caches=caches, readers=ReaderPool()).size == (32, 18)
    assert [t.frame for t in filmstrip(clip, 2, 12, caches=caches).tiles] == [0, 5]
    assert waveform(clip, caches=caches).samples > 0
    assert len(caches.disk("previews")) == 0  # nothing kept, nothing refused
    with pytest.raises(
        MediaError, match=r"cannot write its proxy in the cache folder .*proxies.*TIMELINE_LAB_CACHE"
    ):
        make_proxy(clip)


def test_a_cache_that_fails_after_opening_costs_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = DiskCache(directory=tmp_path / "c")

    class Broken:
        def get(self, *a: object, **k: object) -> object:
            raise OSError(28, "No space left on device")

        set = get

    monkeypatch.setattr(cache, "_cache", Broken())
    cache.put("k", b"v")  # not kept, not raised
    assert cache.get("k") is None
    assert cache.get_or_compute("k", lambda: b"made") == b"made"


def test_a_cache_set_falls_back_and_tries_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(_below_a_file(tmp_path)))
    caches = CacheSet()
    dead = caches.disk("previews")
    dead.put("k", b"v")
    assert dead.get("k") is None and "k" not in dead and dead.volume() == 0
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(tmp_path / "good"))
    live = caches.disk("previews")
    live.put("k", b"v")
    assert live.get("k") == b"v"
