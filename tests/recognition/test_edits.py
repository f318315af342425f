"""Edits from results: markers where the project shows a segment, and a cut to those moments."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.media.synth import read_frame_indices
from timeline_lab.model.time import RationalTime
from timeline_lab.recognition import (
    ModelManager,
    ModelRegistry,
    RecognitionError,
    add_markers,
    cut_to,
    recognize,
    segments,
)
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def found(videos: dict[str, Path], square_model: Path, tmp_path_factory: pytest.TempPathFactory):
    """The square seen during [0, 0.4) and [1.2, 1.6) s of square.mp4 (two segments)."""
    manager = ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))
    ranges = [(0, Fraction(2, 5)), (Fraction(6, 5), Fraction(8, 5))]
    df = recognize(videos["square"], square_model, manager=manager, ranges=ranges, tracker="iou", cache=False)
    segs = segments(df)
    assert segs.select("start", "end").rows() == [("0", "2/5"), ("6/5", "8/5")]
    return segs


def test_markers_follow_trim_and_speed(videos: dict[str, Path], found, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    track = project.tracks[0]
    track.append(studio.clip(videos["square"], 5, 20))  # source frames 5..24 at timeline 0..19
    fast = studio.clip(videos["square"], 20, 30, speed=2)  # source 20..49 at 2x: timeline 20..34
    track.append(fast)
    markers = add_markers(project, found, label="{class_name} ({frames} frames)")
    spans = [(m.time.to_frames(25), m.duration.to_frames(25), m.name) for m in markers]
    assert spans == [
        (0, 5, "square (10 frames)"),  # source [0.2, 0.4) of the first clip
        (25, 5, "square (10 frames)"),  # source [1.2, 1.6) = 30..39 at 2x -> 25..29.5, snapped outwards
    ]
    assert project.markers == markers and markers[0].color == markers[1].color
    assert "square.mp4 0..2/5 s" in markers[0].note


def test_markers_on_timeline_time(found, tmp_path: Path) -> None:
    project = Studio(workspace=tmp_path).new_project(frame_rate=Fraction(30000, 1001))
    markers = add_markers(project, found, on="timeline")
    assert markers[0].time == RationalTime(0, Fraction(30000, 1001))
    assert (
        markers[1].time.to_frames() == 35 and markers[1].duration.to_frames() == 13
    )  # [35.96, 47.95) -> [35, 48)


@pytest.mark.slow
def test_cut_to_media_is_frame_exact(videos: dict[str, Path], found, tmp_path: Path) -> None:
    project = cut_to(videos["square"], found, padding=Fraction(1, 5))
    ranges = [c.source_range.to_frames() for c in project.tracks[0].items]
    assert ranges == [(0, 15), (25, 20)]  # [0, 0.6) and [1.0, 1.8) after padding
    assert project.settings.frame_rate == 25 and project.settings.width == 320
    out = Studio(workspace=tmp_path).render(project, tmp_path / "cut.mp4", progress=False)
    assert [i for i, _ in read_frame_indices(out)] == [*range(0, 15), *range(25, 45)]


def test_cut_to_project_keeps_clip_settings(videos: dict[str, Path], found, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    clip = project.tracks[0].append(studio.clip(videos["square"], 10, 40))
    project.tracks[0].update(clip.id, opacity=0.5)
    cut = cut_to(project, found, padding="0.2", name="moments")
    items = cut.tracks[0].items
    assert [c.source_range.to_frames() for c in items] == [(10, 5), (25, 20)]
    assert [c.start.to_frames(25) for c in items] == [0, 5]
    assert all(c.opacity == 0.5 and c.id != clip.id for c in items)
    assert cut.name == "moments" and len(project.tracks[0].items) == 1  # the original is untouched


def test_cut_to_merges_overlaps_and_checks_input(videos: dict[str, Path], found) -> None:
    merged = cut_to(videos["square"], found, padding=1)
    assert [c.source_range.to_frames() for c in merged.tracks[0].items] == [(0, 50)]
    with pytest.raises(RecognitionError, match="padding"):
        cut_to(videos["square"], found, padding=-1)
    with pytest.raises(RecognitionError, match="missing columns"):
        cut_to(videos["square"], found.drop("end"))
