"""A preview's scale must be a number above 0: 0 or less made a 2x2 video, and a string or None a
raw error from deep inside; each is refused naming ``scale``, and no file is written."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.errors import RenderError
from timeline_lab.model.settings import ProjectSettings
from timeline_lab.render.compile.canvas import Canvas, scale_of
from timeline_lab.studio import Studio

BAD = [0, -1, -0.5, Fraction(-1, 2), 0.0, float("nan"), float("inf"), "1/2", "0.5", None, True, [1], 1j]


@pytest.mark.parametrize("scale", BAD)
def test_preview_refuses_a_scale_that_is_not_above_zero(
    media: dict[str, Path], tmp_path: Path, scale: object
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 5))
    with pytest.raises(RenderError, match=r"^scale: expected a number above 0"):
        studio.preview(project, "p.mp4", scale=scale)  # type: ignore[arg-type]
    assert not (tmp_path / "p.mp4").exists()


@pytest.mark.parametrize("scale", [0, -1, Fraction(-1, 4)])
def test_canvas_refuses_it_for_every_caller(scale: Fraction) -> None:
    with pytest.raises(RenderError, match="scale: expected a number above 0"):
        Canvas.of(ProjectSettings(width=160, height=120, frame_rate=25), Fraction(scale))


@pytest.mark.parametrize(
    ("scale", "size"),
    [
        (1, (160, 120)),
        (Fraction(1, 2), (80, 60)),
        (0.25, (40, 30)),
        (np.float32(0.5), (80, 60)),
        (2, (320, 240)),
    ],
)
def test_numbers_above_zero_scale_the_canvas(scale: object, size: tuple[int, int]) -> None:
    canvas = Canvas.of(ProjectSettings(width=160, height=120, frame_rate=25), scale_of(scale))
    assert (canvas.width, canvas.height) == size


def test_scale_of_keeps_fractions_exact() -> None:
    assert scale_of(Fraction(1, 3)) == Fraction(1, 3) and scale_of(np.int64(1)) == 1
