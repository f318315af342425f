"""A constant-rate file on a coarse clock (240 fps on a 1/600 MOV timescale, 119.88 at 90 kHz,
59.94 in Matroska's millisecond) steps 2 or 3 ticks, 750 or 751, 16 or 17 a frame: the step is
within a tick of several rates, and FFmpeg's guess (144000/601, 120, 19001/317) was taken, so its
frames drifted a slot every few hundred. The rate is the one the ticks bear out over the stream."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.probe import _borne_rate, probe
from timeline_lab.media.synth import make_clip, read_frame_indices
from timeline_lab.media.timestamps import StreamTimes
from timeline_lab.studio import Studio

CAMERA_RATES = [
    Fraction(240),
    Fraction(240000, 1001),
    Fraction(120),
    Fraction(120000, 1001),
    Fraction(60000, 1001),
    Fraction(48000, 1001),
    Fraction(30000, 1001),
    Fraction(24000, 1001),
    Fraction(25),
    Fraction(50),
]
CLOCKS = [Fraction(1, 600), Fraction(1, 1000), Fraction(1, 90000)]
FFMPEG = shutil.which("ffmpeg")


def _rounded(rate: Fraction, tb: Fraction, n: int, start: int, floor: bool) -> StreamTimes:
    """``n`` frames at exactly ``rate`` from ``start`` ticks, each time rounded (or floored) to ``tb``."""
    exact = [start + k / (rate * tb) for k in range(n)]
    ticks = [int(t // 1) if floor else round(t) for t in exact]
    pts = np.array(ticks, dtype=np.int64)
    return StreamTimes(tb, pts, pts[:1], int(pts[1] - pts[0]), None)


@pytest.mark.parametrize("floor", [False, True], ids=["round", "floor"])
@pytest.mark.parametrize("tb", CLOCKS, ids=str)
@pytest.mark.parametrize("rate", CAMERA_RATES, ids=str)
def test_an_evenly_stepped_stream_gets_the_rate_its_ticks_bear_out(
    rate: Fraction, tb: Fraction, floor: bool
) -> None:
    times = _rounded(rate, tb, 600, 7, floor)
    if not times.steps_even():
        pytest.skip("not evenly stepped on this clock")
    near = [rate * 2, Fraction(round(rate)), Fraction(round(rate * Fraction(1001, 1000)) * 1000, 1001)]
    for nominal in {*near, 1 / times.mean_step(), Fraction(0)}:  # FFmpeg's guesses, right or wrong
        assert _borne_rate(times, nominal) == rate, nominal


@pytest.mark.parametrize("rate", [Fraction(25, 2), Fraction(49, 2), Fraction(1000, 41)], ids=str)
def test_a_rate_no_camera_rate_explains_keeps_its_nominal(rate: Fraction) -> None:
    for n in (3, 50):
        times = _rounded(rate, Fraction(1, 12800), n, 0, False)
        assert _borne_rate(times, rate) == rate


MADE = [
    Fraction(240),
    Fraction(240000, 1001),
    Fraction(120000, 1001),
    Fraction(60000, 1001),
    Fraction(48000, 1001),
]
REMUX = [
    ("mov", "-video_track_timescale 600"),
    ("mp4", "-video_track_timescale 1000"),
    ("mkv", ""),
    ("ts", ""),
]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[Fraction, Path]:
    folder = tmp_path_factory.mktemp("coarse")
    return {
        r: make_clip(
            folder / f"src{r.numerator}_{r.denominator}.mov",
            width=128,
            height=96,
            rate=r,
            frames=240,
            audio=False,
        )
        for r in MADE
    }


@pytest.mark.skipif(FFMPEG is None, reason="needs the ffmpeg CLI to remux onto a coarse clock")
@pytest.mark.parametrize(("ext", "opts"), REMUX, ids=[e for e, _ in REMUX])
@pytest.mark.parametrize("rate", MADE, ids=str)
def test_a_remuxed_camera_file_probes_at_the_rate_it_was_made(
    sources: dict[Fraction, Path], tmp_path: Path, rate: Fraction, ext: str, opts: str
) -> None:
    out = tmp_path / f"coarse.{ext}"
    subprocess.run(f"{FFMPEG} -v error -i {sources[rate]} -c copy {opts} {out}".split(), check=True)
    video = probe(out).primary_video
    assert video is not None
    assert (video.frame_rate, video.frame_count) == (rate, 240)


@pytest.mark.skipif(FFMPEG is None, reason="needs the ffmpeg CLI to remux onto a coarse clock")
@pytest.mark.parametrize(("project_rate", "first", "count", "step"), [("30", 0, 240, 8), ("240", 100, 40, 1)])
def test_a_240_fps_clip_on_a_600_timescale_shows_its_own_frames(
    sources: dict[Fraction, Path], tmp_path: Path, project_rate: str, first: int, count: int, step: int
) -> None:
    src = tmp_path / "slomo.mov"
    subprocess.run(
        f"{FFMPEG} -v error -i {sources[Fraction(240)]} -c copy -video_track_timescale 600 {src}".split(),
        check=True,
    )
    studio = Studio()
    try:
        project = studio.new_project("p", width=128, height=96, frame_rate=project_rate)
        project.tracks[0].append(studio.clip(str(src), first, count))
        studio.render(project, str(tmp_path / "out.mp4"), progress=False)
    finally:
        studio.close()
    shown = [i for i, _ in read_frame_indices(tmp_path / "out.mp4")]
    assert shown == list(range(first, first + count, step))
