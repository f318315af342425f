"""Title templates rendered and read back per frame: box edges, fades, the credits roll's lines.

Every position and opacity is the model's (``value_at``) at that frame; the render and the
preview show it on the same frame.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab import titles
from timeline_lab.model import Project, RationalTime, TextClip, TextStyle
from timeline_lab.model.keyframes import value_at
from timeline_lab.render.compile.text import measure_text, render_text
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from .conftest import decode_video

pytestmark = pytest.mark.slow


def pngs(folder: Path) -> list[np.ndarray]:
    """A lossless render's frames as RGB."""
    out = []
    for f in sorted(folder.iterdir()):
        with Image.open(f) as img:
            out.append(np.asarray(img.convert("RGB")))
    return out


@pytest.mark.parametrize("opacity", [0.5, 0.25, 1.0])
def test_a_lone_title_is_blended_over_the_background(studio: Studio, tmp_path: Path, opacity: float) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    style = TextStyle(font_size=40, box_color="#ffffff", box_padding=4, color="#ffffff")
    title = TextClip(text="II", duration=RationalTime(3, 25), y=0.5, opacity=opacity, style=style)
    project.tracks[0].append(title)  # nothing under it: the black background
    frames = pngs(studio.render(project, tmp_path / "o", progress=False, format="png-sequence"))
    want = 255 * opacity
    for k, f in enumerate(frames):
        assert abs(int(f[60, 80, 1]) - want) <= 2, (k, f[60, 80])
        assert f[2, 2].max() <= 2, "the background around the title stays black"
    assert np.array_equal(timeline_frame(project, 1, scale=1), frames[1])


W, H, RATE = 320, 240, Fraction(25)


def left_edge(frame: np.ndarray, rows: slice, level: int) -> int | None:
    """First column brighter than ``level`` in ``rows`` (None: nothing there)."""
    cols = np.flatnonzero(frame[rows, :, 1].max(axis=0) > level)
    return int(cols[0]) if len(cols) else None


def test_lower_third_bar_slides_and_text_fades_on_every_frame(studio: Studio, tmp_path: Path) -> None:
    project = studio.new_project(width=W, height=H, frame_rate=RATE)
    title = titles.lower_third(
        project,
        "Ada",
        "Analyst",
        duration=30,
        in_frames=6,
        out_frames=5,
        text_fade=4,
        bar_color="#ffffff",
        color="#000000",
    )
    bar, name, role = titles.place(project, title, at=0)
    assert [titles.template_of(c) for c in (bar, name, role)] == ["lower_third"] * 3
    frames = pngs(studio.render(project, tmp_path / "lt", progress=False, format="png-sequence"))
    assert len(frames) == 30
    bw = measure_text(bar.text, bar.style).width
    bh = measure_text(bar.text, bar.style).height
    top = round(bar.y * H - bh / 2)
    rows = slice(top + 1, top + 3)  # the bar's top edge: white (luma: no chroma blur), above the letters
    for k, f in enumerate(frames):
        left = round(bar.x * W - bw / 2) + math.floor((value_at(bar, "x", k, RATE) - bar.x) * W + 0.5)
        want = None if left + bw <= 0 else max(left, 0)
        assert left_edge(f, rows, 128) == want, k
    text = (name.y * H, name.x * W)
    for k in range(6, 25):  # the name's black on the white bar: darkest = (1 - opacity) * 255
        cy, cx = round(text[0]), round(text[1])
        dark = int(frames[k][cy - 6 : cy + 6, cx - 6 : cx + 6, 1].min())
        assert abs(dark - 255 * (1 - value_at(name, "opacity", k, RATE))) <= 6, (k, dark)
    for k in (0, 3, 12, 27):
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k


def rows_lit(frame: np.ndarray, level: int = 128) -> np.ndarray:
    """Rows with a pixel brighter than ``level`` (green: luma, not blurred by chroma)."""
    return np.flatnonzero(frame[:, :, 1].max(axis=1) > level)


def test_full_screen_title_fades_and_rises_on_every_frame(studio: Studio, tmp_path: Path) -> None:
    project = studio.new_project(width=W, height=H, frame_rate=RATE)
    title = titles.full_screen(project, "THE END", duration=20, in_frames=5, out_frames=4, rise=12, size=40)
    (clip,) = titles.place(project, title, at=2)
    frames = pngs(studio.render(project, tmp_path / "fs", progress=False, format="png-sequence"))
    assert len(frames) == 22 and not rows_lit(frames[1]).size, "nothing before the title"
    still = render_text(clip.text, clip.style, (W, H), clip.x, clip.y)
    top0 = int(np.flatnonzero(np.asarray(still)[:, :, 3].max(axis=1) > 200)[0])
    for k in range(20):
        f, alpha = frames[2 + k], value_at(clip, "opacity", k, RATE)
        assert abs(int(f[:, :, 1].max()) - 255 * alpha) <= 4, (k, alpha)
        if alpha > 0.7:
            shift = math.floor((value_at(clip, "y", k, RATE) - clip.y) * H + 0.5)
            assert abs(int(rows_lit(f, 100)[0]) - (top0 + shift)) <= 1, k
    for k in (3, 5, 19):
        assert np.array_equal(timeline_frame(project, 2 + k, scale=1), frames[2 + k]), k


