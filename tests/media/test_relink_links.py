"""A project's media folder that is a symbolic link: paths are kept as given (so saved relative to
the project and found after the link is re-pointed), and relink's search follows linked folders,
each folder once, so a link to a folder above it is no loop."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from timeline_lab import Studio
from timeline_lab.media.relink import find_media, fingerprint
from timeline_lab.media.synth import make_clip, read_frame_indices


def _media(path: Path, tag: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_clip(path, width=64, height=48, rate=25, frames=12, tag=tag, audio=False)


@pytest.mark.parametrize("depth", [0, 1, 3])
@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_a_linked_media_folder_is_saved_relative_and_follows_the_link(
    tmp_path: Path, depth: int, how: str
) -> None:
    footage = tmp_path / "drive1" / "footage"
    clip = _media(footage.joinpath(*["day"] * depth, "a.mp4"), tag=5)
    proj = tmp_path / "proj"
    proj.mkdir()
    os.symlink(footage if how == "absolute" else os.path.relpath(footage, proj), proj / "media")
    s = Studio(workspace=tmp_path)
    p = s.new_project("p", width=64, height=48, frame_rate=25)
    p.tracks[0].append(s.clip(proj / "media" / clip.relative_to(footage), 2, 6))
    s.save(p, proj / "p.tlproj")
    assert '"path": "media/' in (proj / "p.tlproj").read_text(encoding="utf-8")
    os.rename(tmp_path / "drive1", tmp_path / "drive2")  # the drive mounted elsewhere, the link re-pointed
    (proj / "media").unlink()
    os.symlink(tmp_path / "drive2" / "footage", proj / "media")
    q = s.open(proj / "p.tlproj")
    s.render(q, tmp_path / "out.mp4", progress=False, cluster=False)
    assert [t for _, t in read_frame_indices(tmp_path / "out.mp4")] == [5] * 6


@pytest.mark.parametrize("depth", [0, 2])
def test_search_follows_linked_folders(tmp_path: Path, depth: int) -> None:
    f = tmp_path / "drive" / "take.bin"
    f.parent.mkdir()
    f.write_bytes(b"take" * 1000)
    size, print_ = f.stat().st_size, fingerprint(f)
    root = tmp_path / "search"
    where = root.joinpath(*["sub"] * depth)
    where.mkdir(parents=True)
    os.symlink(tmp_path / "drive", where / "link")
    assert find_media("take.bin", size, print_, [root]) == f.resolve()


def test_link_loops_end(tmp_path: Path) -> None:
    root = tmp_path / "search"
    (root / "a" / "b").mkdir(parents=True)
    os.symlink(root, root / "a" / "b" / "up")  # a loop
    os.symlink(root / "a", root / "a" / "self")
    os.symlink(tmp_path / "nowhere", root / "broken")
    assert find_media("none.bin", None, None, [root]) is None
    (root / "a" / "b" / "x.bin").write_bytes(b"x")
    assert find_media("x.bin", 1, None, [root, root / "a"]) == (root / "a" / "b" / "x.bin").resolve()


def test_a_project_found_through_a_link_when_moved(tmp_path: Path) -> None:
    """Media missing at its path is found by relink through a linked folder of the search root."""
    clip = _media(tmp_path / "old" / "a.mp4", tag=3)
    s = Studio(workspace=tmp_path)
    p = s.new_project("p", width=64, height=48, frame_rate=25)
    p.tracks[0].append(s.clip(clip, 0, 6))
    s.save(p, tmp_path / "p.tlproj")
    shutil.move(tmp_path / "old", tmp_path / "drive")
    (tmp_path / "search").mkdir()
    os.symlink(tmp_path / "drive", tmp_path / "search" / "footage")
    q = s.open(tmp_path / "p.tlproj", search=[tmp_path / "search"])
    assert Path(next(q.clips()).media.path).resolve() == (tmp_path / "drive" / "a.mp4").resolve()
