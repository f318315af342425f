"""A local file's probe is kept on disk: a new process reads it back; a changed file is probed again."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from timeline_lab.media.probe import probe
from timeline_lab.media.synth import make_clip

probe_mod = importlib.import_module("timeline_lab.media.probe")  # (the package exports the function)


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(root))
    return root / "probes"


def _no_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_open(*a: object) -> None:
        raise AssertionError("probed again")

    monkeypatch.setattr(probe_mod, "_probe", no_open)


def test_the_second_probe_does_not_open_the_file(
    kept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30)
    first = probe(clip)
    assert len(list(kept.glob("*.json"))) == 1
    _no_probe(monkeypatch)
    again = probe(clip)
    assert again == first and again.path == clip
    assert probe(os.path.relpath(clip)).path == Path(os.path.relpath(clip))  # the caller's spelling


def test_a_rewritten_file_is_probed_again(kept: Path, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30)
    assert probe(clip).primary_video.frame_count == 30  # type: ignore[union-attr]
    st = clip.stat()
    make_clip(clip, width=64, height=48, rate=25, frames=20)
    os.utime(clip, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime put back
    assert probe(clip).primary_video.frame_count == 20  # type: ignore[union-attr]


@pytest.mark.parametrize("junk", [b"", b"{", b"[]", b'{"video": [{"index": "x"}]}', b"\xff\xfe"])
def test_a_damaged_kept_probe_is_ignored_and_replaced(kept: Path, tmp_path: Path, junk: bytes) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30)
    want = probe(clip)
    (stored,) = kept.glob("*.json")
    stored.write_bytes(junk)
    assert probe(clip) == want
    assert stored.read_bytes() != junk


@pytest.mark.parametrize("how", ["link", "rename"])
def test_another_files_entry_under_this_files_name_is_not_served(
    kept: Path, tmp_path: Path, how: str
) -> None:
    """Behind a link, or renamed onto its name (someone who can write to a shared cache folder):
    B's probe is never passed off as A's."""
    a = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=30)
    b = make_clip(tmp_path / "b.mp4", width=96, height=64, rate=30, frames=10)
    want = probe(a)
    (entry_a,) = kept.glob("*.json")
    probe(b)
    (entry_b,) = (p for p in kept.glob("*.json") if p != entry_a)
    if how == "link":
        entry_a.unlink()
        entry_a.symlink_to(entry_b)
    else:
        os.replace(entry_b, entry_a)
    assert probe(a) == want
    assert not entry_a.is_symlink()


def test_missing_and_unreadable_files_still_fail_clearly(kept: Path, tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"nope\.mp4: no such file"):
        probe(tmp_path / "nope.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(Exception, match=r"empty\.mp4: empty file"):
        probe(tmp_path / "empty.mp4")
    assert not kept.exists() or not list(kept.glob("*.json"))


def test_an_unwritable_cache_only_costs_a_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(blocker))  # a file where the folder would be
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10)
    assert probe(clip) == probe(clip)


def test_a_file_removed_right_after_its_probe_still_gets_the_probe(
    kept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10)
    real = probe_mod._probe

    def probe_then_remove(*a: object) -> object:
        info = real(*a)  # type: ignore[arg-type]
        clip.unlink()  # (a proxy being regenerated)
        return info

    monkeypatch.setattr(probe_mod, "_probe", probe_then_remove)
    assert probe(clip).primary_video.frame_count == 10  # type: ignore[union-attr]
    assert not kept.exists() or not list(kept.glob("*.json"))


def test_without_owners_on_the_os_the_cache_still_works(
    kept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10)
    monkeypatch.delattr(os, "getuid")  # as on Windows
    first = probe(clip)
    _no_probe(monkeypatch)
    assert probe(clip) == first


def test_a_kind_keeps_a_bounded_number_of_entries(
    kept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline_lab.core import disk_memo

    monkeypatch.setattr(disk_memo, "_MOST", 4)
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10)
    for k in range(7):  # each rewrite is a new identity, so a new entry
        os.utime(clip, ns=(k, 10**9 * (k + 1)))
        probe(clip)
    assert 2 <= len(list(kept.glob("*.json"))) <= 4
    assert probe(clip) == probe(clip)
