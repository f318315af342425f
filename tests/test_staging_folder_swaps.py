"""An image-sequence render stages its frames in a new folder beside the target. Whoever can write
the target's folder may swap that staging folder for a link to a folder of theirs (or move it and
put another folder at its name) while frames are written. No frame is then written through the
link, nothing of theirs is moved into place or removed, and the render fails naming the output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from timeline_lab.atomic import OutputError
from timeline_lab.atomic_folder import StagedFolder
from timeline_lab.core.events import RenderProgress
from timeline_lab.errors import TimelineLabError
from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="writes through /proc/self/fd")

PRECIOUS = b"precious data\n"


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_bytes(PRECIOUS)
    return victim


def _link(part: Path, victim: Path) -> None:
    """Move the staging folder away and put a link to ``victim`` at its name, in one rename."""
    part.rename(part.with_name("moved-away"))
    tmp = part.with_name("evil.lnk")
    tmp.symlink_to(victim, target_is_directory=True)
    tmp.rename(part)


def _other_folder(part: Path, victim: Path) -> None:
    """Move the staging folder away and put a folder of someone else's at its name."""
    part.rename(part.with_name("moved-away"))
    victim.rename(part)


Swap = Callable[[Path, Path], None]


@pytest.mark.parametrize("swap", [_link, _other_folder], ids=["link", "another folder"])
@pytest.mark.parametrize("at", [1, 6], ids=["first frame", "midway"])
def test_a_swapped_staging_folder_is_never_written_through_nor_moved_into_place(
    tmp_path: Path, swap: Swap, at: int
) -> None:
    clip = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=12)
    out = tmp_path / "out"
    out.mkdir()
    victim = _victim(tmp_path)
    studio = Studio(workspace=tmp_path / "ws")
    project = studio.new_project("swap", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 12))
    done: list[Path] = []

    def on_progress(event: RenderProgress) -> None:
        parts = [p for p in out.glob("frames.*.part") if not p.is_symlink()]
        if event.frames_done >= at and not done and parts:
            swap(parts[0], victim)
            done.append(parts[0])

    studio.bus.subscribe(RenderProgress, on_progress)
    with pytest.raises(TimelineLabError, match="frames") as err:
        studio.render(project, out / "frames", progress=False, cluster=False, format="png-sequence")
    assert done, "the swap never happened"
    assert "replaced" in str(err.value)
    taken = done[0] if swap is _other_folder else victim
    assert sorted(p.name for p in taken.iterdir()) == ["keep.txt"]  # nothing written there, nothing removed
    assert (taken / "keep.txt").read_bytes() == PRECIOUS
    assert not (out / "frames").exists()
    assert not [p for p in out.iterdir() if p.is_symlink()]  # the planted link is removed too
    assert list((out / "moved-away").iterdir()) == []  # our frames, cleaned up through the descriptor


def test_a_folder_swapped_for_another_is_refused_and_theirs_kept(tmp_path: Path) -> None:
    target = tmp_path / "frames"
    target.mkdir()
    (target / "old.png").write_bytes(b"the previous render")
    staged = StagedFolder(target)
    staged.write_path("a.png").write_bytes(b"ours")
    theirs = _victim(tmp_path)
    _other_folder(staged.part, theirs)
    with pytest.raises(OutputError, match="was replaced while it was written"):
        staged.commit()
    staged.discard()
    assert (staged.part / "keep.txt").read_bytes() == PRECIOUS  # theirs, at our old name, untouched
    assert (target / "old.png").read_bytes() == b"the previous render"
    assert list((tmp_path / "moved-away").iterdir()) == []


def test_commit_swaps_the_folder_in_whole(tmp_path: Path) -> None:
    target = tmp_path / "frames"
    target.mkdir()
    (target / "frame_99.png").write_bytes(b"older and longer")
    staged = StagedFolder(target)
    staged.write_path("frame_1.png").write_bytes(b"new")
    staged.commit()
    assert sorted(p.name for p in target.iterdir()) == ["frame_1.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]  # no .part, no old folder left
