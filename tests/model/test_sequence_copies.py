"""A copy of a project (``model_copy``, deep or not, ``copy.deepcopy``) is a document of its own: not
nested where the original is, with a history and listeners of its own, so the refusal's advice
(nest a copy) works; a copy of an outer project keeps its own sequences nested in it."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))

COPIES: dict[str, Callable[[Project], Project]] = {
    "model_copy(deep=True)": lambda p: p.model_copy(deep=True),
    "model_copy(deep=True, update=id)": lambda p: p.model_copy(deep=True, update={"id": "twin"}),
    "copy.deepcopy": copy.deepcopy,
    "model_copy()": lambda p: p.model_copy(),
    "copy.copy": copy.copy,
}


def _chain(depth: int) -> list[Project]:
    """The outer project, then sequences nested ``depth`` deep, each showing the next."""
    levels = []
    for n in range(depth + 1):
        p = Project(id=f"lvl{n}", name=f"lvl{n}", settings=ProjectSettings(frame_rate=25))
        p.add_track(track=Track(id=f"T{n}")).append(
            Clip(media=A, source_range=TimeRange.from_frames(0, 40, 25))
        )
        levels.append(p)
    for outer, inner in zip(reversed(levels[:-1]), reversed(levels[1:]), strict=True):
        outer.tracks[0].append(outer.sequence_clip(inner))
    return levels


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize(("depth", "level"), [(1, 1), (2, 1), (2, 2), (3, 2)])
def test_a_copy_of_a_nested_sequence_is_not_nested(how: str, depth: int, level: int) -> None:
    levels = _chain(depth)
    seen: list[str] = []
    levels[level].subscribe(lambda op, _how: seen.append(op.op))
    twin = COPIES[how](levels[level])
    assert twin.nested_in() is None
    assert len(twin.history) == 0 and twin.history is not levels[0].history
    other = Project(name="other", settings=ProjectSettings(frame_rate=25))
    other.add_sequence(twin)  # the advice of the refusal to nest the original twice
    assert twin.nested_in() is other
    if how.startswith("model_copy(deep"):
        named = twin if "update" in how else twin.model_copy(deep=True, update={"id": "twin2"})
        levels[0].add_sequence(named.model_copy(deep=True))  # a second copy into the same document
    if "deep" in how:
        other.history.clear()
        twin.tracks[0].split(5)
        assert not seen and len(other.history) == 1
        assert [i.id for i in levels[level].tracks[0].items] != [i.id for i in twin.tracks[0].items]


def test_the_original_refusals_give_the_advice() -> None:
    outer, seq = _chain(1)
    with pytest.raises(ProjectError, match=r"model_copy\(deep=True, update=\{'id': 'new id'\}\)"):
        outer.add_sequence(seq)
    with pytest.raises(ProjectError, match=r"already nested in 'lvl0'; add a copy"):
        Project(name="other", settings=ProjectSettings(frame_rate=25)).add_sequence(seq)


@pytest.mark.parametrize("how", ["model_copy(deep=True)", "copy.deepcopy"])
@pytest.mark.parametrize("depth", [1, 3])
def test_a_deep_copy_of_the_outer_project_keeps_its_sequences(how: str, depth: int) -> None:
    levels = _chain(depth)
    twin = COPIES[how](levels[0])
    assert len(twin.history) == 0
    inner = twin
    for n in range(depth):
        nested = inner.sequences[0]
        assert nested is not levels[n + 1] and nested.nested_in() is inner
        inner = nested
    inner.tracks[0].split(5)  # an edit deep inside goes into the copy's one history
    assert len(twin.history) == 1 and len(levels[0].history) == len(_chain(depth)[0].history)
    assert io.dumps(levels[0]) != io.dumps(twin)
