"""Analysis tables stamp each frame with the time clips, the frame reader and recognition give it:
a constant-rate frame's slot at the media rate (not its rounded or jittery container stamp), a
variable-rate frame's own time; so seeking to a table's time lands on the table's frame."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import polars as pl
import pytest

from timeline_lab.analysis import shot_boundaries, shots, signals
from timeline_lab.media._decoder import FrameReader
from timeline_lab.media.clips import source_range
from timeline_lab.media.reference import reference_for
from timeline_lab.model.time import RationalTime
from timeline_lab.recognition.frames import FrameSampler

W, H, N, CUT = 64, 48, 24, 13
rng = random.Random(5)

CASES = {
    # a 23.976 fps Matroska file: millisecond stamps, rounded
    "ntsc.mkv": ([round(i * 1001 / 24) for i in range(N)], Fraction(1, 1000)),
    # a phone's clock: 30 fps slots, each frame up to 1/9 of a frame off its own (1/90000 ticks)
    "jitter.mp4": ([0] + [i * 3000 + rng.randint(-330, 330) for i in range(1, N)], Fraction(1, 90000)),
    # a 25 fps stream starting late (10 s)
    "late.mp4": ([250 + i for i in range(N)], Fraction(1, 25)),
    # variable rate: two dropped-frame gaps
    "vfr.mp4": ([i + (3 if i > 5 else 0) + (5 if i > 15 else 0) for i in range(N)], Fraction(1, 25)),
    # variable rate: a switch from 25 to 50 fps
    "switch.mp4": ([2 * i if i < 10 else 20 + (i - 10) for i in range(N)], Fraction(1, 50)),
}


def _write(path: Path, stamps: list[int], tb: Fraction) -> Path:
    """Flat greys, dark before frame ``CUT`` and light from it (a cut there), one level a frame."""
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25, options={"crf": "10", "preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.codec_context.time_base = tb
        for i, pts in enumerate(stamps):
            level = 20 + 2 * i if i < CUT else 150 + 2 * i
            frame = av.VideoFrame.from_ndarray(np.full((H, W, 3), level, np.uint8), format="rgb24")
            frame.pts, frame.time_base = pts, tb
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


@pytest.fixture(scope="module", params=sorted(CASES))
def video(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    stamps, tb = CASES[request.param]
    return _write(tmp_path_factory.mktemp("times") / request.param, stamps, tb)


def test_signals_times_are_the_frame_readers_and_the_clips(video: Path) -> None:
    table = signals(video, ["luma"], width=0)
    ref = reference_for(video)
    assert table.height == ref.available_range.duration.to_frames(ref.rate) or ref.variable_rate
    with FrameReader(video) as reader:
        for k, text in table.select("frame", "time").iter_rows():
            shown = reader.read(k)
            assert Fraction(text) == shown.time.to_seconds() == source_range(ref, k, 1).start.to_seconds()
            # and a seek to the table's time lands on the table's frame
            assert reader.read(RationalTime.from_seconds(Fraction(text))).index == k


def test_recognition_samples_frames_at_the_same_times(video: Path) -> None:
    table = signals(video, ["luma"], width=0)
    batches = list(FrameSampler(video, size=16, batch=32))
    sampled = {int(k): t for b in batches for k, t in zip(b.frames, b.pts, strict=True)}
    assert {k: Fraction(t) for k, t in table.select("frame", "time").iter_rows()} == sampled


def test_shot_times_seek_to_their_frames(video: Path) -> None:
    cuts = shot_boundaries(video).filter(pl.col("kind") == "cut")
    assert cuts["start_frame"].to_list() == [CUT]
    ref = reference_for(video)
    with FrameReader(video) as reader:
        start = Fraction(cuts["start"][0])
        assert start == source_range(ref, CUT, 1).start.to_seconds()
        assert reader.read(RationalTime.from_seconds(start)).index == CUT
    table = shots(video)
    whole = ref.available_range
    assert Fraction(table["end"][-1]) == whole.end_exclusive().to_seconds()  # the last frame's own end
    assert Fraction(table["start"][1]) == start
