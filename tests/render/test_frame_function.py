"""Per-frame Python effects: fn sees exactly the frames a clip shows, with their source time."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import RenderError
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.model.time import RationalTime
from timeline_lab.render import ExportSettings, RenderJob, compile_plan, execute
from timeline_lab.render.frame import timeline_frame
from timeline_lab.render.frame_function import (
    FRAME_FUNCTIONS,
    FrameFunction,
    frame_function_effect,
    register_frame_function,
)
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow
RATE = Fraction(25)


class Stamp:
    """Writes the source frame ``t`` names as a white block at a position that encodes it."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []  # (frame number from t, frame number in the pixels)

    def __call__(self, frame: np.ndarray, t: RationalTime) -> np.ndarray:
        j = t.to_frames(RATE)
        self.seen.append((j, read_frame_index(frame)[0]))
        out = frame.copy()
        x, y = 16 + 12 * (j % 20), 120 + 16 * (j // 20)
        out[y : y + 8, x : x + 8] = 255
        return out


def stamped(picture: np.ndarray) -> int | None:
    """The frame number a Stamp wrote into an output picture (its block's top-left corner)."""
    white = picture[120:, :].min(axis=2) > 235
    rows, cols = np.nonzero(white)
    for y, x in zip(rows, cols, strict=True):
        if white[y : y + 6, x : x + 6].all():
            return (int(x) - 16 + 4) // 12 + 20 * ((int(y) + 4) // 16)
    return None


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ff")
    # the bars stop short of white, so only the stamp is white below the code band
    return make_clip(d / "src.mp4", width=320, height=240, rate=25, frames=80, tag=6, audio=False)


def project_with(studio: Studio, source: Path, name: str) -> Project:
    project = studio.new_project(width=320, height=240, frame_rate=RATE)
    for first, count, speed in ((13, 10, 1), (20, 20, 2), (50, 6, Fraction(1, 2))):
        clip = studio.clip(source, first, count, speed=speed)
        fx = frame_function_effect(FRAME_FUNCTIONS.get(name)) if name in FRAME_FUNCTIONS.names() else None
        project.tracks[0].append(clip.model_copy(update={"effects": [fx] if fx else []}))
    return project


def oracle(project: Project) -> list[int]:
    rate = project.settings.frame_rate
    clips = [c for c in project.tracks[0].items if isinstance(c, Clip)]
    return [c.source_frame_at(k, rate) for c in clips for k in range(c.frames(rate))]


def test_fn_sees_each_shown_frame_with_its_source_time_and_its_output_lands_there(
    studio: Studio, source: Path, tmp_path: Path
) -> None:
    stamp = Stamp()
    ff = register_frame_function("test.stamp", stamp)
    project = project_with(studio, source, "test.stamp")
    job = RenderJob()
    out = tmp_path / "frames"
    execute(studio.plan(project, out, format="png-sequence"), job=job)
    pictures = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(out.glob("*.png"))]
    want = oracle(project)
    assert [read_frame_index(p)[0] for p in pictures] == want
    assert [stamped(p) for p in pictures] == want
    assert all(a == b for a, b in stamp.seen), "t names the frame fn was given"
    assert [j for j, _ in stamp.seen] == want, "fn sees exactly the frames shown, once each, in order"
    cost = job.python["clip 'src.mp4': frame function 'test.stamp'"]
    assert cost.frames == len(want) and cost.seconds > 0
    assert ff.cost.frames >= len(want)


def test_preview_shows_what_the_render_shows(studio: Studio, source: Path) -> None:
    register_frame_function("test.stamp2", Stamp())
    project = project_with(studio, source, "test.stamp2")
    want = oracle(project)
    for k in (0, 12, 25, 31):
        picture = timeline_frame(project, k, scale=1)
        assert stamped(picture) == read_frame_index(picture)[0] == want[k]


def test_a_loaded_project_without_its_function_names_clip_and_function(studio: Studio, source: Path) -> None:
    register_frame_function("test.gone", Stamp())
    project = project_with(studio, source, "test.gone")
    loaded = Project.model_validate_json(project.model_dump_json())
    FRAME_FUNCTIONS.unregister("test.gone")
    with pytest.raises(RenderError, match=r"clip 'src.mp4': frame function 'test.gone' is not registered"):
        timeline_frame(loaded, 0, scale=1)


def test_a_wrong_shape_is_an_error_and_the_command_is_refused(
    studio: Studio, source: Path, tmp_path: Path
) -> None:
    register_frame_function("test.crop", lambda frame, t: frame[:10])
    project = project_with(studio, source, "test.crop")
    with pytest.raises(RenderError, match=r"returned shape \(10, 320, 3\)"):
        timeline_frame(project, 0, scale=1)
    plan = compile_plan(project, ExportSettings(tmp_path / "x.mp4"))
    with pytest.raises(RenderError, match=r"frame function 'test\.crop' run in Python"):
        plan.to_ffmpeg_args()


def test_frame_function_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        FrameFunction(42)  # type: ignore[arg-type]
