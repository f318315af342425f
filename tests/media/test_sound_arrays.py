"""Surround sound (7.1 above all: 8 float planes) on every path that reads frames into arrays or
builds frames from them: waveforms, proxies, smart render, AAC splicing, cluster joins, test clips.

PyAV's ``AudioFrame.planes`` walks a planar frame's data pointers to a NULL that 8 channels or more
do not have: reading a 7.1 frame killed the process (segfault) and building one raised IndexError.
Each check runs in a child process (``_surround_paths``), so a crash fails its test, not pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _child(kind: str, folder: Path, channels: int) -> None:
    env = {**os.environ, "TIMELINE_LAB_CACHE": str(folder / "cache")}
    args = [sys.executable, "-m", "tests.media._surround_paths", kind, str(folder), str(channels)]
    run = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), (
        f"{kind} with {channels} channels: exit {run.returncode}\n{run.stdout}\n{run.stderr[-3000:]}"
    )


@pytest.mark.parametrize("channels", [2, 6, 7, 8])
@pytest.mark.parametrize("kind", ["waveform", "proxy", "aac", "join", "synth"])
def test_surround_sound_keeps_each_channel_in_its_place(kind: str, channels: int, tmp_path: Path) -> None:
    _child(kind, tmp_path, channels)


@pytest.mark.parametrize("channels", [6, 8])
def test_a_smart_render_of_surround_sound_keeps_each_channel(channels: int, tmp_path: Path) -> None:
    _child("smart", tmp_path, channels)


@pytest.mark.parametrize("channels", [1, 2, 6, 7, 8, 9, 16, 24])
def test_frames_round_trip_through_every_sample_format(channels: int, tmp_path: Path) -> None:
    _child("round-trip", tmp_path, channels)
