"""An upload whose first chunk comes again (a retry) starts over: the earlier staging file is removed,
not left behind as an orphan in the media folder, and the file placed is the one sent."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from timeline_lab import Studio
from timeline_lab.model import Project
from timeline_lab.widgets import TimelineWidget

from .conftest import record


def _chunk(data: bytes, offset: int, last: bool, track: str) -> dict[str, Any]:
    return {
        "kind": "upload",
        "seq": 3,
        "upload": "k",
        "batch": "k",
        "index": 0,
        "name": "b.mp4",
        "size": len(data),
        "offset": offset,
        "last": last,
        "track": track,
        "frame": 0,
    }


@pytest.mark.parametrize(
    "plan",
    [
        [0, 0, 1],  # the first chunk twice
        [0, 0, 0, 1],
        [0, 1, 0, 1],  # started over after the second chunk too
        [0, 1, 0, 1, 2],
    ],
)
def test_a_restarted_upload_leaves_one_file(
    project: Project, studio: Studio, media: dict[str, Path], tmp_path: Path, plan: list[int]
) -> None:
    folder = tmp_path / "uploads"
    w = TimelineWidget(project, studio=studio, media_folder=folder)
    sent = record(w)
    data = media["wide"].read_bytes()
    parts = 1 + max(plan)
    cuts = [len(data) * k // parts for k in range(parts + 1)]
    for n, k in enumerate(plan):
        last = n == len(plan) - 1
        msg = _chunk(data, cuts[k], last and k == parts - 1, project.tracks[0].id)
        w._on_msg(w, msg, [data[cuts[k] : cuts[k + 1]]])
    assert sent.last("ack")["seq"] == 3 and "refused" not in sent.kinds()
    assert sorted(os.listdir(folder)) == ["b.mp4"]  # no staging file left beside it
    assert (folder / "b.mp4").read_bytes() == data
    w.close()
    assert sorted(os.listdir(folder)) == ["b.mp4"]


def test_a_restarted_upload_not_finished_leaves_nothing_at_close(
    project: Project, studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "uploads"
    w = TimelineWidget(project, studio=studio, media_folder=folder)
    record(w)
    data = media["wide"].read_bytes()
    for _ in range(3):
        w._on_msg(w, _chunk(data, 0, False, project.tracks[0].id), [data[:100]])
    w.close()
    assert os.listdir(folder) == []
