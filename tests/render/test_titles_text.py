"""Titles as drawn and rendered: every script's glyphs or a clear refusal, any line break, previews
that are the render shrunk, crawls that show their end, bounded drawing, subtitles kept on screen."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image

from timeline_lab import Studio
from timeline_lab.errors import RenderError
from timeline_lab.model import RationalTime, TextClip, TextStyle
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.track import Track
from timeline_lab.render.compile import text_fonts
from timeline_lab.render.compile.text import measure_text, render_text
from timeline_lab.render.compile.text_cache import text_image
from timeline_lab.render.frame import timeline_frame

CANVAS = (320, 180)
FAKE = "你好世界字幕नमस्तेदुनियाสวัสดีโลก"  # what the generated fallback font draws


def draw(text: str, size: int = 24, canvas: tuple[int, int] = CANVAS, **kw: object) -> np.ndarray:
    style = TextStyle.model_validate({"font_size": size, **kw})
    return np.asarray(render_text(text, style, canvas, 0.5, 0.5)).astype(int)


def columns(img: np.ndarray, level: int = 128) -> tuple[int, int] | None:
    xs = np.nonzero((img[..., :3].max(axis=2) > level).any(axis=0))[0]
    return (int(xs.min()), int(xs.max())) if xs.size else None


def _build_font(path: Path, chars: str) -> None:
    """A TrueType font whose glyphs are distinct slanted blocks, one per character of ``chars``."""
    chars = "".join(sorted(set(chars)))
    names = [".notdef"] + [f"g{ord(c):x}" for c in chars]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"g{ord(c):x}" for c in chars})
    glyphs = {}
    for i, name in enumerate(names):
        pen = TTGlyphPen(None)
        if i:
            k = i % 7
            pen.moveTo((100, 0))
            pen.lineTo((100, 700 - 90 * k))
            pen.lineTo((800, 700))
            pen.lineTo((800, 90 * k))
            pen.closePath()
        glyphs[name] = pen.glyph()
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: (900, 100) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Fallback Test", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    fb.save(str(path))


def _fontconfig(tmp: Path, monkeypatch: pytest.MonkeyPatch, chars: str | None) -> None:
    """fontconfig seeing only a folder holding a font for ``chars`` (None: no font at all)."""
    fonts = tmp / "fonts"
    fonts.mkdir()
    if chars is not None:
        _build_font(fonts / "fallback.ttf", chars)
    conf = tmp / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{fonts}</dir><cachedir>{tmp / "fc"}</cachedir></fontconfig>'
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    text_fonts._fallbacks.cache_clear()


@pytest.fixture
def fallback_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if text_fonts.shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed")
    _fontconfig(tmp_path, monkeypatch, FAKE)


@pytest.fixture
def no_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fontconfig(tmp_path, monkeypatch, None)


# --- glyphs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("é", "è"),
        ("ü", "ö"),
        ("ß", "ñ"),
        ("€", "£"),
        ("–", "—"),
        ("Æ", "É"),
        ("αβγ", "δεζ"),
        ("Привет", "Мир"),
        ("שלום", "עולם"),
        ("سلام", "عالم"),
    ],
)
@pytest.mark.parametrize("size", [16, 48])
def test_the_default_font_draws_european_scripts_hebrew_and_arabic(a: str, b: str, size: int) -> None:
    # the old default (Pillow's Latin subset) drew every one of these as the same empty box
    one, other = draw(a, size), draw(b, size)
    assert one[..., 3].any()
    assert not np.array_equal(one, other)


@pytest.mark.usefixtures("no_fallback")
@pytest.mark.parametrize("font", [None, str(text_fonts.DEFAULT_FONT)])
@pytest.mark.parametrize("text", ["你好", "Hi नमस्ते", "สวัสดี world", "x\U0010fffd"])
def test_a_character_no_font_has_is_refused_by_name(text: str, font: str | None) -> None:
    with pytest.raises(RenderError, match=r"no installed font has .*U\+"):
        draw(text, font=font)


@pytest.mark.usefixtures("no_fallback")
def test_the_refusal_names_the_title(tmp_path: Path) -> None:
    clip = TextClip(text="Credits 你好", name="end card", duration=RationalTime(1))
    with pytest.raises(RenderError, match=r"title 'end card'.*'你' U\+4F60"):
        text_image(clip, CANVAS, tmp_path)


@pytest.mark.usefixtures("fallback_font")
@pytest.mark.parametrize(("a", "b"), [("你好", "世界"), ("नमस्ते", "दुनिया"), ("Hi 你好!", "Hi 世界!")])
@pytest.mark.parametrize("font", [None, str(text_fonts.DEFAULT_FONT)])
def test_missing_characters_fall_back_to_a_font_that_has_them(a: str, b: str, font: str | None) -> None:
    one, other = draw(a, font=font), draw(b, font=font)
    assert one[..., 3].any()
    assert not np.array_equal(one, other)
    assert np.array_equal(one, draw(a, font=font))  # the same fonts every time


@pytest.mark.usefixtures("fallback_font")
def test_fallback_keeps_the_title_font_for_what_it_has() -> None:
    mixed = draw("AB你", 40)
    latin = draw("AB", 40)
    # "AB" is drawn in DejaVu in both: the mixed line's left part matches the Latin one's glyphs
    assert columns(mixed) is not None
    assert (
        measure_text("AB你", TextStyle(font_size=40)).width
        > measure_text("AB", TextStyle(font_size=40)).width
    )
    assert latin[..., 3].sum() < mixed[..., 3].sum()


# --- line breaks and controls ------------------------------------------------------------------


@pytest.mark.parametrize(
    "brk", ["\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
)
@pytest.mark.parametrize("font", [None, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"])
def test_every_line_break_draws_as_a_newline(brk: str, font: str | None) -> None:
    if font is not None and not Path(font).is_file():
        font = str(text_fonts.DEFAULT_FONT)
    assert np.array_equal(draw(f"one{brk}two", font=font), draw("one\ntwo", font=font))
    assert measure_text(f"a{brk}b", TextStyle(font=font)) == measure_text("a\nb", TextStyle(font=font))


@pytest.mark.parametrize(("text", "same"), [("a\tb", "a   b"), ("ab\tc", "ab  c"), ("\tx", "    x")])
def test_tabs_expand_to_stops(text: str, same: str) -> None:
    assert np.array_equal(draw(text), draw(same))


@pytest.mark.parametrize("ctrl", ["\x00", "\x07", "\x1b", "\x7f"])
def test_other_control_characters_are_left_out(ctrl: str) -> None:
    assert np.array_equal(draw(f"a{ctrl}b"), draw("ab"))


def test_a_title_with_windows_line_endings_renders(tmp_path: Path) -> None:
    studio = Studio()
    p = studio.new_project("t", width=160, height=90, frame_rate=25)
    p.tracks[0].append(TextClip(text="Line one\r\nLine two", duration=RationalTime(1, 5)))
    two = timeline_frame(p, 2, scale=1)
    p2 = studio.new_project("t2", width=160, height=90, frame_rate=25)
    p2.tracks[0].append(TextClip(text="Line one\nLine two", duration=RationalTime(1, 5)))
    assert np.array_equal(two, timeline_frame(p2, 2, scale=1))


# --- previews are the render shrunk ------------------------------------------------------------


def _bbox(img: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(img.max(axis=2) > 128)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


@pytest.mark.parametrize("size", [(320, 180), (180, 320)])
@pytest.mark.parametrize("scale", [Fraction(1, 2), Fraction(1, 4)])
@pytest.mark.parametrize(
    "look",
    [
        {"font_size": 40},
        {"font_size": 30, "outline_width": 4, "shadow_offset": 6, "box_color": "#3050a0", "box_padding": 12},
        {"font_size": 24, "line_spacing": 2.0},
    ],
)
def test_a_preview_shows_the_render_shrunk(size: tuple[int, int], scale: Fraction, look: dict) -> None:
    studio = Studio()
    p = studio.new_project("t", width=size[0], height=size[1], frame_rate=25)
    style = TextStyle.model_validate(look)
    p.tracks[0].append(TextClip(text="HELLO\nWORLD", duration=RationalTime(1, 5), style=style, y=0.6))
    full, small = timeline_frame(p, 1, scale=1), timeline_frame(p, 1, scale=scale)
    want = np.asarray(Image.fromarray(full).resize(small.shape[1::-1], Image.Resampling.LANCZOS))
    got = _bbox(small)
    expected = _bbox(want)
    assert all(abs(g - e) <= 2 for g, e in zip(got, expected, strict=True)), (got, expected)
    assert np.abs(small.astype(int) - want.astype(int)).mean() < 6


@pytest.mark.parametrize("scale", [Fraction(1, 2), Fraction(1, 3)])
def test_a_moving_title_previews_as_its_render_shrunk(scale: Fraction) -> None:
    studio = Studio()
    p = studio.new_project("t", width=300, height=180, frame_rate=25)
    track = p.tracks[0]
    c = track.append(TextClip(text="MOVE", duration=RationalTime(1), style=TextStyle(font_size=36), x=0.2))
    add_keyframe(track, c.id, "x", 0, 0.2)
    add_keyframe(track, c.id, "x", 20, 0.8)
    for k in (0, 10, 20):
        full, small = timeline_frame(p, k, scale=1), timeline_frame(p, k, scale=scale)
        got, want = _bbox(small), _bbox(full)
        assert all(abs(g - w * scale) <= 2 for g, w in zip(got, want, strict=True)), (k, got, want)


# --- keyframed titles move their whole block ----------------------------------------------------


@pytest.mark.parametrize("words", [12, 20])
def test_a_crawl_wider_than_the_canvas_shows_its_end(words: int) -> None:
    studio = Studio()
    p = studio.new_project("t", width=200, height=60, frame_rate=25)
    track = p.tracks[0]
    text = "START " + "x" * words + " END"
    c = track.append(TextClip(text=text, duration=RationalTime(2), style=TextStyle(font_size=20), y=0.5))
    width = measure_text(text, TextStyle(font_size=20)).width
    assert width > 200
    end = 0.5 - (width / 2 - 100) / 200  # the block's right edge on the canvas's right edge
    add_keyframe(track, c.id, "x", 0, 0.5 + (width / 2 + 100) / 200)  # just off the right
    add_keyframe(track, c.id, "x", 40, end)
    assert columns(timeline_frame(p, 0, scale=1)) is None  # wholly off the canvas at first
    last = timeline_frame(p, 40, scale=1)
    # the end of the line ("END") fills the right of the canvas, as "END" alone drawn there does
    alone = np.asarray(render_text("END", TextStyle(font_size=20), (200, 60), 1.0, 0.5))
    right = columns(last)
    assert right is not None and right[1] >= 195
    assert abs(right[1] - (columns(alone) or (0, 0))[1]) <= 2


@pytest.mark.parametrize("at", [0.05, 0.5, 0.95])
def test_a_keyframed_title_lands_where_a_still_one_sits(at: float) -> None:
    studio = Studio()
    p = studio.new_project("t", width=320, height=180, frame_rate=25)
    track = p.tracks[0]
    style = TextStyle(font_size=24)
    track.append(TextClip(text="TITLE", duration=RationalTime(1), style=style, x=0.5, y=0.5))
    k = track.append(TextClip(text="TITLE", duration=RationalTime(1), style=style, x=at, y=0.5))
    add_keyframe(track, k.id, "x", 0, at)
    add_keyframe(track, k.id, "x", 10, 0.5)
    still = columns(timeline_frame(p, 5, scale=1))
    moved = columns(timeline_frame(p, 25 + 10, scale=1))
    assert still is not None and moved is not None
    assert abs(still[0] - moved[0]) <= 1 and abs(still[1] - moved[1]) <= 1


# --- drawing stays bounded ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [8, 20])
def test_a_huge_block_draws_only_what_the_canvas_shows(n: int) -> None:
    style = TextStyle(font_size=1000, outline_width=10, shadow_offset=20)
    assert measure_text("W" * n, style).width > 7000
    img = render_text("W" * n, style, (400, 300))
    assert img.size == (400, 300)
    assert np.asarray(img)[..., 3].any()


def test_a_line_too_large_to_draw_is_refused_naming_the_title(tmp_path: Path) -> None:
    clip = TextClip(
        text="W" * 80, name="giant", duration=RationalTime(1), style=TextStyle(font_size=1000), y=0.5
    )
    with pytest.raises(RenderError, match=r"title 'giant'.*too large to draw"):
        text_image(clip, (64, 36), tmp_path)


# --- subtitles stay on screen ------------------------------------------------------------------


@pytest.mark.parametrize("size", [(180, 320), (320, 180), (240, 240)])
@pytest.mark.parametrize(
    "line", ["I never thought we'd make it this far, Ada.", "Short", "A much longer line " * 4]
)
def test_subtitles_wrap_inside_the_title_safe_width(size: tuple[int, int], line: str) -> None:
    studio = Studio()
    p = studio.new_project("v", width=size[0], height=size[1], frame_rate=25)
    font_size = max(12, round(size[1] * 0.045))
    style = TextStyle(font_size=font_size, outline_width=1)
    p.add_track(
        track=Track(kind="subtitle", items=[TextClip(text=line, duration=RationalTime(1), style=style)])
    )
    cols = columns(timeline_frame(p, 2, scale=1), 200)
    assert cols is not None
    margin = size[0] * 0.05 - 2
    assert cols[0] >= margin and cols[1] <= size[0] - margin, cols
    # the same text on a picture track is drawn as written (titles have no width to wrap to)
    if measure_text(line, style).width > size[0]:
        q = studio.new_project("t", width=size[0], height=size[1], frame_rate=25)
        q.tracks[0].append(TextClip(text=line, duration=RationalTime(1), style=style))
        wide = columns(timeline_frame(q, 2, scale=1), 200)
        assert wide is not None and wide[1] - wide[0] > cols[1] - cols[0]


@pytest.mark.usefixtures("fallback_font")
def test_cjk_subtitles_wrap_between_characters(tmp_path: Path) -> None:
    clip = TextClip(text="你好世界字幕" * 3, duration=RationalTime(1), style=TextStyle(font_size=20))
    img = np.asarray(Image.open(text_image(clip, (160, 90), tmp_path, wrap=True)))
    xs = np.nonzero(img[..., 3].any(axis=0))[0]
    ys = np.nonzero(img[..., 3].any(axis=1))[0]
    assert xs.min() >= 8 and xs.max() <= 152
    assert ys.max() - ys.min() > 40  # several lines


def test_a_word_wider_than_the_safe_width_shrinks(tmp_path: Path) -> None:
    clip = TextClip(text="Supercalifragilistic", duration=RationalTime(1), style=TextStyle(font_size=40))
    img = np.asarray(Image.open(text_image(clip, (160, 90), tmp_path, wrap=True)))
    xs = np.nonzero(img[..., 3].any(axis=0))[0]
    assert xs.min() >= 8 and xs.max() <= 152
