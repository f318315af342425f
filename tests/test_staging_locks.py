"""A writer killed with SIGKILL leaves its ``<name>.XXXXXXXX.part`` behind; the next staging for the
same target removes it, because no live process holds its lock. A part still being written (another
process's, or this one's), a link, a folder, a FIFO or another target's file is never removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline_lab import atomic
from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="flock and SIGKILL: POSIX only")

NAMES = ["film.mp4", "a+b (1).mp4", "cut[1].mov", ".hidden.wav"]
_HOLDER = """
import sys, time
from pathlib import Path
from timeline_lab import atomic
part = atomic.staging_file(Path(sys.argv[1]), hidden=sys.argv[2] == "hidden")
part.write_bytes(b"half a render")
print(part, flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes holding a staging file; any still running at the end are killed."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _hold(
    procs: list[subprocess.Popen[str]], target: Path, hidden: bool
) -> tuple[subprocess.Popen[str], Path]:
    args = [sys.executable, "-c", _HOLDER, str(target), "hidden" if hidden else "plain"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    procs.append(proc)
    assert proc.stdout is not None
    part = Path(proc.stdout.readline().strip())
    assert part.read_bytes() == b"half a render"
    return proc, part


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_a_killed_writers_part_goes_at_the_next_staging(
    tmp_path: Path, holder: list[subprocess.Popen[str]], name: str, hidden: bool
) -> None:
    target = tmp_path / name
    proc, part = _hold(holder, target, hidden)
    assert part.parent == tmp_path and part.name.endswith(".part") and name in part.name
    mine = atomic.staging_file(target)  # the holder is alive: its part stays
    assert part.exists() and mine.exists() and mine != part
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert part.exists()  # nothing runs at a SIGKILL: the part is left
    other = atomic.staging_file(target, hidden=not hidden)
    assert not part.exists()
    assert mine.exists() and other.exists()  # this process's own parts are held: kept
    atomic.release(mine)
    atomic.release(other)


def test_a_part_left_by_a_writer_that_exited_goes_too(tmp_path: Path) -> None:
    """An older version's mkstemp leftover (not locked by anyone) is removed as well."""
    target = tmp_path / "film.mp4"
    for left in ("film.mp4.k3_x9a0q.part", ".film.mp4.00ff00ff.part"):
        (tmp_path / left).write_bytes(b"stale")
    part = atomic.staging_file(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [part.name]
    atomic.release(part)


def test_only_our_abandoned_regular_files_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "film.mp4"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    kept_file = elsewhere / "precious.mp4"
    kept_file.write_bytes(b"precious")
    (tmp_path / "film.mp4.linklink.part").symlink_to(kept_file)
    (tmp_path / "film.mp4.dangling.part").symlink_to(tmp_path / "nowhere")
    (tmp_path / "film.mp4.folder00.part").mkdir()
    os.mkfifo(tmp_path / "film.mp4.fifofifo.part")
    strangers = [
        *("film.mp4x.abcdefgh.part", "xfilm.mp4.abcdefgh.part", "film.mp4.abcdefghi.part"),
        *("film.mp4.part", "film.mp4.ABCDEFGH.part", "film.mov.abcdefgh.part", "film.mp4.abcdefgh"),
    ]
    for name in strangers:
        (tmp_path / name).write_bytes(b"not ours")
    before = sorted(p.name for p in tmp_path.iterdir())
    part = atomic.staging_file(target)  # returns at once: a FIFO is never opened to block
    assert sorted(p.name for p in tmp_path.iterdir() if p != part) == before
    assert kept_file.read_bytes() == b"precious"
    assert all((tmp_path / n).read_bytes() == b"not ours" for n in strangers)
    atomic.release(part)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else 0


def test_locks_are_let_go_once_the_part_is_gone(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    before = _open_fds()
    for i in range(20):
        atomic.atomic_write_bytes(target, b"x" * i)  # staged(): released on the spot
    assert _open_fds() == before
    parts = [atomic.staging_file(target) for _ in range(5)]  # a render's: renamed by its caller
    assert _open_fds() == before + 5
    for part in parts:
        os.replace(part, target)
    atomic.staging_file(target).unlink()  # the next staging notices they are gone
    atomic.atomic_write_bytes(target, b"done")
    assert _open_fds() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


_RENDER = """
import sys, time
from pathlib import Path
from timeline_lab import Studio
from timeline_lab.core.events import RenderProgress

def stall(event):
    print("WRITING", flush=True)
    time.sleep(60)  # the render stops here, its part half written, until it is killed

src, out = Path(sys.argv[1]), Path(sys.argv[2])
studio = Studio()
project = studio.new_project("k", width=64, height=48, frame_rate=25)
project.tracks[0].append(studio.clip(src, 0, 100))
studio.bus.subscribe(RenderProgress, stall)
studio.render(project, out, progress=False, cluster=False)
"""


def test_a_render_killed_mid_write_leaves_nothing_after_the_next(
    tmp_path: Path, holder: list[subprocess.Popen[str]]
) -> None:
    src = make_clip(tmp_path / "src.mp4", width=64, height=48, rate=25, frames=100, tag=1, audio=False)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_RENDER), str(src), str(out / "film.mp4")],
        stdout=subprocess.PIPE,
        text=True,
    )
    holder.append(proc)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "WRITING"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith("film.mp4.") and left[0].endswith(".part")
    studio = Studio()
    project = studio.new_project("k", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 0, 25))
    studio.render(project, out / "film.mp4", progress=False)
    assert [p.name for p in out.iterdir()] == ["film.mp4"]


def test_a_finished_render_holds_no_staging_lock(tmp_path: Path) -> None:
    """The render, the smart render and a failed render let go of their part's lock at once."""
    from timeline_lab.errors import TimelineLabError

    def parts_open() -> list[str]:  # a renamed part's descriptor names the output it became
        return [
            t
            for fd in os.listdir("/proc/self/fd")
            if (t := _link(f"/proc/self/fd/{fd}")).startswith(str(tmp_path))
        ]

    clip = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=20)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("locks", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 3, 10))
    studio.render(project, tmp_path / "full.mp4", progress=False)
    from timeline_lab.render import ExportSettings
    from timeline_lab.render.smart import smart_render

    smart_render(project, ExportSettings(path=tmp_path / "smart.mp4"))
    (tmp_path / "theirs.mp4").write_bytes(b"not ours")
    with pytest.raises(TimelineLabError):
        studio.render(project, tmp_path / "theirs.mp4", progress=False)
    assert parts_open() == []


def _link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""
