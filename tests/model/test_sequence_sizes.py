"""A nested sequence is at its project's size, as at its rate (the render draws it at the project's
size: one at another size was drawn as if it were that size, silently): add_sequence refuses another
size naming both, a size change of the outer project carries to its sequences at every depth (undone
with it), one of a nested sequence alone is refused, and a file whose sequence is at another size
loads with the project's."""

from __future__ import annotations

import json

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))
SIZES = [(160, 120), (320, 240), (160, 240), (320, 120), (1920, 1080)]


def _project(name: str, size: tuple[int, int]) -> Project:
    p = Project(name=name, settings=ProjectSettings(width=size[0], height=size[1], frame_rate=25))
    p.add_track(track=Track()).append(Clip(media=A, source_range=TimeRange.from_frames(0, 40, 25)))
    return p


def _chain(depth: int, size: tuple[int, int] = (160, 120)) -> list[Project]:
    levels = [_project(f"lvl{n}", size) for n in range(depth + 1)]
    for outer, inner in zip(reversed(levels[:-1]), reversed(levels[1:]), strict=True):
        outer.tracks[0].append(outer.sequence_clip(inner))
    levels[0].history.clear()
    return levels


@pytest.mark.parametrize("inner", SIZES)
@pytest.mark.parametrize("outer", SIZES[:2])
def test_add_sequence_refuses_another_size_by_name(outer: tuple[int, int], inner: tuple[int, int]) -> None:
    p, seq = _project("outer", outer), _project("inner", inner)
    if inner == outer:
        p.tracks[0].append(p.sequence_clip(seq))
        return
    want = f"sequence 'inner' is {inner[0]}x{inner[1]}; this project is {outer[0]}x{outer[1]}"
    with pytest.raises(ProjectError, match=want):
        p.sequence_clip(seq)
    with pytest.raises(ProjectError, match=want):  # and its recorded form, replayed
        p.apply({"op": "add_sequence", "sequence": seq.model_dump(mode="json")})
    assert p.sequences == []


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("changes", [{"width": 320}, {"height": 240}, {"width": 640, "height": 360}])
def test_a_size_change_carries_to_every_nested_sequence(depth: int, changes: dict[str, int]) -> None:
    levels = _chain(depth)
    before = io.dumps(levels[0])
    levels[0].apply({"op": "update_settings", "changes": changes})
    size = (levels[0].settings.width, levels[0].settings.height)
    assert all((p.settings.width, p.settings.height) == size for p in levels)
    assert io.dumps(io.loads(io.dumps(levels[0]))) == io.dumps(levels[0])
    levels[0].undo()
    assert io.dumps(levels[0]) == before


@pytest.mark.parametrize(("depth", "level"), [(1, 1), (2, 1), (2, 2)])
def test_a_nested_sequence_alone_keeps_its_project_size(depth: int, level: int) -> None:
    levels = _chain(depth)
    seq = levels[level]
    with pytest.raises(
        ProjectError, match=f"sequence 'lvl{level}' would be 320x120, but project 'lvl{level - 1}'"
    ):
        seq.apply({"op": "update_settings", "changes": {"width": 320}})
    seq.apply(
        {"op": "update_settings", "changes": {"background": "#102030"}}
    )  # its other settings are its own
    assert seq.settings.width == 160 and seq.settings.background == "#102030"


@pytest.mark.parametrize("depth", [1, 3])
@pytest.mark.parametrize("size", [(320, 240), (1920, 1080)])
def test_a_file_with_a_sequence_at_another_size_loads_at_the_projects(
    depth: int, size: tuple[int, int]
) -> None:
    data = json.loads(io.dumps(_chain(depth)[0]))
    seq = data
    for _ in range(depth):
        seq = seq["sequences"][0]
        seq["settings"] |= {"width": size[0], "height": size[1]}
    loaded = io.loads(json.dumps(data))
    seq_project = loaded
    for _ in range(depth):
        seq_project = seq_project.sequences[0]
        assert (seq_project.settings.width, seq_project.settings.height) == (160, 120)
