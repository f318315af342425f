"""What running the notebooks writes (media, renders, exchanged timelines, the scale notebook's
library, detections and model) is ignored by git, so a newcomer's `git status` stays clean.

The list is what the notebooks wrote when last run all four (nbconvert --execute in a clone)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WRITTEN = [
    "notebooks/media/bars_25fps_320x240.mp4",
    "notebooks/output/quickstart.mp4",
    "notebooks/output/cut.edl",
    "notebooks/my_first_edit.tlproj",
    "notebooks/my_first_edit.ipynb",
    "notebooks/exchange/cut.otio",
    "notebooks/moved/cut.tlproj",
    "notebooks/elsewhere/cut.tlproj",
    "notebooks/library/take0.mp4",
    "notebooks/detections/part-0.parquet",
    "notebooks/square.onnx",
    "notebooks/.timeline_lab/previews/p.mp4",
]


GIT = pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git")


@GIT
@pytest.mark.parametrize("path", WRITTEN)
def test_notebook_output_is_ignored(path: str) -> None:
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, timeout=30)
    assert done.returncode == 0, f"{path}: not in .gitignore"


@GIT
def test_the_notebooks_themselves_are_not() -> None:
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if nb.name == "my_first_edit.ipynb":
            continue
        done = subprocess.run(["git", "check-ignore", "-q", "--no-index", str(nb)], cwd=ROOT, timeout=30)
        assert done.returncode == 1, f"{nb.name} is ignored"
