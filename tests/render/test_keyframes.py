"""Keyframed renders read back per frame: position, rotation box, opacity, saturation, blur, gain.

Every value is the model's (``value_at``) at that frame; the render, the preview and the printed
ffmpeg command must show it on the same frame.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import RenderError
from timeline_lab.model import Clip, Keyframe, Project, RationalTime, Transform
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.keyframes import value_at
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from .conftest import decode_audio, decode_video

pytestmark = pytest.mark.slow

W, H = 320, 240
SW = 80  # the 160x120 grey clip fitted to 320x240 (x2) and scaled by 1/4


def grey_square(
    studio: Studio, solid: dict[str, Path], rate: Fraction = Fraction(25)
) -> tuple[Project, Clip]:
    project = studio.new_project(width=W, height=H, frame_rate=rate)
    c = project.tracks[0].append(studio.clip(solid["grey"], 0, 25))
    project.tracks[0].update(c.id, transform=Transform(scale_x=0.25, scale_y=0.25))
    return project, project.tracks[0].items[0]  # type: ignore[return-value]


def left_edges(frames: list[np.ndarray], level: int = 64) -> list[int | None]:
    """Column of the left edge of what is brighter than ``level`` on each frame (None: nothing)."""
    out: list[int | None] = []
    for f in frames:
        cols = np.flatnonzero(f[:, :, 1].max(axis=0) > level)
        out.append(int(cols[0]) if len(cols) else None)
    return out


def pngs(folder: Path) -> list[np.ndarray]:
    """A lossless render's frames as RGB."""
    from PIL import Image

    out = []
    for f in sorted(folder.iterdir()):
        with Image.open(f) as img:
            out.append(np.asarray(img.convert("RGB")))
    return out


def expected_left(clip: Clip, frame: int, rate: Fraction) -> int | None:
    x = math.floor(value_at(clip, "transform.x", frame, rate) + 0.0 * SW + (W / 2 - SW / 2 + 0.5))
    if x + SW <= 0 or x >= W:
        return None
    return max(x, 0)


def test_keyframed_position_is_exact_on_every_frame(
    studio: Studio, solid: dict[str, Path], tmp_path: Path
) -> None:
    project, c = grey_square(studio, solid)
    t = project.tracks[0]
    add_keyframe(t, c.id, "transform.x", 2, -200.0)
    add_keyframe(t, c.id, "transform.x", 9, 37.5, "ease_in_out")
    add_keyframe(t, c.id, "transform.x", 17, 140.25, "hold")
    add_keyframe(t, c.id, "transform.x", 20, -61.0)
    clip = t.items[0]
    assert isinstance(clip, Clip)
    frames = decode_video(studio.render(project, tmp_path / "x.mp4", progress=False))
    want = [expected_left(clip, k, Fraction(25)) for k in range(25)]
    assert left_edges(frames) == want
    # the paused preview shows the same frames
    for k in (0, 5, 12, 19):
        pic = timeline_frame(project, k, scale=1)
        assert left_edges([pic]) == [want[k]], k
    # and so does the printed ffmpeg command
    if shutil.which("ffmpeg") is not None:
        plan = studio.plan(project, tmp_path / "cli.mp4")
        done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        assert left_edges(decode_video(tmp_path / "cli.mp4")) == want


