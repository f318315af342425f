"""Detection times count from the stream's first shown frame (the model's source time, as clips and
the render count it), so segments cut and mark the right part of files that start late: an MP4
with a start offset, an MPEG-TS, a variable-rate Matroska file."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.media.probe import probe
from timeline_lab.recognition import ModelManager, ModelRegistry, recognize, segments
from timeline_lab.recognition.edits import add_markers, cut_to
from timeline_lab.studio import Studio

from .conftest import HEIGHT, WIDTH, write_synth

N = 10  # frames
VFR_MS = (0, 40, 80, 200, 240, 400, 440, 480, 600, 640)


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> ModelManager:
    return ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))


@pytest.mark.parametrize(
    ("suffix", "fmt", "stamps", "time_base"),
    [
        (".mp4", None, [250 + i for i in range(N)], Fraction(1, 25)),  # starts at 10 s
        (".ts", "mpegts", [250 + i for i in range(N)], Fraction(1, 25)),
        (".mkv", None, [1400 + ms for ms in VFR_MS], Fraction(1, 1000)),  # holes in the frame grid
    ],
)
def test_times_count_from_the_first_shown_frame(
    tmp_path: Path,
    square_model: Path,
    manager: ModelManager,
    suffix: str,
    fmt: str | None,
    stamps: list[int],
    time_base: Fraction,
) -> None:
    path = write_synth(tmp_path / f"late{suffix}", stamps=stamps, time_base=time_base, fmt=fmt)
    v = probe(path).primary_video
    assert v is not None and v.start.to_seconds() > 1
    df = recognize(path, square_model, manager=manager, cache=False)
    assert df["frame"].to_list() == list(range(N))
    want = [(t - stamps[0]) * time_base for t in stamps]
    assert [Fraction(p) for p in df["pts"].to_list()] == want
    assert df["pts_s"].to_list() == [float(t) for t in want]
    span = (Fraction(1, 5), Fraction(2, 5))  # ranges are source times too
    inside = [k for k, t in enumerate(want) if span[0] <= t < span[1]]
    part = recognize(path, square_model, manager=manager, ranges=[span], cache=False)
    assert part["frame"].to_list() == inside and part["pts"].to_list() == [str(want[k]) for k in inside]
    segs = segments(df, gap=1)
    assert segs["start"].to_list() == ["0"] and Fraction(segs["end"][0]) >= want[-1]
    (clip,) = cut_to(path, segs).tracks[0].items  # the whole file, not nothing or a tail
    assert clip.source_range.start.to_seconds() == 0
    assert clip.source_range.end_exclusive().to_seconds() > want[-1]
    studio = Studio()
    project = studio.new_project(width=WIDTH, height=HEIGHT, frame_rate=25)
    project.tracks[0].append(studio.clip(path, 0, N))
    (marker,) = add_markers(project, segs)
    assert marker.time.to_seconds() == 0
