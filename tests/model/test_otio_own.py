"""Our own ``.otio`` files opened again (review 61): a sequence shown twice, sequences no track
shows yet and image-sequence clips come back as they were (the model, not a count)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import Marker, Project, RationalTime
from timeline_lab.studio import Studio


def _dump(project: Project) -> dict[str, Any]:
    return project.model_dump(mode="json")


def _sequence(studio: Studio, cam: Path, name: str, first: int) -> Project:
    seq = studio.new_project(name, width=176, height=144, frame_rate=24)
    seq.tracks[0].append(studio.clip(cam, first, 12))
    seq.add_marker(Marker(time=RationalTime(3, 24), name=f"in {name}"))
    seq.history.clear()
    return seq


@pytest.mark.parametrize("shown", [1, 2, 3])
def test_a_sequence_shown_more_than_once_comes_back_once(cam: Path, tmp_path: Path, shown: int) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("shared", width=176, height=144, frame_rate=24)
    seq = _sequence(studio, cam, "inner", 0)
    for k in range(shown):
        project.tracks[0].append(project.sequence_clip(seq, k, 12 - 2 * k))
    back = read_otio(write_otio(project, tmp_path / "cut.otio"))
    assert _dump(back) == _dump(project)
    assert [i.sequence for i in back.tracks[0].items] == [seq.id] * shown


@pytest.mark.parametrize("placed", [(), (0,), (1,), (0, 2), (0, 1, 2)])
def test_sequences_no_track_shows_come_back_in_their_order(
    cam: Path, tmp_path: Path, placed: tuple[int, ...]
) -> None:
    """Any of three sequences on the track, the rest only kept in the project (a bin)."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("bins", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(cam, 0, 12))
    seqs = [_sequence(studio, cam, f"cut {k}", 4 * k) for k in range(3)]
    for seq in seqs:
        project.add_sequence(seq)
    for k in placed:
        project.tracks[0].append(project.sequence_clip(seqs[k]))
    back = read_otio(write_otio(project, tmp_path / "cut.otio"))
    assert [s.name for s in back.sequences] == ["cut 0", "cut 1", "cut 2"]
    assert _dump(back) == _dump(project)


@pytest.fixture(scope="module")
def pngs(cam: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The camera media as numbered PNGs from 1, as renderers write them."""
    folder = tmp_path_factory.mktemp("otio-seq")
    with av.open(str(cam)) as c:
        for n, frame in enumerate(c.decode(video=0)):
            frame.to_image().save(folder / f"f{n + 1:04d}.png")
    return folder


@pytest.mark.parametrize("spelling", ["f%04d.png", "*.png", ""])
def test_an_image_sequence_clip_comes_back(pngs: Path, tmp_path: Path, spelling: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("seq", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(pngs / spelling if spelling else pngs, 2, 12, rate=24))
    back = read_otio(write_otio(project, tmp_path / "cut.otio"))
    assert _dump(back) == _dump(project)
