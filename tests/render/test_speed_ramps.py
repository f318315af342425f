"""Speed ramps render the model's frames: per-frame read back, the preview and the printed command."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from .conftest import decode_video

pytestmark = pytest.mark.slow
NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ramp")
    out = {}
    for name, rate in {"pal": Fraction(25), "ntsc": NTSC, "fifty": Fraction(50)}.items():
        out[name] = d / f"{name}.mp4"
        make_clip(out[name], width=160, height=120, rate=rate, frames=150, audio=False)
    return out


def want(project: Project) -> list[int]:
    """The source frame the model says each timeline frame shows."""
    rate = project.settings.frame_rate
    out: list[int] = []
    for item in project.tracks[0].items:
        assert isinstance(item, Clip)
        out += [item.source_frame_at(k, rate) for k in range(item.frames(rate))]
    return out


def ramped(studio: Studio, source: Path, rate: Fraction, at: tuple[int, ...] = (0, 8, 20, 36)) -> Project:
    project = studio.new_project(width=160, height=120, frame_rate=rate)
    t = project.tracks[0]
    t.append(studio.clip(source, 3, 20))  # a plain clip before it
    c = t.append(studio.clip(source, 23, 127))
    add_keyframe(t, c.id, "speed", at[0], 0.5, "hold")
    add_keyframe(t, c.id, "speed", at[1], 1.0, "linear")
    add_keyframe(t, c.id, "speed", at[2], 3.0, "ease_in_out")
    add_keyframe(t, c.id, "speed", at[3], 0.75)
    return project


@pytest.mark.parametrize(("rate", "source"), [(Fraction(25), "ntsc"), (NTSC, "pal"), (NTSC, "fifty")])
def test_ramp_renders_the_model_frame_on_every_frame(
    studio: Studio, sources: dict[str, Path], tmp_path: Path, rate: Fraction, source: str
) -> None:
    project = ramped(studio, sources[source], rate, (0, 4, 10, 18) if source == "fifty" else (0, 8, 20, 36))
    expected = want(project)
    frames = decode_video(studio.render(project, tmp_path / "ramp.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames] == expected
    if source == "ntsc":  # the paused preview and the printed command show the same frames
        for k in (20, 27, 45, len(expected) - 1):
            assert read_frame_index(timeline_frame(project, k, scale=1))[0] == expected[k], k
        if shutil.which("ffmpeg") is not None:
            plan = studio.plan(project, tmp_path / "cli.mp4")
            done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-2000:]
            assert [read_frame_index(f)[0] for f in decode_video(tmp_path / "cli.mp4")] == expected
