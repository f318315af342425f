"""studio.relink of an open project: one undo step, all or nothing, locked tracks relinked too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model.items import SequenceClip
from timeline_lab.model.project import Project
from timeline_lab.model.time import TimeRange
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("relink_sources")
    return [
        make_clip(d / f"{n}.mp4", width=64, height=48, rate=25, frames=12, tag=n, audio=False) for n in (1, 2)
    ]


def _project(studio: Studio, a: Path, b: Path) -> Project:
    """V1: a, b; V2: a; a nested sequence (its own V1: b) shown on V1."""
    project = studio.new_project("p", width=64, height=48, frame_rate=25)
    inner = studio.new_project("inner", width=64, height=48, frame_rate=25)
    inner.tracks[0].append(studio.clip(b, 0, 4))
    project.add_sequence(inner)
    v1 = project.tracks[0]
    v1.append(studio.clip(a, 0, 4))
    v1.append(studio.clip(b, 2, 4))
    v1.append(SequenceClip(sequence=inner.id, source_range=TimeRange.from_frames(0, 4, 25)))
    project.add_track("video").append(studio.clip(a, 5, 4))
    return project


def _paths(project: Project) -> list[str]:
    return [c.media.path for c in project.clips()]


def _locks(project: Project) -> list[bool]:
    return [t.locked for t in project.all_tracks()]


@pytest.mark.parametrize("locked", [(), (0,), (1,), ("inner",), (0, 1, "inner")])
def test_relink_is_one_undo_step_and_reaches_locked_tracks(
    tmp_path: Path, sources: list[Path], locked: tuple[int | str, ...]
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    a, b = (Path(shutil.copy(s, here / s.name)) for s in sources)
    studio = Studio(workspace=tmp_path)
    project = _project(studio, a, b)
    for which in locked:
        track = project.sequences[0].tracks[0] if which == "inner" else project.tracks[int(which)]
        track.configure(locked=True)
    project.history.clear()
    before_paths, before_locks = _paths(project), _locks(project)
    moved = tmp_path / "moved"
    shutil.move(here, moved)

    assert studio.relink(project, moved) == []
    assert all(Path(p).parent == moved.resolve() for p in _paths(project))
    assert _locks(project) == before_locks
    project.undo()
    assert _paths(project) == before_paths and _locks(project) == before_locks
    assert project.undo() is None  # it was one step
    project.redo()
    assert all(Path(p).parent == moved.resolve() for p in _paths(project))
    assert _locks(project) == before_locks
    studio.close()


def test_nothing_found_is_no_step(tmp_path: Path, sources: list[Path]) -> None:
    here = tmp_path / "here"
    here.mkdir()
    a, b = (Path(shutil.copy(s, here / s.name)) for s in sources)
    studio = Studio(workspace=tmp_path)
    project = _project(studio, a, b)
    project.history.clear()
    shutil.rmtree(here)
    assert sorted(studio.relink(project, tmp_path)) == sorted({str(a), str(b)})
    assert project.undo() is None
    studio.close()
