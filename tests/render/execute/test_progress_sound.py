"""A render with no picture (WAV, FLAC, M4A, Opus) reports progress by the sound it has written: it
stood at 0 % to its end, since only pictures were counted."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.core.events import RenderProgress
from timeline_lab.render.execute.runner import execute
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "tone.wav"
    sr = 48000
    pcm = (0.3 * np.sin(2 * np.pi * 440 * np.arange(6 * sr) / sr)).astype(np.float32)[None, :]
    with av.open(str(path), "w") as c:
        a = c.add_stream("pcm_s16le", rate=sr, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = sr, 0
        c.mux(a.encode(frame))
        c.mux(a.encode(None))
    return path


@pytest.mark.parametrize(
    ("fmt", "suffix", "frames"),
    [("audio-wav", "wav", None), ("audio-flac", "flac", None), ("audio-m4a", "m4a", None),
     ("audio-opus", "opus", None), ("audio-wav-float", "wav", (7, 101))],
)  # fmt: skip
def test_progress_of_a_sound_only_render_reaches_its_total(
    tone: Path, tmp_path: Path, fmt: str, suffix: str, frames: tuple[int, int] | None
) -> None:
    studio = Studio(workspace=tmp_path)
    events: list[RenderProgress] = []
    studio.bus.subscribe(RenderProgress, events.append)
    project = studio.new_project("pod", width=32, height=32, frame_rate=Fraction(30000, 1001))
    project.add_track("audio", "A1").append(studio.clip(tone))
    execute(studio.plan(project, tmp_path / f"out.{suffix}", format=fmt, frames=frames), bus=studio.bus)
    total = events[-1].total_frames
    assert total == (
        frames[1] - frames[0] if frames else project.duration().to_frames(project.settings.frame_rate)
    )
    done = [e.frames_done for e in events]
    assert done[-1] == total
    assert done == sorted(done)
    assert len({d for d in done if 0 < d < total}) >= 3  # it moved on the way, not only at the end
