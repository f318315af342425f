"""Analysis reads the streams the render plays, on the render's clock: the default video and audio
streams, times from the video's first shown frame, sound from before it cut and a late start silent."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import polars as pl
import pytest

from timeline_lab.analysis import shot_boundaries, signals
from timeline_lab.analysis._decode import stream_rate

W, H, SR = 64, 48, 48000


def _grey(level: int) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.full((H, W, 3), level, np.uint8), format="rgb24")


def _two_videos(path: Path, default: int | None, cut_at: tuple[int, int], rates: tuple[int, int]) -> Path:
    """Two video streams of 40 frames, stream ``i`` cut (dark to light) at ``cut_at[i]``, at
    ``rates[i]`` fps; ``default``: the stream marked default (None: neither)."""
    with av.open(str(path), "w") as out:
        streams = []
        for i, rate in enumerate(rates):
            s = out.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
            s.width, s.height, s.pix_fmt = W, H, "yuv420p"
            s.disposition = av.stream.Disposition.default if default == i else av.stream.Disposition(0)
            streams.append(s)
        for k in range(40):
            for s, cut in zip(streams, cut_at, strict=True):
                frame = _grey(40 if k < cut else 200)
                frame.pts = k
                out.mux(s.encode(frame))
        for s in streams:
            out.mux(s.encode(None))
    return path


@pytest.mark.parametrize(
    ("default", "cut_at", "rates", "chosen"),
    [
        (1, (25, 12), (25, 30), 1),  # the second stream is the default one
        (0, (25, 12), (25, 30), 0),
        (1, (7, 31), (30, 24), 1),
        (None, (7, 31), (30, 24), 0),  # none marked: the first, as players do
    ],
)
def test_the_default_video_stream_is_analysed(
    tmp_path: Path, default: int | None, cut_at: tuple[int, int], rates: tuple[int, int], chosen: int
) -> None:
    path = _two_videos(tmp_path / "two.mkv", default, cut_at, rates)
    cuts = shot_boundaries(path).filter(pl.col("kind") == "cut")["start_frame"].to_list()
    assert cuts == [cut_at[chosen]]
    luma = signals(path, ["luma"])["luma_mean"].to_numpy()
    assert luma[: cut_at[chosen]].max() < 100 < luma[cut_at[chosen] :].min()
    assert stream_rate(path) == rates[chosen]


def _av_file(
    path: Path, video_start: Fraction, audio_start: Fraction, tone: tuple[float, float], codec: str
) -> Path:
    """2 s of 25 fps video from ``video_start`` s and of mono sound from ``audio_start`` s, the sound
    a 1 kHz tone over the file's times ``tone`` and digital silence elsewhere."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
        aus = out.add_stream(codec, rate=SR, layout="mono")
        first = int(video_start * 25)
        for k in range(50):
            frame = _grey(8 * (k % 25))
            frame.pts, frame.time_base = first + k, Fraction(1, 25)
            out.mux(vs.encode(frame))
        s0 = int(audio_start * SR)
        t = (s0 + np.arange(2 * SR)) / SR
        x = np.where((t >= tone[0]) & (t < tone[1]), 0.5 * np.sin(2 * np.pi * 1000 * t), 0.0)
        fmt = "fltp" if codec == "aac" else "s16"
        for lo in range(0, len(x), 1024):
            chunk = x[None, lo : lo + 1024]
            data = chunk.astype(np.float32) if fmt == "fltp" else (chunk * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = SR, s0 + lo, Fraction(1, SR)
            out.mux(aus.encode(frame))
        out.mux(vs.encode(None))
        out.mux(aus.encode(None))
    return path


CONTAINERS = [("mov", "pcm_s16le"), ("mp4", "aac")]


@pytest.mark.parametrize(("suffix", "codec"), CONTAINERS)
@pytest.mark.parametrize(
    ("video_start", "audio_start", "tone_at"),
    [
        (Fraction(12, 25), Fraction(0), 1.0),  # a camera's video starting after its sound
        (Fraction(20, 25), Fraction(0), 1.4),
        (Fraction(8, 25), Fraction(1, 5), 1.5),
        (Fraction(0), Fraction(0), 0.8),
        (Fraction(10, 25), Fraction(1), 1.6),  # sound starting 0.6 s after the video
    ],
)
def test_loudness_is_on_the_videos_clock(
    tmp_path: Path, suffix: str, codec: str, video_start: Fraction, audio_start: Fraction, tone_at: float
) -> None:
    path = _av_file(tmp_path / f"av.{suffix}", video_start, audio_start, (tone_at, 9.0), codec)
    table = signals(path, ["luma", "loudness"])
    loud = table.filter(pl.col("momentary") > -40)["frame"]
    onset = (tone_at - float(video_start)) * 25  # the tone's first frame, counted as the render does
    # the meter reports every 0.1 s (2.5 frames); AAC's priming may smear a frame either way
    assert onset - 1 <= loud[0] <= onset + 4
    sound_only = signals(path, ["loudness"])  # the audio's own rows, on the same clock
    first_loud = sound_only.filter(pl.col("momentary") > -40)["t"][0]
    assert onset / 25 - 0.05 <= first_loud <= onset / 25 + 0.16


@pytest.mark.parametrize(("suffix", "codec"), CONTAINERS)
@pytest.mark.parametrize("video_start", [Fraction(12, 25), Fraction(20, 25)])
def test_sound_before_the_first_frame_is_not_measured(
    tmp_path: Path, suffix: str, codec: str, video_start: Fraction
) -> None:
    """The render starts a clip's sound at its first frame: a tone that ends before it is not heard."""
    tone = (0.0, float(video_start) - 0.1)
    path = _av_file(tmp_path / f"pre.{suffix}", video_start, Fraction(0), tone, codec)
    table = signals(path, ["luma", "loudness", "silence"]).drop_nulls("momentary")
    assert table.height == 40  # the 50 frames less the first 0.4 s, before a full momentary window
    assert table["momentary"].max() < -60
    assert table["silent"].all()


def test_the_default_audio_stream_is_measured(tmp_path: Path) -> None:
    """Two sound streams, the silent one first: the default (the tone) is the one measured."""
    path = tmp_path / "two_sounds.mkv"
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
        quiet = out.add_stream("pcm_s16le", rate=SR, layout="mono")
        tone = out.add_stream("pcm_s16le", rate=SR, layout="mono")
        quiet.disposition, tone.disposition = av.stream.Disposition(0), av.stream.Disposition.default
        for k in range(25):
            frame = _grey(100)
            frame.pts = k
            out.mux(vs.encode(frame))
        t = np.arange(SR) / SR
        for s, x in ((quiet, 0 * t), (tone, 0.5 * np.sin(2 * np.pi * 1000 * t))):
            for lo in range(0, SR, 1024):
                data = (x[None, lo : lo + 1024] * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(data, "s16", "mono")
                frame.sample_rate, frame.pts, frame.time_base = SR, lo, Fraction(1, SR)
                out.mux(s.encode(frame))
        out.mux(vs.encode(None))
    table = signals(path, ["loudness"])
    assert table.filter(pl.col("t") > 0.5)["momentary"].min() > -12


@pytest.mark.parametrize("tone_end", [0.3, 0.5, 0.77])
def test_digital_silence_after_sound_is_silent(tmp_path: Path, tone_end: float) -> None:
    """ebur128 reads such windows as nan (its running power sum rounds below zero): silence."""
    path = _av_file(tmp_path / "after.mov", Fraction(0), Fraction(0), (0.0, tone_end), "pcm_s16le")
    table = signals(path, ["luma", "loudness", "silence"])
    later = table.filter(pl.col("t") > tone_end + 0.5)
    assert later.height > 10 and later["silent"].all()
    assert not later["momentary"].is_nan().any()
