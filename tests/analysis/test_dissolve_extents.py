"""A 20-frame dissolve between two slowly panning shots is found whole (its window grows while the
blend still moves at its edge) and alone (a pan beside it is no dissolve, however its window is cut)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.analysis import shot_boundaries
from timeline_lab.analysis.synth import _film

W, H = 320, 180


@pytest.mark.parametrize("seed", range(12))
def test_a_dissolve_between_slow_pans_is_found_whole_and_alone(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scenes = [_film(rng, W, H, 0.1) for _ in range(8)]
    a, b = scenes[3], scenes[4]
    frames = [a(i) for i in range(80, 110)]
    frames += [(1 - (j + 1) / 21) * a(110 + j) + (j + 1) / 21 * b(110 + j) for j in range(20)]
    frames += [b(i) for i in range(130, 170)]
    path = tmp_path / "d.mp4"
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25, options={"crf": "18", "preset": "veryfast", "threads": "1"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for img in frames:
            rgb = np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8))
            out.mux(s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(s.encode(None))
    rows = shot_boundaries(path).select("start_frame", "end_frame", "kind").rows()
    assert len(rows) == 1 and rows[0][2] == "dissolve", rows
    assert abs(rows[0][0] - 30) <= 1 and abs(rows[0][1] - 50) <= 1, rows
