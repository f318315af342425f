"""Interlaced camera footage is deinterlaced frame-exactly: one moment a frame, on every render path.

The sources are true 25i: each frame weaves two moments of a 50p clip (the first field shown is frame
2k, the other 2k+1), as a 1080i50 camera records, top or bottom field first. A frame of the output
shows one moment when both of its fields read the same frame number.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tests.interlaced_media import decoded_moments as _decoded
from tests.interlaced_media import make_interlaced, moments
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import make_clip
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.project import Project
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """25i TFF and BFF clips woven from a 50p clip with its frame numbers in the pixels."""
    return make_interlaced(tmp_path_factory.mktemp("interlaced"))


def _project(studio: Studio, source: Path, size: tuple[int, int], rate: int, speed: Fraction) -> Project:
    project = studio.new_project("i", width=size[0], height=size[1], frame_rate=str(rate))
    project.tracks[0].append(studio.clip(str(source), 10, 10, speed=speed))
    return project


# (project rate, speed): the moment timeline frame k shows, as a 50p frame number (clip from frame 10)
_TIMINGS = [
    (25, Fraction(1), lambda k: 20 + 2 * k),  # a frame a frame: the first field's moment
    (50, Fraction(1), lambda k: 20 + k),  # a field a frame (bob)
    (25, Fraction(1, 2), lambda k: 20 + k),  # slowed to half: a field a frame
]
_SIZES = [(192, 144), (96, 72)]


@pytest.mark.parametrize("order", ["tff", "bff"])
@pytest.mark.parametrize(("rate", "speed", "moment"), _TIMINGS)
@pytest.mark.parametrize("size", _SIZES)
def test_every_render_path_shows_one_moment_a_frame(
    sources: dict[str, Path], tmp_path: Path, order: str, rate: int, speed: Fraction, moment: Any, size: Any
) -> None:
    studio = Studio()
    project = _project(studio, sources[order], size, rate, speed)
    n = project.duration().to_frames(Fraction(rate))
    expected = [(moment(k), moment(k)) for k in range(n)]
    studio.render(project, tmp_path / "full.mp4", progress=False)
    assert _decoded(tmp_path / "full.mp4") == expected
    studio.render(project, tmp_path / "range.mp4", progress=False, frames=(3, n - 2))
    assert _decoded(tmp_path / "range.mp4") == expected[3 : n - 2]
    args = studio.plan(project, tmp_path / "cli.mp4").to_ffmpeg_args()
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    assert _decoded(tmp_path / "cli.mp4") == expected
    for k in (0, n // 2 + 1, n - 1):
        assert moments(timeline_frame(project, k, scale=1)) == expected[k]


def test_progressive_sources_are_not_deinterlaced(sources: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio()
    master = sources["tff"].parent / "m50.mov"
    assert probe(master).primary_video.field_order in ("progressive", "unknown")  # type: ignore[union-attr]
    for rate in (25, 50):
        project = _project(studio, master, (192, 144), rate, Fraction(1))
        assert "yadif" not in str(studio.plan(project, tmp_path / "p.mp4").to_ffmpeg_args())


@pytest.mark.parametrize("order", ["tff", "bff"])
@pytest.mark.parametrize("ramp", [[(0, 1.0), (8, 2.0)], [(0, 1.5), (6, 0.5)]])
def test_a_speed_ramp_shows_the_frames_it_picks_deinterlaced(
    sources: dict[str, Path], tmp_path: Path, order: str, ramp: list[tuple[int, float]]
) -> None:
    """The ramp picks the frames it picks from a progressive 25p clip; each is its first field's moment."""
    studio = Studio()
    progressive = make_clip(tmp_path / "p25.mov", width=192, height=144, rate=25, frames=36, audio=False)
    shown = {}
    for kind, source in (("progressive", progressive), ("interlaced", sources[order])):
        project = studio.new_project("r", width=192, height=144, frame_rate="25")
        track = project.tracks[0]
        clip = track.append(studio.clip(str(source), 4, 16))
        for frame, value in ramp:
            add_keyframe(track, clip.id, "speed", frame, value)
        studio.render(project, tmp_path / f"{kind}.mp4", progress=False)
        shown[kind] = _decoded(tmp_path / f"{kind}.mp4")
    assert shown["interlaced"] == [(2 * f, 2 * f) for f, _ in shown["progressive"]]
