"""Loudness and silence at the start of the sound: a reading whose window is not yet full of
measured sound (momentary 0.4 s, short-term 3 s) is null, not the near -inf a part-filled window
reads, so loud sound is never flagged silent for its first moments; real silence still is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from timeline_lab.analysis import signals

FFMPEG = shutil.which("ffmpeg")


def _sound(path: Path, lead: float, gain_db: float, rate: int, seconds: float = 4.0) -> Path:
    """``lead`` seconds of digital silence, then a 440 Hz tone at ``gain_db``, as a WAV."""
    assert FFMPEG is not None, "needs the ffmpeg CLI (make test installs it)"
    tone = f"sine=f=440:r={rate}:d={seconds - lead},volume={gain_db}dB"
    graph = f"{tone}[t];aevalsrc=0:s={rate}:d={lead}[s];[s][t]concat=v=0:a=1" if lead else tone
    subprocess.run([FFMPEG, "-v", "error", "-y", "-filter_complex", graph, str(path)], check=True)
    return path


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
@pytest.mark.parametrize("gain_db", [-20.0, -10.0, 0.0])
def test_sound_from_the_first_sample_is_never_silent(tmp_path: Path, rate: int, gain_db: float) -> None:
    table = signals(_sound(tmp_path / "t.wav", 0, gain_db, rate), ["loudness", "silence"])
    early = table.filter(pl.col("t") < 0.4 - 1e-9)
    assert early.height > 0 and early["momentary"].null_count() == early.height
    assert table.filter(pl.col("t") >= 0.4)["momentary"].null_count() == 0
    assert (
        table.filter(pl.col("t") < 3 - 1e-9)["short_term"].null_count()
        == table.filter(pl.col("t") < 3 - 1e-9).height
    )
    assert table.filter(pl.col("t") >= 3)["short_term"].null_count() == 0
    assert not table["silent"].any()
    assert signals(tmp_path / "t.wav", "silence", per="second")["silent"].max() == 0.0


@pytest.mark.parametrize("lead", [0.6, 1.0, 2.0])
def test_silence_before_the_sound_is_still_silent(tmp_path: Path, lead: float) -> None:
    table = signals(_sound(tmp_path / "s.wav", lead, -10.0, 48000), ["loudness", "silence"])
    quiet = table.filter((pl.col("t") >= 0.4) & (pl.col("t") <= lead))
    assert quiet.height > 0 and quiet["silent"].all()
    assert not table.filter(pl.col("t") >= lead + 0.4)["silent"].any()
