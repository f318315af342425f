"""Every output is staged in a new file of ours and renamed into place: never through a link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from timeline_lab import atomic
from timeline_lab.errors import ProjectFileError
from timeline_lab.model import Project, ProjectSettings, io


def _project() -> Project:
    project = Project(name="p", settings=ProjectSettings(width=64, height=48, frame_rate=25))
    project.add_track("video", "V1")
    return project


def test_a_save_never_writes_through_a_planted_part_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    for name in ("p.tlproj.part", ".p.tlproj.part"):
        (tmp_path / name).symlink_to(outside)
    io.save(_project(), tmp_path / "p.tlproj")
    assert outside.read_text() == "keep"
    assert io.load(tmp_path / "p.tlproj").name == "p"
    assert oct((tmp_path / "p.tlproj").stat().st_mode & 0o777) == "0o644"


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_a_target_that_is_not_a_plain_file_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "p.tlproj"
    outside = tmp_path / "outside.tlproj"
    outside.write_text("keep")
    if kind == "symlink":
        target.symlink_to(outside)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    # (a ProjectFileError from io.save: it names the file, as every save refusal does)
    with pytest.raises(ProjectFileError, match=r"p\.tlproj: is (a symbolic link|not a regular file)"):
        io.save(_project(), target)
    assert outside.read_text() == "keep"
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


def test_a_link_planted_while_writing_is_not_replaced(tmp_path: Path) -> None:
    target, outside = tmp_path / "out.bin", tmp_path / "outside.bin"
    outside.write_bytes(b"keep")
    with pytest.raises(atomic.OutputError, match="symbolic link"), atomic.staged(target) as part:
        part.write_bytes(b"new")
        target.symlink_to(outside)  # someone plants a link before the rename
    assert target.is_symlink() and outside.read_bytes() == b"keep"
    assert not list(tmp_path.glob(".*.part"))


def test_staging_files_are_new_and_private_to_us(tmp_path: Path) -> None:
    target = tmp_path / "x.mp4"
    names = {atomic.staging_file(target) for _ in range(50)}
    assert len(names) == 50 and all(p.parent == tmp_path and p.name.endswith(".part") for p in names)
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" and p.stat().st_size == 0 for p in names)
    secret = atomic.staging_file(target, mode=0o600)
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(atomic.OutputError, match="does not exist"):
        atomic.staging_file(tmp_path / "missing" / "x.mp4")
