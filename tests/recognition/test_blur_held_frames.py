"""Tracked-object blur never leaves the object bare on a rendered frame: a sighting's box stays while
its source frame is on screen (until the next frame's time), so a variable-rate source's held
pictures, a jittery clock's frames and strided results are covered, whatever ``hold`` says."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab.media.synth import read_frame_index
from timeline_lab.recognition import ModelManager, ModelRegistry, add_blur, recognize
from timeline_lab.studio import Studio

from .conftest import square_box, write_synth

rng = random.Random(7)
SOURCES: dict[str, tuple[list[int], Fraction]] = {
    # dropped frames: pictures 4 and 11 held for 4 and 6 frame times
    "drops": ([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 25, 26, 27], Fraction(1, 25)),
    # a phone's clock: each frame 1/6 to 1/3 of a frame off its slot
    "jitter": (
        [0] + [i * 3600 + rng.choice([-1, 1]) * rng.randint(600, 1100) for i in range(1, 20)],
        Fraction(1, 90000),
    ),
    # 25 fps, then 50 fps, then a picture held for 10 frame times (a screen recording's pause)
    "switch": ([2 * i for i in range(8)] + [16 + i for i in range(8)] + [44, 46, 48, 50], Fraction(1, 50)),
}
OPTIONS: list[dict[str, Any]] = [
    {"every": 1},
    {"every": 1, "hold": 0},  # no linger, no bridging: each sighting still covers its own frame
    {"every": 2},  # (a stride of 3 moves the square too far for the IoU tracker to keep its track)
    {"every": 2, "hold": Fraction(1, 2)},
]


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> ModelManager:
    return ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))


@pytest.fixture(scope="module", params=sorted(SOURCES))
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    stamps, tb = SOURCES[request.param]
    return write_synth(tmp_path_factory.mktemp("held") / f"{request.param}.mp4", stamps=stamps, time_base=tb)


def _frames(path: Path) -> list[np.ndarray[Any, Any]]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _changed(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 20)
    return None if not len(xs) else (int(xs.min()), int(ys.min()), int(xs.max() + 1), int(ys.max() + 1))


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}{v}" for k, v in o.items()))
def test_every_frame_showing_the_object_is_blurred(
    source: Path, options: dict[str, Any], manager: ModelManager, tmp_path: Path
) -> None:
    every, blur = options["every"], {k: v for k, v in options.items() if k == "hold"}
    model = _model(tmp_path)
    results = recognize(source, model, manager=manager, tracker="iou", every=every, cache=False)
    studio = Studio()
    try:
        projects = []
        for blurred in (False, True):
            project = studio.new_project(width=320, height=240, frame_rate=25)
            project.tracks[0].append(studio.clip(source, 1, 18))  # trimmed: source times mapped
            if blurred:
                assert add_blur(project, results, mode="pixelate", **blur) == 1
            out = tmp_path / f"{blurred}.mp4"
            studio.render(project, out, progress=False, video_codec="libx264", crf=0)
            projects.append(_frames(out))
        plain, hidden = projects
        assert len(plain) == len(hidden) >= 18
        for k, (a, b) in enumerate(zip(plain, hidden, strict=True)):
            shown, _ = read_frame_index(a)
            x1, y1, x2, y2 = square_box(shown)
            box = _changed(a, b)
            assert box is not None, f"frame {k} (source picture {shown}) is not blurred"
            assert box[0] <= x1 and box[1] <= y1 and box[2] >= x2 and box[3] >= y2, (k, shown, box)
    finally:
        studio.close()


def _model(tmp_path: Path) -> Path:
    from timeline_lab.recognition.demo_detector import square_detector

    return square_detector(tmp_path / "square.onnx")
