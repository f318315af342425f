"""One timeline length on every path: a track switched off still makes the sequence as long as it
is (as in NLEs; its span renders as background and silence). project.duration() counted every
track while the full render and smart render counted only enabled ones, and the preview used
project.duration()."""

from __future__ import annotations

import random
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip, read_frame_indices
from timeline_lab.model.project import Project
from timeline_lab.render.compile.compiler import compile_plan
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import check_smart, render_auto, smart_render
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("len") / "a.mp4", width=64, height=48, rate=25, frames=80, tag=3)


def _project(studio: Studio, src: Path, seed: int) -> Project:
    """V1 with clips, and one to three more tracks of random kinds, lengths and switches."""
    rng = random.Random(seed)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    v1 = project.tracks[0]
    v1.append(studio.clip(src, rng.randrange(0, 20), rng.randrange(5, 30)))
    for _ in range(rng.randrange(1, 4)):
        track = project.add_track(rng.choice(["video", "audio"]))
        track.insert(studio.clip(src, 0, rng.randrange(5, 60)), rng.randrange(0, 30))
        track.configure(enabled=rng.random() < 0.3)
    v1.configure(enabled=rng.random() < 0.8)
    return project


def _count(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.demux(video=0) if _.size)


@pytest.mark.parametrize("seed", range(40))
def test_every_plan_agrees_on_the_length(studio: Studio, src: Path, tmp_path: Path, seed: int) -> None:
    project = _project(studio, src, seed)
    want = project.duration().to_frames(25)
    export = ExportSettings(tmp_path / "x.mp4")
    assert compile_plan(project, export).total_frames == want
    assert studio.plan(project, tmp_path / "x.mp4").total_frames == want
    if check_smart(project, export):
        plan = prepare(project, export)
        assert plan.total == sum(p.frames for p in plan.pieces) == want


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 4, 7, 12])
def test_every_render_agrees_on_the_length(studio: Studio, src: Path, tmp_path: Path, seed: int) -> None:
    project = _project(studio, src, seed)
    for track in project.tracks[1:]:  # smart render takes one track: the others off
        track.configure(enabled=False)
    project.tracks[0].configure(enabled=True)
    want = project.duration().to_frames(25)
    full = studio.render(project, tmp_path / "full.mp4", progress=False)
    preview = studio.preview(project, tmp_path / "preview.mp4", scale=1)
    smart = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    auto = render_auto(project, ExportSettings(tmp_path / "auto.mp4"))
    assert [_count(p) for p in (full, preview, smart, auto)] == [want] * 4
    frames = read_frame_indices(full)
    assert read_frame_indices(smart) == frames
    shown = project.tracks[0].frames()
    assert frames[shown:] == [(0, 0)] * (want - shown)  # background past V1's end


def test_a_project_of_disabled_tracks_renders_background(studio: Studio, src: Path, tmp_path: Path) -> None:
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 5, 20))
    project.tracks[0].configure(enabled=False)
    assert not check_smart(project, ExportSettings(tmp_path / "x.mp4"))  # the full engine draws it
    for out in (
        studio.render(project, tmp_path / "full.mp4", progress=False),
        render_auto(project, ExportSettings(tmp_path / "auto.mp4")),
    ):
        assert read_frame_indices(out) == [(0, 0)] * 20
        with av.open(str(out)) as c:
            assert max(float(np.abs(f.to_ndarray()).max()) for f in c.decode(audio=0)) == 0
