"""A tracked blur (a redaction) follows the frame a reversed, frozen or sped-up clip shows: reverse
and freeze act on the clip's picture before its effects, and the blur mapped chain frames to source
times as if the clip played forwards, so the face it should hide was left sharp on most frames."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Effect
from timeline_lab.recognition import ModelManager, ModelRegistry, blur_effect, recognize, register_blur
from timeline_lab.recognition.blur import render_blur
from timeline_lab.render.compile.effects import EffectContext
from timeline_lab.studio import Studio

from .conftest import square_box
from .test_blur import decoded


@pytest.fixture(scope="module")
def tracked(videos: dict[str, Path], square_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    manager = ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))
    return recognize(videos["square"], square_model, manager=manager, tracker="iou", cache=False)


TIMINGS: dict[str, tuple[list[dict[str, Any]], int]] = {  # effects (listed order), speed
    "reverse": ([{"kind": "reverse"}], 1),
    "freeze": ([{"kind": "freeze", "params": {"frame": 9}}], 1),
    "reverse then freeze": ([{"kind": "reverse"}, {"kind": "freeze", "params": {"frame": 3}}], 1),
    "freeze then reverse": ([{"kind": "freeze", "params": {"frame": 3}}, {"kind": "reverse"}], 1),
    "reverse at 2x": ([{"kind": "reverse"}], 2),
    "two reverses": ([{"kind": "reverse"}, {"kind": "reverse"}], 1),
}


@pytest.mark.slow
@pytest.mark.parametrize("timing", list(TIMINGS))
def test_the_tracked_square_is_blurred_on_every_frame_shown(
    tracked: Any, videos: dict[str, Path], tmp_path: Path, timing: str
) -> None:
    register_blur()
    effects, speed = TIMINGS[timing]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    clip = studio.clip(videos["square"], 6, 30 if speed == 2 else 16, speed=speed)
    timing_fx = [Effect(kind=e["kind"], params=e.get("params", {})) for e in effects]
    project.tracks[0].append(clip.model_copy(update={"effects": timing_fx}))
    plain = decoded(studio.render(project, tmp_path / "plain.mp4", progress=False, crf=0))
    blur = blur_effect(tracked, margin=0.1)
    item = project.tracks[0].items[0]
    project.tracks[0].update(item.id, effects=[blur, *item.effects])
    blurred = decoded(studio.render(project, tmp_path / "blurred.mp4", progress=False, crf=0))
    assert len(blurred) == len(plain) > 10
    for k, (a, b) in enumerate(zip(blurred, plain, strict=True)):
        shown, _ = read_frame_index(b)
        x1, y1, x2, y2 = square_box(shown)
        diff = np.abs(a.astype(int) - b.astype(int)).max(axis=2)
        assert diff[y1 - 6 : y2 + 6, x1 - 6 : x2 + 6].mean() > 8, (timing, k, shown)  # smeared


def test_fixed_boxes_follow_the_frames_a_reversed_clip_shows() -> None:
    """A box given between two source times covers the chain frames that show them, mirrored."""
    from timeline_lab.model import Clip, MediaReference, RationalTime, TimeRange

    media = MediaReference(
        path="/m.mp4",
        rate=Fraction(25),
        available_range=TimeRange(RationalTime(0, 25), RationalTime(100, 25)),
    )
    clip = Clip(
        media=media,
        source_range=TimeRange(RationalTime(10, 25), RationalTime(20, 25)),
        effects=[Effect(kind="reverse")],
    )
    ctx = EffectContext(
        320, 240, 0, 0, Fraction(10, 25), Fraction(1), Fraction(25), 20, "t", "tv", clip, (0, 20)
    )
    fx = Effect(
        kind="blur.region",
        params={"boxes": [{"x": 4, "y": 4, "w": 20, "h": 20, "start": "12/25", "end": "15/25"}]},
    )
    (frag,) = render_blur(fx, ctx)
    (box,) = frag.boxes
    # source frames 12..14 are shown at chain frames 19-2 .. 19-4: 15, 16, 17
    assert (box.first, box.end) == (15, 18)
