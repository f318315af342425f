"""Files written beside the renders go through ``atomic`` too: the Jupyter extension's marker (which
tells kernels where the server serves media) and the synthetic media the tests and demos make. A
link planted at the name they used as a temp file was followed (the marker truncated and rewrote
the file it pointed to); a link at the output is refused, not written through or replaced."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from timeline_lab.atomic import OutputError
from timeline_lab.errors import MediaError
from timeline_lab.media.synth import make_clip
from timeline_lab.server import jupyter
from timeline_lab.server._keyfile import marker_path

PRECIOUS = b"precious data\n"


@pytest.mark.parametrize("planted", [".{name}.tmp", ".{name}.{pid}.tmp", "{name}.tmp"])
def test_the_jupyter_marker_never_writes_through_a_planted_link(tmp_path: Path, planted: str) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(PRECIOUS)
    path = marker_path(runtime, os.getpid())
    (runtime / planted.format(name=path.name, pid=os.getpid())).symlink_to(victim)
    try:
        jupyter._announce(runtime, "/base/")
        assert victim.read_bytes() == PRECIOUS
        assert json.loads(path.read_text())["base_url"] == "/base/"
        assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        jupyter._remove(path)


def test_the_jupyter_marker_refuses_a_link_at_its_own_name(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(PRECIOUS)
    path = marker_path(runtime, os.getpid())
    path.symlink_to(victim)
    with pytest.raises(OutputError, match=path.name):
        jupyter._announce(runtime, "/base/")
    assert victim.read_bytes() == PRECIOUS and path.is_symlink()


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv", ".webm"])
def test_synthetic_media_refuses_a_link_at_its_name(tmp_path: Path, suffix: str) -> None:
    victim = tmp_path / "victim.bin"
    victim.write_bytes(PRECIOUS)
    out = tmp_path / f"clip{suffix}"
    out.symlink_to(victim)
    with pytest.raises(MediaError, match=out.name):
        make_clip(out, width=64, height=48, rate=25, frames=3)
    assert victim.read_bytes() == PRECIOUS and out.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, victim.name])  # no .part left


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_synthetic_media_replaces_its_own_file_whole(tmp_path: Path, suffix: str) -> None:
    out = make_clip(tmp_path / f"clip{suffix}", width=64, height=48, rate=25, frames=3)
    again = make_clip(out, width=64, height=48, rate=25, frames=5, tag=7)
    assert again == out and out.is_file() and not out.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