def test_credits_roll_lines_are_where_the_model_puts_them(studio: Studio, tmp_path: Path) -> None:
    project = studio.new_project(width=W, height=H, frame_rate=RATE)
    credits: list[titles.Credit] = ["CREDITS", *[(f"Role {n}", f"Person {n}") for n in range(10)]]
    speed = Fraction(9, 2)
    title = titles.credits_roll(project, credits, speed=speed, size=20)
    assert len(title.layers) >= 2, "chunks overlap on two or more tracks"
    titles.place(project, title, at=0)
    frames = pngs(studio.render(project, tmp_path / "roll", progress=False, format="png-sequence"))
    assert len(frames) == title.frames and not rows_lit(frames[0]).size and not rows_lit(frames[-1]).size
    chunks = sorted((c for layer in title.layers for c in layer), key=lambda c: c.start)
    pitch = measure_text("x", chunks[0].style).pitch
    for clip, edge in ((chunks[0], 0), (chunks[-1], -1)):  # the first line's top, the last one's bottom
        m = measure_text(clip.text, clip.style)
        lit = np.flatnonzero(
            np.asarray(render_text(clip.text, clip.style, (W, H), 0.5, 0.5))[:, :, 3].max(axis=1) > 200
        )
        offset = int(lit[edge]) - (H / 2 - m.height / 2)  # glyph row below the block's top, as drawn
        first = int(clip.name.rsplit(":", 1)[1])
        start = clip.start.to_frames(RATE)
        checked = 0
        for k in range(clip.frames(RATE)):
            top = value_at(clip, "y", k, RATE) * H - m.height / 2  # the model's block top
            assert abs(top - (H + first * pitch - speed * (start + k))) < 1e-6, "the roll's exact speed"
            want = top + offset
            if not 2 <= want < H - 2:
                continue
            got = rows_lit(frames[start + k], 100)[edge]
            assert abs(got - want) <= 1, (clip.name, k, got, want)
            checked += 1
        assert checked > 20
    for k in (10, len(frames) // 2):
        assert np.array_equal(timeline_frame(project, k, scale=1), frames[k]), k


def test_printed_command_draws_the_templates_as_the_render(studio: Studio, tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg CLI not installed (make test installs it where it can)")
    project = studio.new_project(width=W, height=H, frame_rate=RATE)
    titles.place(
        project, titles.lower_third(project, "Ada", "Analyst", duration=30, in_frames=6, text_fade=4), at=0
    )
    titles.place(project, titles.credits_roll(project, [("Role", "Name")] * 4, speed=9), at=0)
    ours = studio.render(project, tmp_path / "ours.mp4", progress=False)
    plan = studio.plan(project, tmp_path / "cli.mp4")
    done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    a, b = decode_video(ours), decode_video(tmp_path / "cli.mp4")
    assert len(a) == len(b) == title_frames(project)
    for k in range(len(a)):
        assert float(np.abs(a[k].astype(int) - b[k].astype(int)).mean()) < 1.0, k


def title_frames(project: Project) -> int:
    return project.duration().to_frames(RATE)


def test_credits_in_columns_keep_the_gutter_clear_and_lines_level(studio: Studio, tmp_path: Path) -> None:
    project = studio.new_project(width=W, height=H, frame_rate=RATE)
    pairs = [(f"Role {n}", f"Person {n}") for n in range(8)]
    title = titles.credits_roll(project, pairs, speed=6, layout="columns", gutter=20, size=18)
    titles.place(project, title, at=0)
    frames = pngs(studio.render(project, tmp_path / "cols", progress=False, format="png-sequence"))
    seen = 0
    for f in frames[10:-10]:
        lit = f[:, :, 1] > 128
        assert not lit[:, W // 2 - 9 : W // 2 + 9].any(), "the gutter stays clear"
        left, right = lit[:, : W // 2].any(axis=1), lit[:, W // 2 :].any(axis=1)
        if left.any() and right.any():
            seen += 1
            assert abs(int(np.flatnonzero(left)[0]) - int(np.flatnonzero(right)[0])) <= 1, (
                "roles level with names"
            )
    assert seen > 10
