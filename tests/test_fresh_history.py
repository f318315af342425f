"""A fresh project's undo history is empty, however it was made: undo never takes its tracks away."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.demo import build_demo_project
from timeline_lab.studio import Studio


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"width": 640, "height": 360, "frame_rate": 25},
        {"width": 320, "height": 240, "frame_rate": "29.97"},
        {"width": 160, "height": 120, "frame_rate": "24000/1001", "sample_rate": 44100},
    ],
)
def test_new_project_has_nothing_to_undo(settings: dict[str, object]) -> None:
    project = Studio().new_project("fresh", **settings)  # type: ignore[arg-type]
    assert not project.history.can_undo
    assert project.undo() is None
    assert [t.name for t in project.tracks] == ["V1"]


def test_undoing_every_edit_keeps_v1_usable(media: dict[str, Path]) -> None:
    studio = Studio()
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    v1.append(studio.clip(media["pal"], 0, 10))
    v1.append(studio.clip(media["pal"], 10, 5))
    while project.undo() is not None:
        pass
    assert project.tracks == [v1] and not v1.items
    v1.append(studio.clip(media["pal"], 0, 10))  # still in the project
    assert project.duration().to_frames(25) == 10


def test_demo_project_undoes_to_an_empty_v1(tmp_path: Path) -> None:
    from timeline_lab.media.synth import make_demo_media

    studio = Studio(workspace=tmp_path)
    project = build_demo_project(studio, make_demo_media(tmp_path / "media"))
    while project.undo() is not None:
        pass
    assert [t.name for t in project.tracks] == ["V1"] and not project.tracks[0].items


@pytest.mark.parametrize("name", ["p.tlproj", "p.otio"])
def test_opened_project_has_nothing_to_undo(media: dict[str, Path], tmp_path: Path, name: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 10))
    studio.save(project, name)
    opened = studio.open(name)
    assert opened.undo() is None
    assert [len(t.items) for t in opened.tracks] == [1]


def test_launcher_project_opens_with_nothing_to_undo(tmp_path: Path) -> None:
    from timeline_lab.server.companion import new_project

    path, _notebook = new_project(tmp_path, "card")
    opened = Studio(workspace=tmp_path).open(path)
    assert opened.undo() is None
    assert [t.name for t in opened.tracks] == ["V1"]
