"""Segments end when their last frame leaves the screen (the next source frame's time), and cut_to
cuts the frames they cover through the clips' own source ranges: on a variable-rate source a
held picture counts to its own end and no frame without the object is cut in."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.clips import clip_of, source_range
from timeline_lab.media.reference import reference_for
from timeline_lab.media.synth import _render
from timeline_lab.model.items import Clip
from timeline_lab.model.media_ref import MediaReference
from timeline_lab.model.project import Project
from timeline_lab.model.settings import ProjectSettings
from timeline_lab.recognition import ModelManager, ModelRegistry, cut_to, recognize, segments
from timeline_lab.recognition.demo_detector import square_detector

from .conftest import HEIGHT, WIDTH, square_box

SEEN = range(5, 15)  # the square is there in these frames only
SOURCES: dict[str, tuple[list[int], Fraction]] = {
    "cfr": (list(range(20)), Fraction(1, 25)),
    "drops": ([0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 19, 20, 21, 22, 23, 24], Fraction(1, 25)),
    # the last frame with the square is held three frame times
    "held_end": ([*range(15), 18, 19, 20, 21, 22], Fraction(1, 25)),
    "switch": ([2 * i for i in range(10)] + [20 + i for i in range(10)], Fraction(1, 50)),
}


def _write(path: Path, stamps: list[int], tb: Fraction) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25, options={"crf": "12", "preset": "veryfast"})
        s.width, s.height, s.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        s.codec_context.time_base = tb
        for i, pts in enumerate(stamps):
            img = np.ascontiguousarray(_render(i, 0, WIDTH, HEIGHT))
            if i not in SEEN:  # no object: the square painted grey
                x1, y1, x2, y2 = square_box(i)
                img[y1:y2, x1:x2] = 128
            frame = av.VideoFrame.from_ndarray(img, "rgb24")
            frame.pts, frame.time_base = pts, tb
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ModelManager]:
    d = tmp_path_factory.mktemp("seg-model")
    return square_detector(d / "square.onnx"), ModelManager(ModelRegistry(d / "registry"))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_segment_and_cut_hold_exactly_the_frames_seen(
    name: str, model: tuple[Path, ModelManager], tmp_path: Path
) -> None:
    path = _write(tmp_path / f"{name}.mp4", *SOURCES[name])
    ref = reference_for(path)
    results = recognize(path, model[0], manager=model[1], tracker="iou", cache=False)
    assert sorted(set(results["frame"].to_list())) == list(SEEN)
    seen = source_range(ref, SEEN[0], len(SEEN))  # what clip_of gives for those frames
    for by in ("class", "track"):
        (row,) = segments(results, by=by).iter_rows(named=True)
        assert (Fraction(row["start"]), Fraction(row["end"])) == (
            seen.start.to_seconds(),
            seen.end_exclusive().to_seconds(),
        )
        assert row["duration_s"] == pytest.approx(float(seen.duration.to_seconds()))
    found = segments(results)
    (clip,) = cut_to(path, found).tracks[0].items
    assert isinstance(clip, Clip) and clip.source_range == seen
    # from a project: the clip showing the whole file is cut down to the same frames
    project = Project(name="p", settings=ProjectSettings(width=WIDTH, height=HEIGHT, frame_rate=ref.rate))
    project.add_track("video", "V1").append(clip_of(ref))
    (piece,) = cut_to(project, found).tracks[0].items
    assert isinstance(piece, Clip) and piece.source_range == seen
    # widened by padding: whole frames around them, by their own times
    (padded,) = cut_to(path, found, padding=Fraction(1, 25)).tracks[0].items
    a = ref_index_at(ref, seen.start.to_seconds() - Fraction(1, 25))
    b = ref_index_before(ref, seen.end_exclusive().to_seconds() + Fraction(1, 25))
    assert isinstance(padded, Clip) and padded.source_range == source_range(ref, a, b - a)


def ref_index_at(ref: MediaReference, t: Fraction) -> int:
    """The frame on screen at ``t`` (the last starting at or before it)."""
    return max(k for k, s in enumerate(_starts(ref)) if s <= t)


def ref_index_before(ref: MediaReference, t: Fraction) -> int:
    """How many frames start before ``t``."""
    return sum(1 for s in _starts(ref) if s < t)


def _starts(ref: MediaReference) -> list[Fraction]:
    return [source_range(ref, k, 1).start.to_seconds() for k in range(20)]
