"""Tests for timeline_lab/render/compile/text.py: real Pillow rasterization checked pixel by pixel."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import TimelineLabError
from timeline_lab.model import RationalTime, TextClip, TextStyle
from timeline_lab.render.compile.text import render_text, text_cache_dir, text_image
from timeline_lab.render.compile.text_cache import DEFAULT_FONT

CANVAS = (320, 180)
RED, GREEN, BLUE, YELLOW = "#ff0000", "#00ff00", "#0000ff", "#ffff00"


def style(**kw: object) -> TextStyle:
    """A small red style with no decoration unless asked for."""
    return TextStyle.model_validate({"font_size": 24, "color": RED, **kw})


def px(img: Image.Image) -> np.ndarray:
    assert img.mode == "RGBA"
    assert img.size == CANVAS
    return np.asarray(img).astype(int)


def where(a: np.ndarray, rgb: tuple[int, int, int], min_alpha: int = 200) -> np.ndarray:
    """Boolean mask of pixels of exactly colour ``rgb`` with alpha at least ``min_alpha``."""
    return (a[..., 3] >= min_alpha) & np.all(a[..., :3] == rgb, axis=-1)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom), inclusive, of the True pixels."""
    ys, xs = np.nonzero(mask)
    assert xs.size, "no pixels found"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


# --- placement ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "y"), [(0.5, 0.5), (0.3, 0.7), (0.5, 0.9)])
def test_text_pixels_sit_at_the_point_and_nowhere_else(x: float, y: float) -> None:
    a = px(render_text("Hello", style(), CANVAS, x, y))
    red = where(a, (255, 0, 0))
    cx, cy = centre(bbox(red))
    assert abs(cx - x * CANVAS[0]) <= 4
    assert abs(cy - y * CANVAS[1]) <= 8  # ascent and descent are not symmetric
    # straight alpha: every visible pixel, antialiased edges included, is the text colour
    visible = a[..., 3] > 0
    assert np.all(a[visible][:, :3] == (255, 0, 0))
    ys, xs = np.nonzero(visible)
    assert np.all(np.abs(xs - x * CANVAS[0]) < 45)
    assert np.all(np.abs(ys - y * CANVAS[1]) < 20)


def test_block_is_clamped_inside_the_canvas_without_being_cut() -> None:
    middle = bbox(px(render_text("Edge case", style(), CANVAS, 0.5, 0.5))[..., 3] > 0)
    w, h = middle[2] - middle[0], middle[3] - middle[1]
    top_left = bbox(px(render_text("Edge case", style(), CANVAS, 0.0, 0.0))[..., 3] > 0)
    bottom_right = bbox(px(render_text("Edge case", style(), CANVAS, 1.0, 1.0))[..., 3] > 0)
    for got in (top_left, bottom_right):
        assert (got[2] - got[0], got[3] - got[1]) == (w, h)
    assert top_left[0] <= 3
    assert top_left[1] <= 8
    assert bottom_right[2] >= CANVAS[0] - 4
    assert bottom_right[3] >= CANVAS[1] - 10


def test_block_larger_than_the_canvas_is_pinned_top_left() -> None:
    img = render_text("W" * 40, style(), CANVAS, 0.5, 0.5)
    assert img.size == CANVAS
    left, *_ = bbox(px(img)[..., 3] > 0)
    assert left <= 3


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_blank_text_is_fully_transparent(text: str) -> None:
    assert render_text(text, style(box_color=BLUE), CANVAS).getbbox() is None


# --- decoration ---------------------------------------------------------------------------------


def test_outline_surrounds_the_glyphs_only_when_asked() -> None:
    plain = px(render_text("Hi", style(outline_color=GREEN), CANVAS, 0.5, 0.5))
    assert not where(plain, (0, 255, 0), 1).any()
    a = px(render_text("Hi", style(outline_color=GREEN, outline_width=3), CANVAS, 0.5, 0.5))
    red, green = bbox(where(a, (255, 0, 0))), bbox(where(a, (0, 255, 0)))
    assert green[0] <= red[0] - 2
    assert green[1] <= red[1] - 2
    assert green[2] >= red[2] + 2
    assert green[3] >= red[3] + 2
    # the fill stays on top of the stroke
    assert where(a, (255, 0, 0)).sum() > 50


