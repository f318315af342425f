"""A shot of one frame between two others is two cuts; a flash of one to four frames is none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab.analysis import shot_boundaries
from timeline_lab.analysis._boundaries import Features, find_boundaries
from timeline_lab.analysis.synth import _film

Img = np.ndarray[Any, np.dtype[np.float64]]


def _shots(
    lengths: list[int], seed: int, flash: int | None = None, pan: int = 1
) -> tuple[list[Img], list[int]]:
    """Noisy pictures of ``lengths`` frames each, panned a pixel every ``pan`` frames (shot
    ``flash`` returns to the one before the last: a flash), and where each new picture starts."""
    rng = np.random.default_rng(seed)
    frames: list[Img] = []
    cuts: list[int] = []
    bases: list[Img] = []
    for k, n in enumerate(lengths):
        if frames:
            cuts.append(len(frames))
        base = bases[k - 2] if k == flash else np.kron(rng.uniform(30, 220, (9, 8)), np.ones((4, 8)))
        bases.append(base)
        at = len(frames)
        for i in range(n):
            moved = np.roll(base, (at + i) // pan, axis=1)
            frames.append(np.clip(moved + rng.normal(0, 2, base.shape), 0, 255))
    return frames, cuts


def _cuts(frames: list[Img]) -> list[int]:
    y = np.stack(frames).astype(np.uint8)
    u = np.full((len(frames), y.shape[1] // 2, y.shape[2] // 2), 128, np.uint8)
    return [b.start for b in find_boundaries(Features.from_planes(y, u, u.copy())) if b.kind == "cut"]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("lengths", [[40, 1, 59], [20, 1, 30], [30, 1, 20, 1, 30], [25, 1, 25, 25]])
def test_a_one_frame_shot_between_two_is_two_cuts(lengths: list[int], seed: int) -> None:
    frames, cuts = _shots(lengths, seed)
    assert _cuts(frames) == cuts


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("length", [1, 2, 3, 4])
def test_a_flash_that_returns_is_no_cut(length: int, seed: int) -> None:
    frames, _ = _shots([40, length, 40], seed, flash=2, pan=4)
    assert _cuts(frames) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_one_frame_shot_in_an_encoded_film(tmp_path: Path, seed: int) -> None:
    w, h = 160, 96
    rng = np.random.default_rng(seed)
    a, b, c = (_film(rng, w, h, 0.1) for _ in range(3))
    path = tmp_path / "one.mp4"
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25, options={"crf": "18", "preset": "veryfast"})
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for i in range(70):
            img = a(i) if i < 30 else b(i) if i == 30 else c(i)
            rgb = np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8))
            out.mux(s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(s.encode(None))
    rows = shot_boundaries(path).select("start_frame", "end_frame", "kind").rows()
    assert rows == [(30, 30, "cut"), (31, 31, "cut")]
