"""A render into a folder that refuses new files (read-only, no permission) says which target and
folder, and why, on every output kind: not our hidden staging file's name and a raw errno."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline_lab.errors import RenderError
from timeline_lab.media.synth import make_clip
from timeline_lab.render.smart import smart_render
from timeline_lab.studio import Studio


@pytest.fixture(params=["read-only mount", "no write permission"])
def locked(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "locked"
    folder.mkdir()
    if request.param == "read-only mount":
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("mounting a read-only tmpfs needs root")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(folder)], capture_output=True)
        if r.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], check=False)
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes regardless of permissions")
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("src") / "c.mp4", width=64, height=48, rate=25, frames=10)


def _project(studio: Studio, clip: Path) -> object:
    project = studio.new_project("ro", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 10))
    return project


@pytest.mark.parametrize(
    ("name", "settings"),
    [("x.mp4", {}), ("x.gif", {}), ("x.wav", {}), ("frames", {"format": "png-sequence"}),
     ("f_%04d.png", {})],
)  # fmt: skip
def test_the_error_names_the_target_its_folder_and_why(
    locked: Path, clip: Path, tmp_path: Path, name: str, settings: dict[str, str]
) -> None:
    studio = Studio(workspace=tmp_path / "ws")
    target = locked / name
    with pytest.raises(RenderError) as err:
        studio.render(_project(studio, clip), target, progress=False, cluster=False, **settings)
    text = str(err.value)
    assert text.startswith(f"{target}: cannot write in {locked} (")
    assert ".part" not in text and "Errno" not in text


def test_smart_render_says_the_same(locked: Path, clip: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path / "ws")
    project = _project(studio, clip)
    with pytest.raises(RenderError, match=rf"^{locked / 'x.mp4'}: cannot write in {locked} \("):
        smart_render(project, studio.plan(project, locked / "x.mp4").export)


def test_the_command_line_says_it_in_one_line(locked: Path, clip: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path / "ws")
    saved = tmp_path / "p.tlproj"
    studio.save(_project(studio, clip), saved)
    render = ["render", str(saved), "-o", str(locked / "x.mp4"), "-q"]
    for args in (render, ["schema", "-o", str(locked / "s.json")]):
        cmd = [sys.executable, "-m", "timeline_lab", *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        assert r.returncode == 1
        assert r.stderr.count("\n") == 1 and "Errno" not in r.stderr and ".part" not in r.stderr, r.stderr
        assert str(locked / ("x.mp4" if args[0] == "render" else "s.json")) in r.stderr
