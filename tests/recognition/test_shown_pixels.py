"""Recognition sees the picture as a player shows it (display matrix, SAR), so its boxes are in the
pixels the render shows and land on the object in annotated renders."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.analysis.annotate import annotate
from timeline_lab.media.probe import probe
from timeline_lab.recognition import ModelManager, ModelRegistry, recognize
from timeline_lab.recognition.frames import FrameSampler
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from .conftest import HEIGHT as H
from .conftest import WIDTH as W
from .conftest import square_box, write_synth

N = 10  # frames


def shown_box(i: int, rotation: int, sar: Fraction) -> tuple[float, float, float, float]:
    """Where the square of frame ``i`` is in the shown picture: stretched by SAR, then turned."""
    x1, y1, x2, y2 = square_box(i, W, H)
    mask = np.zeros((H, W), bool)
    mask[y1:y2, x1:x2] = True
    ys, xs = np.nonzero(np.rot90(mask, rotation // 90))  # counter-clockwise, as the display matrix
    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    sx = float(sar)
    return (
        (box[0] * sx, box[1], box[2] * sx, box[3])
        if rotation % 180 == 0
        else (box[0], box[1] * sx, box[2], box[3] * sx)
    )


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> ModelManager:
    return ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))


GEOMETRY = [
    (90, Fraction(1)),
    (180, Fraction(1)),
    (270, Fraction(1)),
    (0, Fraction(2)),
    (0, Fraction(1, 2)),
    (90, Fraction(2)),
    (270, Fraction(3, 2)),
]


@pytest.mark.parametrize(("rotation", "sar"), GEOMETRY)
def test_boxes_are_in_shown_pixels(
    tmp_path: Path, square_model: Path, manager: ModelManager, rotation: int, sar: Fraction
) -> None:
    path = write_synth(tmp_path / "v.mp4", rotation=rotation, sar=sar)
    v = probe(path).primary_video
    assert v is not None and v.rotation == rotation and v.sample_aspect_ratio == sar
    df = recognize(path, square_model, manager=manager, cache=False)
    assert df["frame"].to_list() == list(range(N))
    got = df.select("x1", "y1", "x2", "y2").to_numpy()
    want = np.array([shown_box(i, rotation, sar) for i in range(N)])
    # turning is lossless; a stretch blurs the square's edges by a stored pixel (two shown at SAR 2)
    np.testing.assert_allclose(got, want, atol=0 if sar == 1 else float(max(sar, 1)) + 0.5)
    size = np.array([v.display_width, v.display_height] * 2, np.float32)
    np.testing.assert_allclose(df.select("nx1", "ny1", "nx2", "ny2").to_numpy(), got / size, rtol=1e-6)


@pytest.mark.parametrize(("rotation", "sar"), [(90, Fraction(1)), (0, Fraction(2)), (270, Fraction(2))])
def test_letterboxed_batches_hold_the_shown_picture(tmp_path: Path, rotation: int, sar: Fraction) -> None:
    path = write_synth(tmp_path / "v.mp4", rotation=rotation, sar=sar)
    v = probe(path).primary_video
    assert v is not None
    sampler = FrameSampler(path, size=96, batch=N)
    assert sampler.geometry.src == (v.display_height, v.display_width)
    (batch,) = list(sampler)
    nh, nw = batch.geometry.new
    assert nh / nw == pytest.approx(v.display_height / v.display_width, rel=0.05)


@pytest.mark.parametrize(("rotation", "sar"), [(90, Fraction(1)), (180, Fraction(1)), (0, Fraction(2))])
def test_annotated_render_encloses_the_object(
    tmp_path: Path, square_model: Path, manager: ModelManager, rotation: int, sar: Fraction
) -> None:
    path = write_synth(tmp_path / "v.mp4", rotation=rotation, sar=sar)
    v = probe(path).primary_video
    assert v is not None
    df = recognize(path, square_model, manager=manager, cache=False)
    studio = Studio()
    plain = studio.new_project(width=v.display_width, height=v.display_height, frame_rate=25)
    plain.tracks[0].append(studio.clip(path, 0, N))
    drawn = studio.new_project(width=v.display_width, height=v.display_height, frame_rate=25)
    drawn.tracks[0].append(studio.clip(path, 0, N))
    annotate(drawn, df, style={"labels": False, "palette": ["#00ff00"], "thickness": 2})
    for k in (0, 5, N - 1):
        a, p = timeline_frame(drawn, k, scale=1), timeline_frame(plain, k, scale=1)
        ys, xs = np.nonzero(np.abs(a.astype(int) - p.astype(int)).max(axis=2) > 60)
        box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        np.testing.assert_allclose(box, shown_box(k, rotation, sar), atol=2)  # the outline on the square
