"""A copied nested-sequence clip pastes into a project of another size (its sequence, nested ones
too, takes that size, as every nested sequence is at its project's: the paste was refused once
add_sequence refused another size), and into one at another frame rate it is refused by name,
naming both rates, before anything changes (a limit the README states: the sequence's times are on
its own rate's grid)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io
from timeline_lab.model.items import SequenceClip
from timeline_lab.widgets.clipboard import copy, paste_ops

MEDIA = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))


def _project(name: str, size: tuple[int, int], rate: Fraction = Fraction(25)) -> Project:
    p = Project(name=name, settings=ProjectSettings(width=size[0], height=size[1], frame_rate=rate))
    p.add_track(track=Track(name="V1"))
    return p


def _source(size: tuple[int, int], depth: int) -> tuple[Project, SequenceClip]:
    """A project showing a sequence (``depth`` levels of sequences) of its size; the showing clip."""
    levels = [_project(f"s{n}", size) for n in range(depth + 1)]
    for n, p in enumerate(levels):
        p.tracks[0].append(Clip(media=MEDIA, source_range=TimeRange.from_frames(10 * n, 8, 25)))
    for outer, inner in zip(reversed(levels[:-1]), reversed(levels[1:]), strict=True):
        outer.tracks[0].append(outer.sequence_clip(inner))
    return levels[0], levels[0].tracks[0].items[-1]  # type: ignore[return-value]


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("source", [(160, 120), (320, 240)])
@pytest.mark.parametrize("dest", [(160, 120), (640, 360), (320, 120)])
@pytest.mark.parametrize("mode", ["overwrite", "insert"])
def test_a_nested_clip_pastes_into_a_project_of_another_size(
    depth: int, source: tuple[int, int], dest: tuple[int, int], mode: str
) -> None:
    p, clip = _source(source, depth)
    q = _project("dest", dest)
    q.apply_all(paste_ops(q, copy(p, [clip.id]), q.tracks[0].id, 3, mode))  # type: ignore[arg-type]
    pasted = [i for i in q.tracks[0].items if isinstance(i, SequenceClip)]
    assert len(pasted) == 1 and pasted[0].frames(Fraction(25)) == clip.frames(Fraction(25))
    seq, seen = q.sequence(pasted[0].sequence), 0
    while True:
        assert (seq.settings.width, seq.settings.height) == dest
        seen += 1
        if not seq.sequences:
            break
        seq = seq.sequences[0]
    assert seen == depth
    assert io.dumps(io.loads(io.dumps(q))) == io.dumps(q)


@pytest.mark.parametrize("rate", [Fraction(30000, 1001), Fraction(24), Fraction(50)])
@pytest.mark.parametrize("depth", [1, 2])
def test_a_nested_clip_at_another_rate_is_refused_by_name(rate: Fraction, depth: int) -> None:
    p, clip = _source((160, 120), depth)
    q = _project("dest", (160, 120), rate)
    before = io.dumps(q)
    want = f"paste: nested sequence 's1' is at 25 fps, this project at {rate}: a nested-sequence clip"
    with pytest.raises(ProjectError, match=want):
        paste_ops(q, copy(p, [clip.id]), q.tracks[0].id, 0)
    assert io.dumps(q) == before
