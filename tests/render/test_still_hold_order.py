"""A still with nothing that changes from frame to frame is scaled and converted once, then held: the
loop comes after its picture steps (a large photo was scaled again for every output frame), and the
frames are the very ones the hold-first chain makes. A still with effects or keyframes is held first."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.model.items import Clip
from timeline_lab.model.keyframes import Keyframe
from timeline_lab.model.project import Project
from timeline_lab.model.properties import Effect
from timeline_lab.model.time import RationalTime
from timeline_lab.render import ExportSettings, compile_plan
from timeline_lab.render.compile import pieces
from timeline_lab.render.compile.graph import ChainItem
from timeline_lab.render.compile.layers import hold_steps
from timeline_lab.studio import Studio

from .conftest import decode_video

W, H, FRAMES = 64, 48, 12


def _photo(path: Path, alpha: bool) -> Path:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (600, 800, 4 if alpha else 3), np.uint8)
    if alpha:
        pixels[:, :400, 3] = 255
        pixels[:, 400:, 3] = 90
    Image.fromarray(pixels).save(path)
    return path


def _plain(clip: Clip) -> None:
    pass


def _faded_placed(clip: Clip) -> None:
    clip.opacity = 0.6
    clip.transform.scale_x = clip.transform.scale_y = 0.5
    clip.transform.rotation = 20
    clip.transform.x = 5


def _cropped(clip: Clip) -> None:
    clip.crop.left, clip.crop.top = 80, 30


CHANGES: dict[str, Callable[[Clip], None]] = {"plain": _plain, "placed": _faded_placed, "cropped": _cropped}


def _project(studio: Studio, photo: Path, upper: bool, change: Callable[[Clip], None]) -> Project:
    project = studio.new_project(width=W, height=H, frame_rate=25)
    clip = studio.clip(photo, 0, FRAMES, rate=25)
    change(clip)
    if upper:
        project.tracks[0].append(studio.clip(photo, 0, FRAMES, rate=25))
        project.add_track("video", "V2")
        project.tracks[1].append(clip)
    else:
        project.tracks[0].append(clip)
    return project


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("alpha", [False, True])
def test_a_fixed_still_is_scaled_once_with_the_same_frames(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alpha: bool, upper: bool, change: str
) -> None:
    photo = _photo(tmp_path / ("a.png" if alpha else "a.jpg"), alpha)
    project = _project(studio, photo, upper, CHANGES[change])
    assert all(not line.startswith("loop") for line in _still_inputs(project, tmp_path))
    settings = {"progress": False, "video_codec": "ffv1"}
    now = decode_video(studio.render(project, tmp_path / "now.mkv", **settings))

    def held_first(clip: Clip, picture: list[ChainItem], frames: int, rate: object) -> list[ChainItem]:
        return [*hold_steps(frames, rate), *picture]  # type: ignore[arg-type]

    monkeypatch.setattr(pieces, "still_steps", held_first)
    before = decode_video(studio.render(project, tmp_path / "before.mkv", **settings))
    assert len(now) == len(before) == FRAMES
    for a, b in zip(now, before, strict=True):
        assert np.array_equal(a, b)


def _key(frame: int, value: float) -> Keyframe:
    return Keyframe(time=RationalTime(frame, 25), value=value)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.effects.append(Effect(kind="fade_in", params={"frames": 4})),
        lambda c: c.effects.append(Effect(kind="grain")),
        lambda c: c.keyframes.update(
            {
                "opacity": [
                    Keyframe(time=RationalTime(0, 25), value=0.0),
                    Keyframe(time=RationalTime(8, 25), value=1.0),
                ]
            }
        ),
    ],
)
def test_a_still_that_changes_is_held_first(
    studio: Studio, tmp_path: Path, change: Callable[[Clip], None]
) -> None:
    project = _project(studio, _photo(tmp_path / "a.jpg", False), False, change)
    assert [line.split("=")[0] for line in _still_inputs(project, tmp_path)] == ["loop"]


def _still_inputs(project: Project, tmp_path: Path) -> list[str]:
    """The first filter of each still's chain (after its ``[..img]`` buffer pad) in the plan."""
    text = compile_plan(project, ExportSettings(tmp_path / "x.mkv")).describe()
    return [line.split("img]", 1)[1] for line in text.splitlines() if re.match(r"\s*\[\w+img\]\w", line)]
