"""Signals against numpy computed independently on the same decoded frames, loudness on a known tone."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.analysis import signals
from timeline_lab.analysis.synth import make_shot_video
from timeline_lab.errors import MediaError
from timeline_lab.media.synth import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("sig") / "c.mkv", width=160, height=120, frames=30, tone_hz=1000.0
    )


def _lumas(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray()[: f.height].astype(np.float64) for f in c.decode(video=0)]


def test_luma_and_motion_match_numpy(clip: Path) -> None:
    table = signals(clip, ["luma", "motion", "frozen", "black"], width=0)
    ys = _lumas(clip)
    assert table.height == len(ys)
    np.testing.assert_allclose(table["luma_mean"], [y.mean() for y in ys], atol=1e-3)
    np.testing.assert_allclose(table["luma_std"], [y.std() for y in ys], atol=1e-3)
    motion = [0.0] + [np.abs(b - a).mean() for a, b in itertools.pairwise(ys)]
    np.testing.assert_allclose(table["motion"], motion, atol=1e-3)
    assert not table["frozen"].any() and not table["black"].any()


def test_colour_means_match_rgb_decode(clip: Path) -> None:
    table = signals(clip, ["colour"], width=0)
    with av.open(str(clip)) as c:
        rgb = [f.to_ndarray(format="rgb24").astype(np.float64) for f in c.decode(video=0)]
    for name, ch in (("r_mean", 0), ("g_mean", 1), ("b_mean", 2)):
        np.testing.assert_allclose(table[name], [x[..., ch].mean() for x in rgb], atol=3.0)


def test_black_and_frozen_frames(tmp_path: Path) -> None:
    make_shot_video(tmp_path / "f.mp4", [("screen", 20), ("fade", 8), ("film", 20)], width=160, height=90)
    table = signals(tmp_path / "f.mp4", ["black", "frozen"])
    black = table["black"].to_list()
    assert black[28:30] == [True, True] and not any(black[:20]) and not any(black[-15:])
    assert table["frozen"][29] and not table["frozen"][0]  # the second black frame repeats the first


def test_loudness_of_a_known_tone(clip: Path) -> None:
    table = signals(clip, ["loudness", "silence", "luma"])
    assert table.columns[:3] == ["frame", "time", "t"]
    late = table.filter(table["t"] > 0.5)
    # a 1 kHz sine at amplitude 0.5 in both channels: 20*log10(0.5) = -6.02 LUFS
    np.testing.assert_allclose(late["momentary"], -6.02, atol=0.2)
    assert not late["silent"].any()


def test_silence_and_per_second(tmp_path: Path) -> None:
    quiet = make_clip(tmp_path / "q.mkv", width=160, height=120, frames=50, audio=True, tone_hz=1000.0)
    per = signals(quiet, ["luma", "loudness", "silence"], per="second")
    assert per["second"].to_list() == [0, 1] and per["rows"].to_list() == [25, 25]
    with pytest.raises(ValueError, match="unknown signals"):
        signals(quiet, ["nope"])


@pytest.mark.parametrize(
    ("video", "audio", "names", "missing"),
    [
        (False, True, ["luma", "loudness"], "no video stream, so no luma"),
        (False, True, ["colour", "silence"], "no video stream, so no colour"),
        (False, True, ["luma", "motion", "black", "frozen"], "no video stream, so no luma, motion, black"),
        (True, False, ["luma", "loudness"], "no audio stream, so no loudness"),
        (True, False, ["silence"], "no audio stream, so no silence"),
        (True, True, ["luma", "loudness"], None),
        (False, True, ["loudness", "silence"], None),  # sound signals only: the audio's own rows
    ],
)
def test_a_signal_whose_stream_is_missing_is_named(
    tmp_path: Path, video: bool, audio: bool, names: list[str], missing: str | None
) -> None:
    path = make_clip(tmp_path / "m.mkv", width=64, height=48, frames=25, video=video, audio=audio)
    if missing is None:
        assert signals(path, names).height > 0
        return
    with pytest.raises(MediaError, match=f"{path.name}: {missing}"):
        signals(path, names)
