"""annotate() and apply_frame_function(): effects on the clips of a source, saved with the project."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from timeline_lab.analysis.annotate import annotate, annotation_effect, apply_frame_function
from timeline_lab.errors import ProjectError
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip, Project
from timeline_lab.model.annotation import INLINE_ROWS
from timeline_lab.render.frame_function import FRAME_FUNCTIONS
from timeline_lab.studio import Studio


def detections(source: str, n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": [source] * n,
            "frame": list(range(n)),
            "class_id": [0] * n,
            "class_name": ["face"] * n,
            "conf": [0.5] * n,
            "x1": [1.0] * n,
            "y1": [2.0] * n,
            "x2": [30.0] * n,
            "y2": [40.0] * n,
            "track_id": [None] * n,
            "model": ["m"] * n,
        }
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("a") / "s.mp4", width=64, height=48, frames=10, audio=False)


def two_clips(studio: Studio, source: Path) -> Project:
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(source, 0, 5))
    project.tracks[0].append(studio.clip(source, 5, 5))
    return project


def test_annotate_marks_every_clip_of_the_source_and_survives_a_save(tmp_path: Path, source: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = two_clips(studio, source)
    assert annotate(project, detections(str(source), 10), style={"traces": 3}) == 2
    loaded = Project.model_validate_json(project.model_dump_json())
    for clip in loaded.tracks[0].items:
        assert isinstance(clip, Clip)
        (fx,) = clip.effects
        assert fx.kind == "annotate" and fx.params["style"]["traces"] == 3
        assert fx.params["columns"]["frame"] == list(range(10))
    project.undo()
    assert sum(len(c.effects) for c in project.tracks[0].items if isinstance(c, Clip)) == 1


def test_a_large_table_is_stored_as_parquet_by_fingerprint(tmp_path: Path, source: Path) -> None:
    big = detections(str(source), INLINE_ROWS + 1)
    with pytest.raises(ProjectError, match="store="):
        annotation_effect(big)
    fx = annotation_effect(big, store=tmp_path / "dets.parquet")
    assert fx.params["columns"] is None
    assert Path(fx.params["table"]["path"]).is_file() and len(fx.params["table"]["sha256"]) == 64


def test_a_table_without_sources_needs_clips(tmp_path: Path, source: Path) -> None:
    project = two_clips(Studio(workspace=tmp_path), source)
    rows = detections(str(source), 3).drop("source")
    with pytest.raises(ProjectError, match="clips="):
        annotate(project, rows)
    first = project.tracks[0].items[0].id
    assert annotate(project, rows, clips=[first]) == 1


def test_apply_frame_function_registers_and_marks_clips(tmp_path: Path, source: Path) -> None:
    project = two_clips(Studio(workspace=tmp_path), source)
    ff = apply_frame_function(project, lambda frame, t: frame, name="test.noop")
    assert ff is FRAME_FUNCTIONS.get("test.noop")
    kinds = [fx.kind for c in project.tracks[0].items if isinstance(c, Clip) for fx in c.effects]
    assert kinds == ["frame_function", "frame_function"]