def test_keyframed_opacity_reads_back_per_frame(
    studio: Studio, solid: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    t = project.tracks[0]
    c = t.append(studio.clip(solid["grey"], 0, 25))
    add_keyframe(t, c.id, "opacity", 0, 0.0, "ease_in")
    add_keyframe(t, c.id, "opacity", 12, 1.0)
    add_keyframe(t, c.id, "opacity", 20, 0.2)
    clip = t.items[0]
    assert isinstance(clip, Clip)
    frames = decode_video(studio.render(project, tmp_path / "o.mp4", progress=False))
    grey = 128.0  # over the black background, intensity = opacity * grey
    got = [float(f[30:90, 40:120, 1].mean()) for f in frames]
    want = [value_at(clip, "opacity", k, Fraction(25)) * grey for k in range(25)]
    # 3 levels: the source's BT.601 (untagged SD) to the canvas's BT.709, then RGBA for the opacity
    assert max(abs(g - w) for g, w in zip(got, want, strict=True)) <= 3.5, list(zip(got, want, strict=True))


def test_keyframed_gain_reads_back_as_rms_per_frame(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    a = project.add_track("audio", "A1")
    c = a.append(studio.clip(media["pal"], 0, 30))
    flat = decode_audio(studio.render(project, tmp_path / "flat.mp4", progress=False))[0][0]
    add_keyframe(a, c.id, "volume", 3, 1.0)
    add_keyframe(a, c.id, "volume", 10, 0.25, "hold")
    add_keyframe(a, c.id, "volume", 18, 0.5, "ease_out")
    add_keyframe(a, c.id, "volume", 26, 1.0)
    clip = a.items[0]
    assert isinstance(clip, Clip)
    pcm, sr = decode_audio(studio.render(project, tmp_path / "gain.mp4", progress=False))
    per = sr // 25
    for k in range(1, 29):
        g, f = pcm[0][k * per : (k + 1) * per], flat[k * per : (k + 1) * per]
        # the envelope is linear within a frame: its mean over the frame is between its ends
        lo, hi = sorted(value_at(clip, "volume", j, Fraction(25)) for j in (k, k + 1))
        ratio = float(np.sqrt((g**2).mean() / (f**2).mean()))
        assert lo - 0.03 <= ratio <= hi + 0.03, (k, ratio, lo, hi)


@pytest.mark.parametrize(
    ("prop", "kfs"),
    [
        ("color.saturation", [(0, 0.0), (10, 2.0)]),
        ("effects[0].sigma", [(0, 0.5), (10, 12.0)]),
        ("transform.rotation", [(0, 0.0), (10, 90.0)]),
    ],
)
def test_colour_blur_and_rotation_animate_and_match_the_preview(
    studio: Studio, media: dict[str, Path], tmp_path: Path, prop: str, kfs: list[tuple[int, float]]
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    t = project.tracks[0]
    c = t.append(studio.clip(media["pal"], 0, 12))
    if prop.startswith("effects"):
        t.update(c.id, effects=[{"kind": "blur", "params": {"sigma": 1}}])
    for f, v in kfs:
        add_keyframe(t, c.id, prop, f, v)
    frames = pngs(studio.render(project, tmp_path / "c", progress=False, format="png-sequence"))
    assert np.abs(frames[0] - frames[10]).mean() > 5, "the picture changes"
    for k in (3, 10):  # the preview renders an excerpt starting elsewhere: the same pixels
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k


def test_keyframed_brightness_contrast_gamma_grade_each_frame_as_a_static_grade(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    from timeline_lab.model.properties import ColorCorrection

    project = studio.new_project(width=160, height=120, frame_rate=25)
    t = project.tracks[0]
    c = t.append(studio.clip(media["pal"], 0, 12))
    add_keyframe(t, c.id, "color.brightness", 1, -0.3)
    add_keyframe(t, c.id, "color.brightness", 10, 0.25, "ease_in_out")
    add_keyframe(t, c.id, "color.gamma", 2, 0.7, "hold")
    add_keyframe(t, c.id, "color.gamma", 6, 1.6)
    t.update(c.id, color=ColorCorrection(contrast=1.3, saturation=0.5))  # static parts stay
    clip = t.items[0]
    assert isinstance(clip, Clip)
    rate = Fraction(25)
    frames = pngs(studio.render(project, tmp_path / "kf", progress=False, format="png-sequence"))
    luma = [float(f[:, :, 1].mean()) for f in frames]
    assert max(luma) - min(luma) > 20, "the grade changes"
    for k in (0, 4, 7, 11):  # each frame: a static grade of that frame's values
        static = studio.new_project(width=160, height=120, frame_rate=25)
        s = static.tracks[0].append(studio.clip(media["pal"], 0, 12))
        grade = ColorCorrection(
            brightness=value_at(clip, "color.brightness", k, rate),
            contrast=1.3,
            saturation=0.5,
            gamma=value_at(clip, "color.gamma", k, rate),
        )
        static.tracks[0].update(s.id, color=grade)
        want = pngs(studio.render(static, tmp_path / f"s{k}", progress=False, format="png-sequence"))[k]
        assert abs(luma[k] - float(want[:, :, 1].mean())) <= 1, (k, luma[k], float(want[:, :, 1].mean()))
        assert np.abs(frames[k].astype(int) - want.astype(int)).max() <= 1, k
    for k in (3, 8):  # the preview renders an excerpt starting elsewhere: the same pixels
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k
    if shutil.which("ffmpeg") is not None:  # the printed command (FFmpeg 5.1) grades alike
        plan = studio.plan(project, tmp_path / "cli.mp4")
        done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        cli = decode_video(tmp_path / "cli.mp4")
        assert len(cli) == 12
        for k in range(12):
            assert abs(float(cli[k][:, :, 1].mean()) - luma[k]) < 1.5, k


def visible_box(frame: np.ndarray, level: int = 64) -> tuple[int, int, int, int] | None:
    """Left, right (exclusive), top, bottom (exclusive) of what is brighter than ``level``."""
    mask = frame[:, :, 1] > level
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if not len(cols):
        return None
    return int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1


@pytest.mark.parametrize("placed", [False, True])
def test_keyframed_crop_shows_each_frame_as_a_static_crop(
    studio: Studio, solid: dict[str, Path], tmp_path: Path, placed: bool
) -> None:
    from timeline_lab.model.properties import Crop

    def project_of(crop: Crop | None = None) -> tuple[Project, Clip]:
        p = studio.new_project(width=W, height=H, frame_rate=25)
        c = p.tracks[0].append(studio.clip(solid["grey"], 0, 20))
        if placed:  # the placed picture (scaled, off centre) rather than the letterboxed one
            p.tracks[0].update(c.id, transform=Transform(scale_x=0.5, scale_y=0.5, x=30.0))
        if crop is not None:
            p.tracks[0].update(c.id, crop=crop)
        return p, p.tracks[0].items[0]  # type: ignore[return-value]

    project, c = project_of()
    t = project.tracks[0]
    add_keyframe(t, c.id, "crop.left", 0, 0.0)
    add_keyframe(t, c.id, "crop.left", 12, 50.0, "ease_in")
    add_keyframe(t, c.id, "crop.top", 3, 10.0, "hold")
    add_keyframe(t, c.id, "crop.top", 9, 30.0)
    add_keyframe(t, c.id, "crop.right", 5, 0.0)
    add_keyframe(t, c.id, "crop.right", 19, 33.0)
    clip = t.items[0]
    assert isinstance(clip, Clip)
    rate = Fraction(25)
    frames = pngs(studio.render(project, tmp_path / "kf", progress=False, format="png-sequence"))
    boxes = [visible_box(f) for f in frames]
    assert len(set(boxes)) > 5, "the visible area changes"
    for k in (0, 4, 7, 10, 13, 19):  # each frame: a static crop of that frame's edges (rounded)
        edges = {e: math.floor(value_at(clip, f"crop.{e}", k, rate) + 0.5) for e in ("left", "top", "right")}
        static, _ = project_of(Crop(**edges))
        want = pngs(studio.render(static, tmp_path / f"s{k}", progress=False, format="png-sequence"))[k]
        got, exp = boxes[k], visible_box(want)
        assert got is not None and exp is not None, k
        assert max(abs(a - b) for a, b in zip(got, exp, strict=True)) <= 1, (k, got, exp)
        assert np.abs(frames[k].astype(int) - want.astype(int)).mean() < 1, k
    for k in (3, 11):  # the preview renders an excerpt starting elsewhere: the same pixels
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k
    # FFmpeg 5.1's CLI hangs on a crop resized by command: the printed command is refused
    with pytest.raises(RenderError, match="no ffmpeg command for this plan: a keyframed crop"):
        studio.plan(project, tmp_path / "cli.mp4").to_ffmpeg_args()


def test_keyframed_crop_with_a_spatial_effect_is_refused(
    studio: Studio, solid: dict[str, Path], tmp_path: Path
) -> None:
    project, c = grey_square(studio, solid)
    t = project.tracks[0]
    t.update(c.id, effects=[{"kind": "blur", "params": {"sigma": 2}}])
    add_keyframe(t, c.id, "crop.left", 0, 0.0)
    add_keyframe(t, c.id, "crop.left", 10, 40.0)
    error = r"clip '.*': a keyframed crop cannot be rendered with the 'blur' effect"
    with pytest.raises(RenderError, match=error):
        studio.plan(project, tmp_path / "r.mp4")
    with pytest.raises(RenderError, match=error):
        timeline_frame(project, 3)


@pytest.mark.parametrize(
    ("prop", "value", "error"),
    [
        ("effects[0].angle", 0.5, r"clip '.*': keyframed 'effects\[0\].angle' cannot be rendered yet"),
    ],
)
def test_unrendered_keyframes_are_refused_on_every_path(
    studio: Studio, solid: dict[str, Path], tmp_path: Path, prop: str, value: float, error: str
) -> None:
    project, c = grey_square(studio, solid)
    project.tracks[0].update(c.id, effects=[{"kind": "vignette", "params": {"angle": 0.6}}])
    add_keyframe(project.tracks[0], c.id, prop, 0, value)
    with pytest.raises(RenderError, match=error):
        studio.plan(project, tmp_path / "r.mp4")
    with pytest.raises(RenderError, match=error):
        timeline_frame(project, 3)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.integers(0, 24),
            st.floats(-150, 150, allow_nan=False),
            st.sampled_from(["hold", "linear", "ease_in", "ease_out", "ease_in_out", "bezier"]),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda p: p[0],
    ),
    st.sampled_from([Fraction(25), Fraction(30000, 1001)]),
)
def test_random_keyframes_render_where_the_model_says(
    studio: Studio,
    solid: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    points: Any,
    rate: Fraction,
) -> None:
    project, c = grey_square(studio, solid, rate)
    kfs = [
        Keyframe(
            time=RationalTime(f, 25),
            value=v,
            interp=i,
            handles=(0.3, -0.4, 0.7, 1.4) if i == "bezier" else None,
        )
        for f, v, i in sorted(points)
    ]
    project.tracks[0].update(c.id, keyframes={"transform.x": kfs})
    clip = project.tracks[0].items[0]
    assert isinstance(clip, Clip)
    out = tmp_path_factory.mktemp("kf") / "r.mp4"
    frames = decode_video(studio.render(project, out, progress=False))
    n = clip.frames(rate)
    assert left_edges(frames) == [expected_left(clip, k, rate) for k in range(n)]


def test_keyframed_title_moves_and_fades_on_every_path(
    studio: Studio, solid: dict[str, Path], tmp_path: Path
) -> None:
    from timeline_lab.model import TextClip, TextStyle

    project = studio.new_project(width=W, height=H, frame_rate=25)
    project.tracks[0].append(studio.clip(solid["grey"], 0, 20))  # the title is blended over grey
    s = project.add_track("video", "titles")
    style = TextStyle(font_size=40, box_color="#ffffff", box_padding=4, color="#ffffff")
    title = s.append(TextClip(text="II", duration=RationalTime(20, 25), x=0.5, y=0.5, style=style))
    still = pngs(studio.render(project, tmp_path / "still", progress=False, format="png-sequence"))
    add_keyframe(s, title.id, "x", 0, 0.2)
    add_keyframe(s, title.id, "x", 15, 0.8, "ease_in")
    add_keyframe(s, title.id, "opacity", 5, 0.25)
    add_keyframe(s, title.id, "opacity", 10, 1.0)
    item = s.items[0]
    assert isinstance(item, TextClip)
    frames = pngs(studio.render(project, tmp_path / "moving", progress=False, format="png-sequence"))
    left0 = left_edges(still, 140)[0]
    assert left0 is not None
    rate = Fraction(25)
    for k in range(20):
        shift = math.floor((value_at(item, "x", k, rate) - 0.5) * W + 0.5)
        assert left_edges([frames[k]], 140) == [left0 + shift], k
        level = (int(frames[k][:, :, 1].max()) - 128) / (int(still[0][:, :, 1].max()) - 128)
        assert abs(level - value_at(item, "opacity", k, rate)) < 0.03, k
    for k in (3, 12):  # the preview cuts the title at its window: the same frame
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k


def test_printed_command_fades_and_gains_as_the_render(
    studio: Studio, solid: dict[str, Path], media: dict[str, Path], tmp_path: Path
) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg CLI not installed (make test installs it where it can)")
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    c = v1.append(studio.clip(solid["grey"], 0, 25))
    add_keyframe(v1, c.id, "opacity", 2, 0.1)
    add_keyframe(v1, c.id, "opacity", 20, 0.9, "ease_in_out")
    a1 = project.add_track("audio", "A1")
    s = a1.append(studio.clip(media["pal"], 0, 25))
    add_keyframe(a1, s.id, "volume", 3, 1.0, "ease_out")
    add_keyframe(a1, s.id, "volume", 22, 0.1)
    ours = studio.render(project, tmp_path / "ours.mp4", progress=False)
    plan = studio.plan(project, tmp_path / "cli.mp4")
    done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    a, b = decode_video(ours), decode_video(tmp_path / "cli.mp4")
    assert len(a) == len(b) == 25
    for k in range(25):
        assert abs(float(a[k][:, :, 1].mean()) - float(b[k][:, :, 1].mean())) < 1.5, k
    pa, sr = decode_audio(ours)
    pb, _ = decode_audio(tmp_path / "cli.mp4")
    per = sr // 25
    for k in range(1, 24):
        ra = float(np.sqrt((pa[0][k * per : (k + 1) * per] ** 2).mean()))
        rb = float(np.sqrt((pb[0][k * per : (k + 1) * per] ** 2).mean()))
        assert abs(ra - rb) <= 0.03 * max(ra, rb) + 1e-4, (k, ra, rb)


@pytest.mark.parametrize("turn", [False, True])
def test_keyframed_scale_sizes_and_places_every_frame(
    studio: Studio, solid: dict[str, Path], tmp_path: Path, turn: bool
) -> None:
    project, c = grey_square(studio, solid)
    t = project.tracks[0]
    add_keyframe(t, c.id, "transform.scale_x", 0, 0.1)
    add_keyframe(t, c.id, "transform.scale_x", 20, 0.6, "ease_in")
    add_keyframe(t, c.id, "transform.scale_y", 0, 0.2)
    add_keyframe(t, c.id, "transform.scale_y", 20, 0.5, "hold")
    add_keyframe(t, c.id, "transform.x", 0, -50.0)
    add_keyframe(t, c.id, "transform.x", 24, 50.0)
    if turn:
        add_keyframe(t, c.id, "transform.rotation", 0, 0.0)
        add_keyframe(t, c.id, "transform.rotation", 24, 30.0)
    clip = t.items[0]
    assert isinstance(clip, Clip)
    frames = pngs(studio.render(project, tmp_path / "s", progress=False, format="png-sequence"))
    rate = Fraction(25)
    for k in range(25) if not turn else ():
        sw = max(2, round(W * value_at(clip, "transform.scale_x", k, rate) / 2) * 2)
        sh = max(2, round(H * value_at(clip, "transform.scale_y", k, rate) / 2) * 2)
        bx = math.floor(W / 2 + value_at(clip, "transform.x", k, rate) - sw / 2 + 0.5)
        mask = frames[k][:, :, 1] > 64
        cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
        got = (int(cols[0]), int(cols[-1]) + 1, int(rows[-1]) - int(rows[0]) + 1)
        assert got == (max(bx, 0), min(bx + sw, W), sh), k
    for k in (4, 17):  # the preview (an excerpt) and the render agree
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k
    if shutil.which("ffmpeg") is not None:
        plan = studio.plan(project, tmp_path / "cli.mp4")
        done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        cli = decode_video(tmp_path / "cli.mp4")
        for k in (0, 9, 22):
            assert np.abs(cli[k].astype(int) - frames[k].astype(int)).mean() < 3, k