def test_box_fills_a_rectangle_around_the_text() -> None:
    pad = 10
    a = px(render_text("Boxed", style(box_color=BLUE, box_padding=pad), CANVAS, 0.5, 0.5))
    visible = a[..., 3] > 0
    box = bbox(visible)
    left, top, right, bottom = box
    # every pixel of the rectangle is drawn and opaque, and nothing lies outside it
    assert np.all(a[top : bottom + 1, left : right + 1, 3] == 255)
    assert visible.sum() == (right - left + 1) * (bottom - top + 1)
    blue = where(a, (0, 0, 255))
    for corner in ((top, left), (top, right), (bottom, left), (bottom, right)):
        assert blue[corner]
    text = bbox(where(a, (255, 0, 0)))
    assert text[0] - left >= pad
    assert right - text[2] >= pad
    assert text[1] - top >= pad
    assert bottom - text[3] >= pad


def test_rounded_box_leaves_the_corners_clear() -> None:
    a = px(render_text("Round", style(box_color=BLUE), CANVAS, 0.5, 0.5, box_radius=8))
    left, top, right, bottom = bbox(a[..., 3] > 0)
    assert a[top, left, 3] == 0
    assert a[bottom, right, 3] == 0
    assert a[top, (left + right) // 2, 3] == 255


def test_shadow_falls_down_right_in_its_own_colour_and_alpha() -> None:
    a = px(render_text("Shade", style(shadow_color="#ffff0080", shadow_offset=4), CANVAS, 0.5, 0.5))
    red = bbox(where(a, (255, 0, 0)))
    shadow = (a[..., 3] == 0x80) & np.all(a[..., :3] == (255, 255, 0), axis=-1)
    sb = bbox(shadow)
    assert sb[2] - red[2] == 4
    assert sb[3] - red[3] == 4
    assert np.all(a[..., 3] <= 255)
    none = px(render_text("Shade", style(shadow_color="#ffff0080"), CANVAS, 0.5, 0.5))
    assert not np.all(none[..., :3] == (255, 255, 0), axis=-1)[none[..., 3] > 0].any()


@pytest.mark.parametrize("opacity", [0.5, 0.25])
def test_opacity_scales_alpha(opacity: float) -> None:
    s = style(box_color="#0000ff80", outline_width=2)
    full = px(render_text("Fade", s, CANVAS, 0.5, 0.5))
    part = px(render_text("Fade", s, CANVAS, 0.5, 0.5, opacity=opacity))
    assert np.abs(part[..., 3] - np.round(full[..., 3] * opacity)).max() <= 1
    assert part[..., 3].max() <= round(255 * opacity)
    assert render_text("Fade", s, CANVAS, opacity=0.0).getbbox() is None


# --- multi-line layout --------------------------------------------------------------------------


def line_boxes(a: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of the red rows separated by empty rows (one per text line)."""
    rows = where(a, (255, 0, 0)).any(axis=1)
    boxes, start = [], None
    for yy, on in enumerate([*rows.tolist(), False]):
        if on and start is None:
            start = yy
        elif not on and start is not None:
            left, top, right, bottom = bbox(where(a, (255, 0, 0))[start:yy])
            boxes.append((left, top + start, right, bottom + start))
            start = None
    return boxes


@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_lines_are_aligned(align: str) -> None:
    a = px(render_text("MMMMMMMM\nHH", style(align=align), CANVAS, 0.5, 0.5))
    wide, narrow = line_boxes(a)
    assert narrow[1] > wide[3]
    if align == "left":
        assert abs(narrow[0] - wide[0]) <= 2
    elif align == "right":
        assert abs(narrow[2] - wide[2]) <= 2
    else:
        assert abs(centre(narrow)[0] - centre(wide)[0]) <= 2
        assert narrow[0] - wide[0] > 20


def test_line_spacing_sets_the_pitch() -> None:
    tight = line_boxes(px(render_text("HH\nHH", style(line_spacing=1.0), CANVAS, 0.5, 0.5)))
    loose = line_boxes(px(render_text("HH\nHH", style(line_spacing=2.0), CANVAS, 0.5, 0.5)))
    assert tight[1][1] - tight[0][1] == 24
    assert loose[1][1] - loose[0][1] == 48


# --- errors and fonts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("color", "#12"),
        ("outline_color", "not-a-colour"),
        ("shadow_color", "#1234567"),
        ("box_color", "#ggg"),
    ],
)
def test_bad_colour_names_the_field(field: str, value: str) -> None:
    # the model refuses these (tests/model/test_text_style_colours.py); a style built unchecked still
    # meets the renderer's own check
    with pytest.raises(ValueError, match=rf"(?s)\b{field}\b.*bad colour '{value}'"):
        TextStyle(**{field: value})
    unchecked = style().model_copy(update={field: value})
    with pytest.raises(ValueError, match=rf"{field}: bad colour '{value}'"):
        render_text("x", unchecked, CANVAS)


@pytest.mark.parametrize("value", ["#fff", "#00ff0080", "#0f08", "navy", "rgb(1, 2, 3)"])
def test_colour_forms_are_accepted(value: str) -> None:
    assert render_text("x", style(color=value), CANVAS).getbbox() is not None


def test_missing_font_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "Font.ttf"
    with pytest.raises(TimelineLabError, match=re.escape("Font.ttf")):
        render_text("x", style(font=str(missing)), CANVAS)


def test_font_file_is_used(tmp_path: Path) -> None:
    font = tmp_path / "bundled.ttf"
    font.write_bytes(DEFAULT_FONT.read_bytes())
    from_file = render_text("Same", style(font=str(font)), CANVAS)
    builtin = render_text("Same", style(), CANVAS)
    # same glyphs; the file goes through raqm layout when available, so allow a pixel of kerning
    got, want = from_file.getbbox(), builtin.getbbox()
    assert got is not None
    assert want is not None
    assert all(abs(g - w) <= 2 for g, w in zip(got, want, strict=True))
    garbage = tmp_path / "garbage.ttf"
    garbage.write_bytes(b"not a font")
    with pytest.raises(TimelineLabError, match=re.escape("garbage.ttf")):
        render_text("x", style(font=str(garbage)), CANVAS)


# --- cache --------------------------------------------------------------------------------------


def clip(**kw: object) -> TextClip:
    return TextClip.model_validate(
        {"text": "Cached", "duration": RationalTime(2), "style": style(), "x": 0.5, "y": 0.5, **kw}
    )


def test_text_image_writes_the_rendered_png(tmp_path: Path) -> None:
    path = text_image(clip(opacity=0.5), CANVAS, tmp_path)
    assert path.parent == tmp_path
    assert path.suffix == ".png"
    with Image.open(path) as im:
        assert im.mode == "RGBA"
        assert im.size == CANVAS
        got = np.asarray(im)
    want = np.asarray(render_text("Cached", style(), CANVAS, 0.5, 0.5, 0.5))
    assert np.array_equal(got, want)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left


def test_text_image_reuses_the_cached_file(tmp_path: Path) -> None:
    first = text_image(clip(), CANVAS, tmp_path)
    os.utime(first, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    again = text_image(
        clip(start=RationalTime(5), duration=RationalTime(1), fade_in_frames=3), CANVAS, tmp_path
    )
    assert again == first
    assert first.stat().st_mtime_ns == 1_000_000_000_000_000_000


@pytest.mark.parametrize(
    "change",
    [
        {"style": style(font_size=30)},
        {"style": style(outline_width=1)},
        {"text": "Other"},
        {"x": 0.4},
        {"opacity": 0.9},
    ],
)
def test_anything_that_changes_pixels_changes_the_path(tmp_path: Path, change: dict[str, object]) -> None:
    assert text_image(clip(**change), CANVAS, tmp_path) != text_image(clip(), CANVAS, tmp_path)


def test_other_canvas_other_path(tmp_path: Path) -> None:
    assert text_image(clip(), (640, 360), tmp_path) != text_image(clip(), CANVAS, tmp_path)


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(tmp_path / "cache"))
    assert text_cache_dir() == tmp_path / "cache" / "text"
    path = text_image(clip(), CANVAS)
    assert path.parent == tmp_path / "cache" / "text"
    assert path.is_file()
    monkeypatch.delenv("TIMELINE_LAB_CACHE")
    assert text_cache_dir().name == "text"
    assert "timeline_lab" in str(text_cache_dir())
