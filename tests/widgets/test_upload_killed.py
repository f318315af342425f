"""A kernel killed (SIGKILL) in the middle of a desktop upload leaves only its hidden, unlocked
staging file: no empty file under the upload's name, and nothing that blocks that name. The next
upload of the name removes the leftover and takes the name (or the next free one), while an upload
another live kernel is still writing is left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline_lab.widgets.drops import new_upload

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="flock and SIGKILL: POSIX only")

NAMES = ["a.mp4", "my clip (1).mov", "ünï code.wav", ".x.mp4"]
_UPLOADER = """
import sys, time
from pathlib import Path
from timeline_lab.widgets.drops import new_upload
u = new_upload(Path(sys.argv[1]), sys.argv[2], 1000)
u.write(0, b"x" * 100)
print(u.target.name, flush=True)
time.sleep(60)
"""


@pytest.fixture
def uploaders() -> Iterator[list[subprocess.Popen[str]]]:
    """Kernels part way through an upload; any still running at the end are killed."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _start(procs: list[subprocess.Popen[str]], folder: Path, name: str) -> tuple[subprocess.Popen[str], str]:
    args = [sys.executable, "-c", _UPLOADER, str(folder), name]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    procs.append(proc)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _upload(folder: Path, name: str, data: bytes) -> Path:
    upload = new_upload(folder, name, len(data))
    upload.write(0, data)
    return upload.finish()


@pytest.mark.parametrize("name", NAMES)
def test_an_upload_killed_midway_blocks_nothing(
    tmp_path: Path, uploaders: list[subprocess.Popen[str]], name: str
) -> None:
    folder = tmp_path / "media"
    proc, planned = _start(uploaders, folder, name)
    _kill(proc)
    left = list(folder.iterdir())
    assert len(left) == 1 and left[0].name.startswith(f".{planned}.") and left[0].name.endswith(".part")
    assert not (folder / planned).exists()  # no empty file reserved under the name
    data = b"whole file" * 30
    assert _upload(folder, name, data) == folder / planned  # the name, not name-1, nor a refusal
    assert [p.name for p in folder.iterdir()] == [planned]  # the leftover went with it
    assert (folder / planned).read_bytes() == data


@pytest.mark.parametrize("name", NAMES)
def test_a_leftover_goes_even_when_the_name_is_taken_and_a_live_upload_stays(
    tmp_path: Path, uploaders: list[subprocess.Popen[str]], name: str
) -> None:
    folder = tmp_path / "media"
    first = _upload(folder, name, b"first")
    killed, _ = _start(uploaders, folder, name)
    _kill(killed)
    live, _ = _start(uploaders, folder, name)
    live_part = [p for p in folder.iterdir() if p.name.endswith(".part")]
    assert len(live_part) == 1  # the killed upload's part went at the live one's start
    second = _upload(folder, name, b"second")
    assert second.name == f"{first.stem}-1{first.suffix}" and second.read_bytes() == b"second"
    assert first.read_bytes() == b"first"
    assert live_part[0].exists() and live_part[0].read_bytes() == b"x" * 100  # still being written
    _kill(live)
    assert _upload(folder, name, b"third").name == f"{first.stem}-2{first.suffix}"
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".part")) == []


@pytest.mark.parametrize("taken", ["link", "dangling link", "folder", "file"])
def test_an_upload_never_replaces_what_has_its_name_in_a_linked_folder(tmp_path: Path, taken: str) -> None:
    real = tmp_path / "real"
    real.mkdir()
    folder = tmp_path / "media"
    folder.symlink_to(real)  # the media folder may itself be a link to another disk
    elsewhere = tmp_path / "elsewhere.mp4"
    elsewhere.write_bytes(b"precious")
    at = folder / "a.mp4"
    {
        "link": lambda: at.symlink_to(elsewhere),
        "dangling link": lambda: at.symlink_to(tmp_path / "nowhere"),
        "folder": at.mkdir,
        "file": lambda: at.write_bytes(b"mine"),
    }[taken]()
    assert _upload(folder, "a.mp4", b"new") == folder / "a-1.mp4"
    assert (real / "a-1.mp4").read_bytes() == b"new"
    assert elsewhere.read_bytes() == b"precious"
    assert at.is_symlink() == taken.endswith("link")
