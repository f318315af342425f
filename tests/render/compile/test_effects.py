"""Effects and grading, checked on decoded pixels against the same clip without the effect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import ColorCorrection, Effect
from timeline_lab.studio import Studio

from ..conftest import decode_video

pytestmark = pytest.mark.slow


def render_with(studio: Studio, path: Path, out: Path, first: int = 0, count: int = 10, **changes: object):
    project = studio.new_project(width=160, height=120, frame_rate=25)
    clip = project.tracks[0].append(studio.clip(path, first, count))
    if changes:
        project.tracks[0].update(clip.id, **changes)
    return decode_video(studio.render(project, out, progress=False)), project


@pytest.fixture
def plain(studio: Studio, media: dict[str, Path], tmp_path: Path) -> list[np.ndarray]:
    return render_with(studio, media["pal"], tmp_path / "plain.mp4")[0]


def _luma(img: np.ndarray) -> np.ndarray:
    return img.astype(float) @ np.array([0.299, 0.587, 0.114])


def _sharpness(img: np.ndarray) -> float:
    g = img.astype(float).mean(axis=2)
    return float(np.abs(np.diff(g, axis=1)).mean() + np.abs(np.diff(g, axis=0)).mean())


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        (
            {"effects": [Effect(kind="blur", params={"sigma": 16})]},
            lambda fx, ref: _sharpness(fx) < 0.8 * _sharpness(ref),
        ),
        (
            {"effects": [Effect(kind="sharpen", params={"amount": 2.0})]},
            lambda fx, ref: _sharpness(fx) > 1.1 * _sharpness(ref),  # 1.14 on these colours
        ),
        ({"color": ColorCorrection(brightness=0.25)}, lambda fx, ref: fx.mean() > ref.mean() + 25),
        (
            {"color": ColorCorrection(contrast=0.3)},
            lambda fx, ref: _luma(fx).std() < 0.5 * _luma(ref).std(),
        ),
        ({"color": ColorCorrection(gamma=2.0)}, lambda fx, ref: fx.mean() > ref.mean() + 15),
        (
            {"color": ColorCorrection(saturation=0.0)},
            lambda fx, ref: np.abs(fx.astype(int) - fx.astype(int).mean(axis=2, keepdims=True)).mean() < 4,
        ),
        (
            {"color": ColorCorrection(hue=120)},
            lambda fx, ref: np.abs(fx.astype(int) - ref.astype(int)).mean() > 20,
        ),
        (
            {"effects": [Effect(kind="vignette", params={"angle": 1.2})]},
            lambda fx, ref: (
                fx[-15:, -15:].mean() < 0.8 * ref[-15:, -15:].mean()
                and abs(fx[50:70, 70:90].mean() - ref[50:70, 70:90].mean()) < 12
            ),
        ),
        (
            {"effects": [Effect(kind="grain", params={"strength": 40})]},
            lambda fx, ref: np.abs(fx.astype(int) - ref.astype(int)).mean() > 3,
        ),
    ],
    ids=["blur", "sharpen", "brightness", "contrast", "gamma", "saturation", "hue", "vignette", "grain"],
)
def test_spatial_effects(
    studio: Studio,
    media: dict[str, Path],
    tmp_path: Path,
    plain: list[np.ndarray],
    changes: dict[str, object],
    check,
) -> None:
    frames, _ = render_with(studio, media["pal"], tmp_path / "fx.mp4", **changes)
    assert len(frames) == len(plain)
    assert check(frames[5], plain[5])


def test_reverse_plays_backwards(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    frames, _ = render_with(studio, media["pal"], tmp_path / "r.mp4", 3, 8, effects=[Effect(kind="reverse")])
    assert [read_frame_index(f)[0] for f in frames] == list(range(10, 2, -1))


def test_freeze_holds_one_frame(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    fx = Effect(kind="freeze", params={"frame": 4})
    frames, _ = render_with(studio, media["pal"], tmp_path / "f.mp4", 3, 8, effects=[fx])
    assert [read_frame_index(f)[0] for f in frames] == [7] * 8


def test_fade_in_and_out(
    studio: Studio, media: dict[str, Path], tmp_path: Path, plain: list[np.ndarray]
) -> None:
    fxs = [Effect(kind="fade_in", params={"frames": 5}), Effect(kind="fade_out", params={"frames": 3})]
    frames, _ = render_with(studio, media["pal"], tmp_path / "fade.mp4", effects=fxs)
    assert frames[0].mean() < 10 and frames[-1].mean() < plain[-1].mean() * 0.5
    assert abs(frames[6].mean() - plain[6].mean()) < 3


def test_chroma_key_reveals_the_layer_below(
    studio: Studio, media: dict[str, Path], solid: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"], 0, 10))
    v2 = project.add_track("video")
    green = v2.append(studio.clip(solid["green"], 0, 10))
    v2.update(green.id, effects=[Effect(kind="chroma_key", params={"color": "0x00ff00", "similarity": 0.2})])
    frames = decode_video(studio.render(project, tmp_path / "k.mp4", progress=False))
    assert [read_frame_index(f) for f in frames] == [(k, 4) for k in range(10)]


def test_lut_file(studio: Studio, media: dict[str, Path], tmp_path: Path, plain: list[np.ndarray]) -> None:
    lut = tmp_path / "invert.cube"
    size = 2
    rows = [f"{1 - r} {1 - g} {1 - b}" for b in range(size) for g in range(size) for r in range(size)]
    lut.write_text(f"LUT_3D_SIZE {size}\n" + "\n".join(rows) + "\n")
    frames, _ = render_with(
        studio, media["pal"], tmp_path / "lut.mp4", effects=[Effect(kind="lut", params={"path": str(lut)})]
    )
    inverted = 255 - plain[5].astype(int)
    assert np.abs(frames[5].astype(int) - inverted)[40:, :].mean() < 12
