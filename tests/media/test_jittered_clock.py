"""A constant-rate capture whose clock jitters (an Android phone's millisecond in 1/90000 ticks, an
iPhone's tick at 240 fps, a fifth of a frame) is constant rate at its nominal rate, mapped by index:
placed by time at its mean rate, a same-rate timeline repeated some frames and dropped others
(``studio.clip(f, 11, 30)`` showed 11, 11, 12, 14, 14, ...). Dropped frames and rate changes stay
variable rate."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.probe import probe
from timeline_lab.media.synth import _render, read_frame_index, read_frame_indices
from timeline_lab.media.timestamps import StreamTimes
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

NTSC = Fraction(30000, 1001)
RATES = [Fraction(24), Fraction(25), NTSC, Fraction(30), Fraction(60), Fraction(240)]
JITTERS = ["1ms", "tick", "fifth"]


def _tick_base(rate: Fraction) -> Fraction:
    """A time base with a whole number of ticks per frame (a camera's own clock)."""
    return Fraction(1, 120000) if rate.denominator == 1001 else Fraction(1, 24000)


def _times(rate: Fraction, jitter: str, n: int, seed: int) -> tuple[Fraction, list[int]]:
    """(time base, ticks) of ``n`` frames at ``rate`` whose clock is off by ``jitter`` each."""
    rng = np.random.default_rng(seed)
    tb = _tick_base(rate) if jitter == "tick" else Fraction(1, 90000)
    slot = float(1 / (rate * tb))  # ticks per frame
    wobble = {"1ms": 1e-3 / float(tb), "tick": 1.0, "fifth": slot / 5}[jitter]
    off = rng.integers(-1, 2, n) if jitter == "tick" else rng.uniform(-wobble, wobble, n)
    ticks = [0] + [round(k * slot + float(off[k])) for k in range(1, n)]
    assert all(b > a for a, b in itertools.pairwise(ticks))
    return tb, ticks


def _stream(tb: Fraction, ticks: list[int]) -> StreamTimes:
    pts = np.array(ticks, dtype=np.int64)
    return StreamTimes(tb, pts, pts[:1], int(pts[1] - pts[0]), None)


def _grid(times: StreamTimes, nominal: Fraction) -> Fraction | None:
    """What probe makes of it: a rate for a constant-rate stream, None for a variable one."""
    return None if times.steps_even() else times.grid_rate(nominal)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("jitter", JITTERS)
@pytest.mark.parametrize("rate", RATES, ids=str)
def test_a_jittered_clock_is_its_nominal_constant_rate(rate: Fraction, jitter: str, seed: int) -> None:
    tb, ticks = _times(rate, jitter, 150, seed)
    times = _stream(tb, ticks)
    if times.steps_even():  # a tick of jitter on a long frame is within steps_even's own slack
        return
    for claimed in (rate, Fraction(0), Fraction(600), 1 / times.mean_step()):  # right, none, wrong, mean
        assert times.grid_rate(claimed) == rate, claimed


@pytest.mark.parametrize("jitter", JITTERS)
@pytest.mark.parametrize("rate", RATES, ids=str)
def test_dropped_frames_and_rate_changes_stay_variable(rate: Fraction, jitter: str) -> None:
    tb, ticks = _times(rate, jitter, 150, 3)
    for gone in ([1], [75], [148], [40, 41]):  # one frame dropped anywhere, two in a row
        kept = [t for k, t in enumerate(ticks) if k not in gone]
        assert _grid(_stream(tb, kept), rate) is None, gone
    slowed = ticks[:75] + [ticks[74] + (t - ticks[74]) * 5 // 4 for t in ticks[75:]]  # 4/5 of the rate
    assert _grid(_stream(tb, slowed), rate) is None


def _write(path: Path, tb: Fraction, ticks: list[int], nominal: Fraction) -> Path:
    """An H.264 MP4 (B-frames) of synth frames stamped ``ticks``: frame k shows index k."""
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=nominal, options={"crf": "16", "preset": "ultrafast", "g": "15"})
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        s.codec_context.time_base = s.time_base = tb
        for k, t in enumerate(ticks):
            frame = av.VideoFrame.from_ndarray(_render(k, 3, 160, 120), "rgb24")
            frame.pts, frame.time_base = t, tb
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


CAPTURES = [  # (rate, jitter, clip's first frame, frames)
    (Fraction(30), "1ms", 11, 30),  # Android: 1/90000 and a millisecond
    (Fraction(240), "tick", 3, 60),  # iPhone slow motion: a tick in 1/24000
    (NTSC, "fifth", 120, 24),  # long enough to tell 30000/1001 from 30 through a fifth of a frame
]


@pytest.mark.parametrize(("rate", "jitter", "first", "count"), CAPTURES, ids=lambda x: str(x))
def test_a_jittered_capture_shows_each_frame_once_on_every_path(
    tmp_path: Path, rate: Fraction, jitter: str, first: int, count: int
) -> None:
    tb, ticks = _times(rate, jitter, max(first + count + 10, 150), 5)
    src = _write(tmp_path / "capture.mp4", tb, ticks, rate)
    v = probe(src).primary_video
    assert v is not None and not v.variable_frame_rate and v.frame_rate == rate
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=rate)
    project.tracks[0].append(studio.clip(src, first, count))
    want = list(range(first, first + count))
    out = studio.render(project, tmp_path / "render.mp4", progress=False)
    assert [k for k, _ in read_frame_indices(out)] == want
    assert [read_frame_index(timeline_frame(project, j, scale=1))[0] for j in (0, count // 2, count - 1)] == [
        want[0],
        want[count // 2],
        want[-1],
    ]
    if shutil.which("ffmpeg") is not None:
        cli = tmp_path / "cli.mp4"
        subprocess.run(studio.plan(project, cli).to_ffmpeg_args(), check=True, capture_output=True)
        assert [k for k, _ in read_frame_indices(cli)] == want


def test_a_jittered_capture_with_a_dropped_frame_stays_variable(tmp_path: Path) -> None:
    tb, ticks = _times(Fraction(30), "1ms", 40, 6)
    del ticks[20]
    v = probe(_write(tmp_path / "dropped.mp4", tb, ticks, Fraction(30))).primary_video
    assert v is not None and v.variable_frame_rate and v.frame_count == 39
