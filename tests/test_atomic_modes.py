"""A save over an existing file keeps its permissions (it reset a private 0600 project to 0644)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from timeline_lab import atomic
from timeline_lab.model import io
from timeline_lab.model.project import Project


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mode", [0o600, 0o660, 0o640, 0o644, 0o664, 0o444, 0o700, 0o000])
def test_replacing_a_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    os.chmod(target, mode)
    atomic.atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == mode


@pytest.mark.parametrize("mode", [0o600, 0o660, 0o640])
def test_saving_a_project_over_itself_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "p.tlproj"
    io.save(Project(name="p"), target)
    os.chmod(target, mode)
    io.save(Project(name="q"), target)
    assert io.load(target).name == "q" and _mode(target) == mode


def test_a_new_file_gets_0644_less_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic.atomic_write_bytes(tmp_path / "new.bin", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new.bin") == 0o640


def test_set_id_bits_are_not_carried_and_an_explicit_mode_wins(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o4755)
    atomic.atomic_write_bytes(target, b"new")
    assert _mode(target) == 0o755
    atomic.atomic_write_bytes(target, b"secret", mode=0o600)
    assert _mode(target) == 0o600
