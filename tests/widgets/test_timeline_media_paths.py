"""The timeline's thumbnail request ({"kind": "media", "media": PATH}) decodes only media the project's
clips use or a file under ``files_root`` (it decoded any file the front end named); others are
answered with an error naming the path, and nothing is decoded."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from timeline_lab import Studio
from timeline_lab.model import Project
from timeline_lab.widgets import TimelineWidget

from .conftest import Sent, record


def _answer(sent: Sent, path: str) -> tuple[dict[str, Any], list[bytes]]:
    for _ in range(300):
        for msg, buffers in sent:
            if msg["kind"] == "media" and msg["media"] == path:
                return msg, buffers
        time.sleep(0.02)
    raise AssertionError(f"no answer for {path}")


@pytest.fixture
def places(tmp_path: Path, media: dict[str, Path]) -> dict[str, Path]:
    root, private = tmp_path / "root", tmp_path / "private"
    root.mkdir()
    private.mkdir()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(private / "secret.png")
    shutil.copy(media["wide"], root / "shared.mp4")
    (root / "link.png").symlink_to(private / "secret.png")
    return {"root": root, "private": private}


@pytest.mark.parametrize(
    "ask",
    [
        "{private}/secret.png",  # absolute, outside the root
        "../private/secret.png",
        "link.png",  # a link under the root to a file outside it
        "{root}/shared.mp4",  # absolute: the file browser sends paths relative to its root
        "missing.mp4",
        "",
    ],
)
def test_other_paths_are_refused_by_name(
    project: Project, studio: Studio, places: dict[str, Path], ask: str
) -> None:
    w = TimelineWidget(project, studio=studio, files_root=places["root"])
    sent = record(w)
    path = ask.format(**{k: str(v) for k, v in places.items()})
    w._on_msg(w, {"kind": "media", "media": path}, [])
    msg, buffers = _answer(sent, path)
    assert msg["error"] == f"{path!r}: not media of this project's clips nor a file under files_root"
    assert buffers == [] and "tiles" not in msg


def test_the_clips_media_and_files_under_the_root_are_answered(
    project: Project, studio: Studio, places: dict[str, Path]
) -> None:
    w = TimelineWidget(project, studio=studio, files_root=places["root"])
    sent = record(w)
    used = project.tracks[0].items[0].media.path
    for path in (used, "shared.mp4", f"{places['root'].name}/shared.mp4"):
        w._on_msg(w, {"kind": "media", "media": path}, [])
        msg, buffers = _answer(sent, path)
        assert "error" not in msg and msg["has_strip"] and buffers, msg
