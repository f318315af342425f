"""Whoever can write an output's folder may swap its ``.part`` staging file for a link to a file of
theirs, the moment it is made or as it is renamed. No writer then writes through the link (the
victim keeps its bytes), and no output ends as a link: the render, the smart render, a proxy, a
project save and atomic_write_bytes refuse with an error that names the output."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from timeline_lab import atomic
from timeline_lab.errors import TimelineLabError
from timeline_lab.media.proxy import make_proxy
from timeline_lab.media.synth import make_clip
from timeline_lab.model import io as project_io
from timeline_lab.render import ExportSettings
from timeline_lab.render.smart import smart_render
from timeline_lab.studio import Studio

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="writes through /proc/self/fd")

PRECIOUS = b"precious data\n" * 100


def _swap(part: Path, victim: Path) -> None:
    """Put a link to ``victim`` at ``part`` in one rename, as another user of the folder could."""
    tmp = part.with_name("evil.lnk")
    tmp.symlink_to(victim)
    tmp.rename(part)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("src")
    return make_clip(folder / "c.mp4", width=64, height=48, rate=25, frames=20, tone_hz=330)


def _render(clip: Path, out: Path) -> None:
    studio = Studio(workspace=out.parent)
    project = studio.new_project("swap", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 3, 10))
    studio.render(project, out, progress=False, cluster=False)


def _smart(clip: Path, out: Path) -> None:
    studio = Studio(workspace=out.parent)
    project = studio.new_project("swap", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 20))
    smart_render(project, ExportSettings(path=out))


def _save(clip: Path, out: Path) -> None:
    studio = Studio(workspace=out.parent)
    project = studio.new_project("swap", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 5))
    project_io.save(project, out)


def _proxy(clip: Path, out: Path) -> None:
    make_proxy(clip, out, height=32)


def _bytes(clip: Path, out: Path) -> None:
    atomic.atomic_write_bytes(out, b"new contents")


WRITERS: dict[str, tuple[str, Callable[[Path, Path], None]]] = {
    "render": ("out.mp4", _render),
    "smart render": ("smart.mp4", _smart),
    "proxy": ("proxy.mp4", _proxy),
    "project save": ("p.tlproj", _save),
    "atomic_write_bytes": ("data.bin", _bytes),
}


Arm = Callable[[Path, Path], None]  # (victim, the folder whose staging files are swapped)


@pytest.fixture
def when_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[Arm]:
    """Swap each staging file for a link the moment it is made (before a byte is written)."""
    armed: dict[Path, Path] = {}
    made = atomic.staging_file

    def staging_file(target: Path, **kw: bool | int) -> Path:
        part = made(target, **kw)  # type: ignore[arg-type]
        if part.parent in armed:
            _swap(part, armed[part.parent])
        return part

    monkeypatch.setattr(atomic, "staging_file", staging_file)
    yield lambda victim, folder: armed.__setitem__(folder, victim)


@pytest.fixture
def when_renamed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Arm]:
    """Swap a staging file for a link just as it is renamed onto its output (after every check)."""
    armed: dict[Path, Path] = {}
    replace = os.replace

    def swapping(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        part = Path(src)
        if part.parent in armed and part.name.endswith(".part") and not part.is_symlink():
            _swap(part, armed[part.parent])
        replace(src, dst)

    monkeypatch.setattr(os, "replace", swapping)
    yield lambda victim, folder: armed.__setitem__(folder, victim)


@pytest.mark.parametrize("when", ["when_made", "when_renamed"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_link_swapped_in_for_the_part_is_never_written_through_nor_renamed_into_place(
    tmp_path: Path, clip: Path, writer: str, when: str, request: pytest.FixtureRequest
) -> None:
    name, write = WRITERS[writer]
    victim = tmp_path / "victim.txt"
    victim.write_bytes(PRECIOUS)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    request.getfixturevalue(when)(victim, out_dir)
    with pytest.raises(TimelineLabError, match=r"\.part|link") as err:
        write(clip, out_dir / name)
    assert name in str(err.value)
    assert victim.read_bytes() == PRECIOUS
    target = out_dir / name
    assert not target.is_symlink()
    assert not [p for p in out_dir.iterdir() if p.is_symlink()]  # the planted link is removed too


@pytest.mark.parametrize("writer", list(WRITERS))
def test_without_a_swap_every_writer_still_finishes_whole(tmp_path: Path, clip: Path, writer: str) -> None:
    """Written through /proc/self/fd: faststart's second pass and the rename still work."""
    name, write = WRITERS[writer]
    write(clip, tmp_path / name)
    out = tmp_path / name
    assert out.is_file() and not out.is_symlink() and out.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    if name.endswith(".mp4"):  # faststart's second pass opened the file again: its index comes first
        head = out.read_bytes()
        assert 0 <= head.find(b"moov") < head.find(b"mdat")


def test_a_part_replaced_by_another_regular_file_is_refused(tmp_path: Path) -> None:
    """Not only links: any other file put at the part's name is not renamed onto the output."""
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    part = atomic.staging_file(target)
    with atomic.write_path(part).open("wb") as fh:
        fh.write(b"ours")
    stranger = tmp_path / "stranger"
    stranger.write_bytes(b"theirs")
    stranger.replace(part)
    with pytest.raises(atomic.OutputError, match="was replaced while it was written"):
        atomic.commit(part, target)
    assert target.read_bytes() == b"old"
    atomic.release(part)
