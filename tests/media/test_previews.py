"""Thumbnails, filmstrip sprites and timeline frames: the right frames, a usable index, cached by content."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.media.conftest import NTSC, Clip
from timeline_lab.core.cache import DEFAULT_CACHES
from timeline_lab.errors import MediaError, RenderError
from timeline_lab.media.previews import Filmstrip, filmstrip, thumbnail
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Effect, Project, RationalTime, TextClip, TimeRange, Transition
from timeline_lab.render.compile.excerpt import safe_window
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(root))
    yield root


def tile_pixels(strip: Filmstrip, tile: dict[str, int]) -> np.ndarray:
    box = (tile["x"], tile["y"], tile["x"] + tile["w"], tile["y"] + tile["h"])
    return np.asarray(strip.sprite.crop(box))


# --- thumbnails --------------------------------------------------------------------------------
def test_thumbnail_is_the_frame_at_t_at_the_asked_width(clips: dict[str, Clip]) -> None:
    c = clips["pal"]  # 320x240
    img = thumbnail(c.path, 17, 96)
    assert img.size == (96, 72)
    assert read_frame_index(np.asarray(img)) == (17, c.tag)
    img2 = thumbnail(c.path, RationalTime(Fraction(37, 2), 25), 96)  # 18.5 frames: frame 18 shows
    assert read_frame_index(np.asarray(img2)) == (18, c.tag)


def test_thumbnail_is_cached_and_callers_get_their_own_copy(clips: dict[str, Clip], cache_dir: Path) -> None:
    c = clips["ntsc"]
    a = thumbnail(c.path, 5, 80)
    a.paste((255, 0, 255), (0, 0, 80, 45))  # scribbling on it must not reach the cache
    b = thumbnail(c.path, 5, 80)
    assert read_frame_index(np.asarray(b)) == (5, c.tag)
    assert (cache_dir / "previews").is_dir()
    DEFAULT_CACHES.clear()  # a new kernel: served from disk, same pixels
    assert np.array_equal(np.asarray(thumbnail(c.path, 5, 80)), np.asarray(b))


# --- filmstrips --------------------------------------------------------------------------------
def test_filmstrip_tiles_show_evenly_spread_frames(clips: dict[str, Clip]) -> None:
    c = clips["pal"]  # 50 frames at 25 fps, 4:3
    strip = filmstrip(c.path, 10, 48)
    assert strip.sprite.size == (10 * 64, 48)
    index = strip.index()
    assert [t["frame"] for t in index] == list(range(0, 50, 5))
    for i, t in enumerate(index):
        assert (t["x"], t["y"], t["w"], t["h"]) == (i * 64, 0, 64, 48)
        assert t["time"] == {"value": t["frame"], "rate": 25}
        assert read_frame_index(tile_pixels(strip, t)) == (t["frame"], c.tag)


def test_filmstrip_at_ntsc_and_its_json(clips: dict[str, Clip]) -> None:
    c = clips["ntsc"]  # 60 frames at 30000/1001
    strip = filmstrip(c.path, 7, 36)
    frames = [t.frame for t in strip.tiles]
    assert frames == [i * 60 // 7 for i in range(7)]
    for t in strip.tiles:
        assert t.time.strictly_equal(RationalTime(t.frame, NTSC))
        assert read_frame_index(tile_pixels(strip, t.to_json())) == (t.frame, c.tag)
    doc = json.loads(json.dumps(strip.to_json()))
    assert doc["width"] == strip.sprite.size[0] and doc["height"] == 36
    assert doc["tiles"][1]["time"] == {"value": frames[1], "rate": "30000/1001"}
    assert RationalTime.from_json(doc["tiles"][1]["time"]) == RationalTime(frames[1], NTSC)


def test_filmstrip_of_a_range(clips: dict[str, Clip]) -> None:
    c = clips["pal"]
    strip = filmstrip(c.path, 4, 24, range=TimeRange.from_frames(20, 8, 25))
    assert [t.frame for t in strip.tiles] == [20, 22, 24, 26]
    with pytest.raises(MediaError, match="outside the media"):
        filmstrip(c.path, 4, 24, range=TimeRange.from_frames(45, 10, 25))


def test_many_tiles_wrap_into_rows(clips: dict[str, Clip]) -> None:
    strip = filmstrip(clips["pal"].path, 300, 120)  # 160 px tiles: 102 to a row
    xs = {t.x for t in strip.tiles}
    ys = sorted({t.y for t in strip.tiles})
    assert ys == [0, 120, 240] and max(xs) + 160 <= 16384
    assert strip.sprite.size == (102 * 160, 360)


def test_filmstrip_encodes_for_the_browser(clips: dict[str, Clip]) -> None:
    strip = filmstrip(clips["pal"].path, 5, 48)
    for fmt in ("JPEG", "PNG", "WEBP"):
        with Image.open(io.BytesIO(strip.to_bytes(fmt))) as img:  # type: ignore[arg-type]
            assert img.size == strip.sprite.size and img.format == fmt


def test_filmstrip_cache_memory_disk_and_stale_file(tmp_path: Path, cache_dir: Path) -> None:
    p = make_clip(tmp_path / "s.mp4", width=96, height=54, rate=25, frames=20, tag=3, audio=False)
    a = filmstrip(p, 4, 27)
    assert filmstrip(p, 4, 27) is a  # memory hit
    DEFAULT_CACHES.clear()
    b = filmstrip(p, 4, 27)  # disk hit
    assert b is not a and b.index() == a.index()
    assert np.array_equal(np.asarray(b.sprite), np.asarray(a.sprite))
    make_clip(p, width=96, height=54, rate=25, frames=20, tag=4, audio=False)  # the file changes
    c = filmstrip(p, 4, 27)
    assert read_frame_index(tile_pixels(c, c.index()[1])) == (5, 4)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"count": 0}, "count"), ({"height": 0}, "height"), ({"count": True}, "count")],
)
def test_filmstrip_refuses_bad_sizes(clips: dict[str, Clip], kwargs: dict[str, int], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        filmstrip(clips["pal"].path, **kwargs)  # type: ignore[arg-type]


# --- timeline frames ---------------------------------------------------------------------------
def _full_render(project: Project, folder: Path, scale: Fraction) -> list[np.ndarray]:
    from timeline_lab.render import ExportSettings, compile_plan, execute

    execute(compile_plan(project, ExportSettings(path=folder, format="png-sequence"), scale=scale))
    return [np.asarray(Image.open(f).convert("RGB")).astype(int) for f in sorted(folder.glob("*.png"))]


@pytest.fixture(scope="module")
def edit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Studio, Project]:
    """Two clips with fades, a dissolve between them, and a title that fades in and out."""
    d = tmp_path_factory.mktemp("edit")
    a = make_clip(d / "a.mp4", width=160, height=120, rate=25, frames=50, tag=1)
    b = make_clip(d / "b.mp4", width=160, height=120, rate=25, frames=50, tag=2)
    studio = Studio(workspace=d)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    c1 = v1.append(studio.clip(a, 5, 30))
    c1.effects.append(Effect(kind="fade_in", params={"frames": 10}))
    c2 = v1.append(studio.clip(b, 5, 30))
    c2.effects.append(Effect(kind="fade_out", params={"frames": 8}))
    v1.add_transition(Transition(from_clip=c1.id, to_clip=c2.id, duration=RationalTime(6, 25)))
    titles = project.add_track("video", "Titles")
    titles.insert(TextClip(text="hi", duration=RationalTime(20, 25), fade_in_frames=5, fade_out_frames=5), 10)
    return studio, project


@pytest.mark.slow
def test_timeline_frame_equals_the_full_render(edit: tuple[Studio, Project], tmp_path: Path) -> None:
    _, project = edit
    scale = Fraction(1, 2)
    full = _full_render(project, tmp_path / "full", scale)
    assert len(full) == 60
    # in the fade-in, the title's fades, both sides of the dissolve, the fade-out, plain frames
    for k in (0, 3, 9, 12, 15, 21, 24, 27, 30, 33, 40, 53, 59):
        got = timeline_frame(project, k, scale=scale).astype(int)
        assert got.shape == full[k].shape == (60, 80, 3)
        own = np.abs(got - full[k]).mean()
        # Frames away from the dissolve differ slightly: the full render sends the whole track
        # through xfade, which shifts saturated chroma edges by a few levels (mean < 2). A wrong
        # frame, fade level or missing title is further off than the neighbouring frames are.
        assert own < 2.5, k
        neighbours = [np.abs(got - full[j]).mean() for j in (k - 1, k + 1) if 0 <= j < len(full)]
        assert own < 0.5 * min(neighbours), k
        if 24 <= k < 36:  # both renders go through the same xfade here: identical
            assert own == 0, k


@pytest.mark.slow
def test_timeline_frame_is_exact_without_transitions(clips: dict[str, Clip], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=90, frame_rate=NTSC)
    v1 = project.tracks[0]
    v1.append(studio.clip(clips["ntsc"].path, 13, 20))
    c = v1.append(studio.clip(clips["ntsc"].path, 30, 12))
    c.effects.append(Effect(kind="freeze", params={"frame": 4}))
    full = _full_render(project, tmp_path / "full", Fraction(1))
    for k in (0, 7, 19, 20, 25, 31):
        got = timeline_frame(project, RationalTime(k, NTSC), scale=1)
        assert np.array_equal(got, full[k]), k
    assert read_frame_index(timeline_frame(project, 7, scale=1)) == (20, clips["ntsc"].tag)
    assert read_frame_index(timeline_frame(project, 27, scale=1)) == (34, clips["ntsc"].tag)  # frozen


def test_timeline_frame_window_covers_what_a_cut_would_change(edit: tuple[Studio, Project]) -> None:
    _, project = edit  # c1 0..30 (fade in 10), c2 30..60 (fade out 8), dissolve 6 at 30, title 10..30

    def window(p: Project, k: int) -> tuple[int, int]:
        return safe_window(p, k, k + 1)

    assert window(project, 3) == (0, 10)  # the whole fade-in, from the clip's own start
    # a piece of the clip from 10 fades 10..19, clear of 20; the title must not fade out before 26
    assert window(project, 20) == (10, 26)
    # the dissolve needs 6 frames of both clips; the pieces' own fades must stay clear of 29
    assert window(project, 29) == (19, 38)
    assert window(project, 55) == (52, 60)  # the whole fade-out, to the clip's own end


def test_timeline_frame_refuses_times_outside(edit: tuple[Studio, Project]) -> None:
    _, project = edit
    with pytest.raises(RenderError, match="outside the timeline"):
        timeline_frame(project, 60)
    with pytest.raises(RenderError, match="outside the timeline"):
        timeline_frame(project, RationalTime(-1, 25))
    with pytest.raises(TypeError, match="RationalTime"):
        timeline_frame(project, 1.0)  # type: ignore[arg-type]
