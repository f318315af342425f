"""Multi-track compositing: placement, scale, opacity, crop, letterbox, layers over gaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Crop, Transform
from timeline_lab.studio import Studio

from ..conftest import decode_video

pytestmark = pytest.mark.slow


def two_layers(studio: Studio, media: dict[str, Path], **top: object):
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 20))
    v2 = project.add_track("video", "V2")
    clip = v2.append(studio.clip(media["silent"], 0, 20))
    if top:
        v2.update(clip.id, **top)
    return project


def test_scaled_layer_sits_in_its_quadrant(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = two_layers(studio, media, transform=Transform(scale_x=0.5, scale_y=0.5, x=-80, y=-60))
    frames = decode_video(studio.render(project, tmp_path / "q.mp4", progress=False))
    assert len(frames) == 20
    for k in (0, 7, 19):
        assert read_frame_index(frames[k][:120, :160]) == (k, 4), "top layer, scaled into the top-left"
    # outside that quadrant the bottom clip shows exactly as it does alone
    alone = decode_video(studio.render(two_layers(studio, media), tmp_path / "b.mp4", progress=False))
    project.tracks[1].update(project.tracks[1].items[0].id, enabled=False)
    bottom = decode_video(studio.render(project, tmp_path / "bottom.mp4", progress=False))
    assert np.abs(frames[7][130:, 170:].astype(int) - bottom[7][130:, 170:].astype(int)).mean() < 4
    assert read_frame_index(alone[7]) == (7, 4), "unscaled, the top layer covers everything"


def test_opacity_blends_with_the_layer_below(studio: Studio, solid: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(solid["grey"], 0, 10))
    v2 = project.add_track("video")
    red = v2.append(studio.clip(solid["red"], 0, 10))
    v2.update(red.id, opacity=0.25)
    frame = decode_video(studio.render(project, tmp_path / "o.mp4", progress=False))[5]
    got = frame[40:80, 40:80].reshape(-1, 3).mean(axis=0)
    want = 0.75 * np.array([128, 128, 128]) + 0.25 * np.array([220, 30, 30])
    assert np.abs(got - want).max() < 8, (got, want)


def test_upper_layer_over_a_gap_shows_the_background(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25, background="#2040ff")
    v1 = project.tracks[0]
    v1.append(studio.clip(media["silent"], 0, 5))
    v2 = project.add_track("video")
    small = v2.insert(studio.clip(media["silent"], 10, 10), 5)
    v2.update(small.id, transform=Transform(scale_x=0.5, scale_y=0.5))
    frames = decode_video(studio.render(project, tmp_path / "g.mp4", progress=False))
    assert len(frames) == 15
    corner = frames[10][:20, :20].reshape(-1, 3).mean(axis=0)
    assert np.abs(corner - [32, 64, 255]).max() < 12, "no lower clip: the project background shows"
    assert read_frame_index(frames[10][30:90, 40:120]) == (15, 4)


def test_crop_removes_edges_before_fitting(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=25)
    clip = project.tracks[0].append(studio.clip(media["pal"], 0, 5))
    project.tracks[0].update(clip.id, crop=Crop(top=40))  # removes the frame-index band
    frame = decode_video(studio.render(project, tmp_path / "c.mp4", progress=False))[0]
    top_rows = frame[:10].reshape(-1, 3)
    assert top_rows.mean() < 20, "cropped 320x200 is letterboxed: black bars top and bottom"


def test_rotation_keeps_layer_centred(studio: Studio, solid: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(solid["grey"], 0, 5))
    v2 = project.add_track("video")
    red = v2.append(studio.clip(solid["red"], 0, 5))
    v2.update(red.id, transform=Transform(scale_x=0.4, scale_y=0.4, rotation=45))
    frame = decode_video(studio.render(project, tmp_path / "r.mp4", progress=False))[2].astype(int)
    assert frame[60, 80, 0] > 180 and frame[60, 80, 1] < 80, "red at the centre"
    assert abs(frame[5, 5] - 128).max() < 10, "grey in the corner"


@pytest.mark.parametrize("seed", range(6))
def test_layers_skip_blending_where_they_show_nothing_and_pixels_do_not_change(
    studio: Studio, media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """An upper layer is blended only where its items (and transitions) are; elsewhere it is
    transparent, so skipping it must give the same pictures as blending it everywhere."""
    import contextlib
    import itertools
    import random

    from timeline_lab.errors import ProjectError
    from timeline_lab.model import RationalTime, TextClip, Transition
    from timeline_lab.render.compile import stack

    rng = random.Random(seed)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 30))
    v2 = project.add_track("video", "V2")
    at = rng.randrange(0, 4)
    placed = []
    while at < 26:
        if rng.random() < 0.5:
            item = v2.insert(TextClip(text=f"t{at}", duration=RationalTime(rng.randrange(2, 5), 25)), at)
        else:
            item = v2.insert(studio.clip(media["silent"], rng.randrange(0, 8), rng.randrange(3, 7)), at)
            v2.update(item.id, transform=Transform(scale_x=0.5, scale_y=0.5, x=rng.randrange(-40, 40)))
        placed.append(item)
        at += item.frames(project.settings.frame_rate) + rng.choice((0, 3, 6, 9))
    clips = [i for i in placed if not isinstance(i, TextClip)]
    for a, b in itertools.pairwise(clips):
        if a.start.to_frames(25) + a.frames(25) == b.start.to_frames(25) and rng.random() < 0.7:
            v2.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(2, 25)))
            if rng.random() < 0.5:  # one side disabled: the transition fades to or from nothing
                v2.update(rng.choice((a, b)).id, enabled=False)
            break
    else:
        if clips and rng.random() < 0.7:  # a fade out into the gap after the last clip
            with contextlib.suppress(ProjectError):  # (refused where no gap follows)
                v2.add_transition(Transition(from_clip=clips[-1].id, duration=RationalTime(2, 25)))
    plan = studio.plan(project, tmp_path / "x.mp4")
    spans = stack.shown_spans(_ctx(project), v2, 30)
    assert spans, "the layer shows on some stretches only"
    assert sum(n.filter == "overlay" for n in plan.nodes) == len(spans)  # one blend per stretch
    skipping = decode_video(studio.render(project, tmp_path / "skip.mp4", progress=False, crf=0))
    monkeypatch.setattr(stack, "shown_spans", lambda *a: None)
    everywhere = decode_video(studio.render(project, tmp_path / "all.mp4", progress=False, crf=0))
    assert len(skipping) == len(everywhere) >= 30
    for k, (x, y) in enumerate(zip(skipping, everywhere, strict=True)):
        assert np.array_equal(x, y), f"frame {k} differs ({v2.describe()})"


def test_a_layer_shown_almost_everywhere_is_blended_everywhere(
    studio: Studio, media: dict[str, Path]
) -> None:
    from timeline_lab.render.compile import stack

    project = two_layers(studio, media)
    assert stack.shown_spans(_ctx(project), project.tracks[1], 20) is None


def _ctx(project):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    return SimpleNamespace(rate=project.settings.frame_rate)


def test_a_clip_that_is_the_canvas_already_is_not_copied_through_scale_and_pad(
    studio: Studio, media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline_lab.render.compile import layers

    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 3, 20))
    project.tracks[0].append(studio.clip(media["ntsc"], 0, 10))  # 160x120: scaled and padded
    nodes = studio.plan(project, tmp_path / "p.mp4").nodes
    kinds = [n.filter for n in nodes if not (n.filter == "scale" and n.args.startswith("size="))]
    assert kinds.count("setrange") == 1 and kinds.count("scale") == 1 and kinds.count("pad") == 1
    direct = decode_video(studio.render(project, tmp_path / "d.mp4", progress=False, crf=0))
    monkeypatch.setattr(layers, "_fills_canvas", lambda *a: False)
    copied = decode_video(studio.render(project, tmp_path / "c.mp4", progress=False, crf=0))
    assert len(direct) == len(copied) == 20 + 8  # ten 29.97 fps frames last 8 at 25 fps
    assert all(np.array_equal(x, y) for x, y in zip(direct, copied, strict=True))
