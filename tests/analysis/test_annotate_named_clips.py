"""annotate(clips=[...]) with a table of several files: each named clip gets its own file's rows
only, whatever the order of the sources in the table."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest

from tests.analysis.test_annotate import detections
from timeline_lab.analysis.annotate import annotate
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("three")
    return [make_clip(d / f"{n}.mp4", width=64, height=48, frames=6, audio=False) for n in "abc"]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
@pytest.mark.parametrize("named", [(0,), (1,), (0, 2), (0, 1, 2)])
def test_named_clips_get_only_their_own_files_rows(
    tmp_path: Path, files: list[Path], order: tuple[int, ...], named: tuple[int, ...]
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    clips = [project.tracks[0].append(studio.clip(f, 0, 6)) for f in files]
    table = pl.concat([detections(str(files[k]), k + 1) for k in order])
    assert annotate(project, table, clips=[clips[k].id for k in named]) == len(named)
    for k, item in enumerate(project.tracks[0].items):
        assert isinstance(item, Clip)
        fx = [e for e in item.effects if e.kind == "annotate"]
        if k not in named:
            assert fx == []
            continue
        (only,) = fx
        assert Path(only.params["source"]) == files[k]
        assert only.params["columns"]["frame"] == list(range(k + 1))
