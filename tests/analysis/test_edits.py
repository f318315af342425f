"""Zone occupancy becomes edits: a timeline of the occupied frames, exact at NTSC rates."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import polars as pl
import pytest

from timeline_lab.analysis import Zone, occupancy_segments, project_from_ranges
from timeline_lab.model.items import Clip
from timeline_lab.recognition import cut_to

from ._tracks_data import NTSC, table


@pytest.fixture(scope="module")
def ntsc_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zones") / "ntsc.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=NTSC)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(60):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 4, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _spans(path: Path) -> pl.DataFrame:
    obs = [(1, f, 5, 5) for f in (*range(10, 20), *range(30, 45))] + [(1, 59, 0, 0)]
    tracks = table(obs).with_columns(source=pl.lit(str(path)))
    return occupancy_segments(tracks, Zone([(2, 2), (9, 2), (9, 9), (2, 9)]))


def test_ranges_become_clips_at_exact_times(ntsc_video: Path) -> None:
    spans = _spans(ntsc_video)
    project = project_from_ranges(ntsc_video, spans, label="visible {i}")
    clips = [c for c in project.video_tracks()[0].items if isinstance(c, Clip)]
    assert [c.name for c in clips] == ["visible 1", "visible 2"]
    assert project.settings.frame_rate == NTSC
    ranges = [(c.source_range.start.to_seconds(), c.source_range.end_exclusive().to_seconds()) for c in clips]
    assert ranges == [(10 / NTSC, 20 / NTSC), (30 / NTSC, 45 / NTSC)]
    assert clips[1].start.to_seconds() == Fraction(10) / NTSC


def test_recognition_cut_to_takes_occupancy_segments(ntsc_video: Path) -> None:
    project = cut_to(ntsc_video, _spans(ntsc_video))
    clips = [c for c in project.video_tracks()[0].items if isinstance(c, Clip)]
    assert [c.source_range.duration.to_frames(NTSC) for c in clips] == [10, 15]


def test_pairs_are_clipped_to_the_media(ntsc_video: Path) -> None:
    project = project_from_ranges(ntsc_video, [(50, 80), (70, 90)])
    clips = [c for c in project.video_tracks()[0].items if isinstance(c, Clip)]
    assert [c.source_range.duration.to_frames(NTSC) for c in clips] == [10]
