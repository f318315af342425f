"""Detection boxes over the timeline preview land where the render puts the picture they were found
in: the top clip shown (switched-off tracks and clips skipped, nested sequences looked into), through
its crop, fit (letterbox, pillarbox) and transform, as fractions of the canvas (they were sent as
fractions of the source picture, from the top clip whether or not it was switched off)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import polars as pl
import pytest

from timeline_lab import Studio
from timeline_lab.model import Project
from timeline_lab.render.frame import timeline_frame
from timeline_lab.widgets import PreviewWidget
from timeline_lab.widgets._boxes import on_canvas, shown_clip

MARK = (0.25, 0.5, 0.75, 0.9)  # where each clip's red patch is, as fractions of its picture
TOL = 3  # pixels: 4:2:0 edges, even sizes


def _solid(path: Path, width: int, height: int) -> Path:
    """Grey frames with a red patch at ``MARK``: the picture and a "detection" to find on the canvas."""
    img = np.full((height, width, 3), 200, np.uint8)
    x1, y1, x2, y2 = MARK
    img[round(y1 * height) : round(y2 * height), round(x1 * width) : round(x2 * width)] = (230, 20, 20)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=24, options={"crf": "0"})
        s.width, s.height, s.pix_fmt = width, height, "yuv420p"
        for i in range(6):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("boxes")
    return {"wide": _solid(d / "wide.mp4", 256, 144), "square": _solid(d / "square.mp4", 160, 120)}


def _bounds(mask: np.ndarray[Any, Any]) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _pixels(box: tuple[float, float, float, float], w: int, h: int) -> tuple[float, ...]:
    return (box[0] * w, box[1] * h, box[2] * w, box[3] * h)


CASES = [  # canvas, picture, clip changes
    ((160, 120), "wide", {}),  # 16:9 letterboxed in 4:3
    ((256, 144), "square", {}),  # 4:3 pillarboxed in 16:9
    ((160, 120), "square", {"transform": {"scale_x": 0.5, "scale_y": 0.5, "x": 20, "y": -10}}),
    ((160, 120), "wide", {"transform": {"scale_x": 0.6, "scale_y": 0.6, "anchor_x": 0.0, "anchor_y": 1.0}}),
    ((160, 120), "wide", {"transform": {"rotation": 90}}),
    ((160, 120), "square", {"transform": {"rotation": 30, "scale_x": 0.6, "scale_y": 0.6}}),
    ((256, 144), "square", {"crop": {"left": 40, "top": 10, "right": 0, "bottom": 30}}),
]


@pytest.mark.parametrize(("canvas", "picture", "changes"), CASES)
def test_a_box_lands_where_the_render_puts_its_picture(
    studio: Studio, pictures: dict[str, Path], canvas: tuple[int, int], picture: str, changes: dict[str, Any]
) -> None:
    w, h = canvas
    p = studio.new_project("b", width=w, height=h, frame_rate=24)
    clip = p.tracks[0].append(studio.clip(pictures[picture], 0, 6))
    if changes:
        clip = p.tracks[0].update(clip.id, **changes)
    rgb = timeline_frame(p, 2, scale=1).astype(int)
    picture_at = _bounds(rgb.sum(axis=2) > 150)  # grey or red: the picture, not the black canvas
    red_at = _bounds((rgb[..., 0] > 150) & (rgb[..., 1] < 110))
    rate = p.settings.frame_rate
    whole = on_canvas(clip, 2, rate, (0.0, 0.0, 1.0, 1.0), canvas)
    red = on_canvas(clip, 2, rate, MARK, canvas)
    assert whole is not None and red is not None
    assert _pixels(whole, w, h) == pytest.approx(picture_at, abs=TOL)
    assert _pixels(red, w, h) == pytest.approx(red_at, abs=TOL)


def test_a_box_cropped_away_or_off_the_canvas_is_not_drawn(studio: Studio, pictures: dict[str, Path]) -> None:
    p = studio.new_project("b", width=160, height=120, frame_rate=24)
    clip = p.tracks[0].append(studio.clip(pictures["square"], 0, 6))
    cropped = p.tracks[0].update(clip.id, crop={"left": 100, "top": 0, "right": 0, "bottom": 0})
    assert on_canvas(cropped, 0, Fraction(24), (0.0, 0.0, 0.5, 1.0), (160, 120)) is None
    away = p.tracks[0].update(clip.id, crop={}, transform={"x": 400})
    assert on_canvas(away, 0, Fraction(24), (0.0, 0.0, 1.0, 1.0), (160, 120)) is None


def _detections(*sources: Path) -> pl.DataFrame:
    n = len(sources)
    return pl.DataFrame(
        {
            "source": [str(s) for s in sources],
            "frame": [3] * n,
            "class_name": [s.stem for s in sources],
            "conf": [0.9] * n,
            "track_id": [None] * n,
            "nx1": [0.0] * n,
            "ny1": [0.0] * n,
            "nx2": [1.0] * n,
            "ny2": [1.0] * n,
        }
    )


@pytest.mark.parametrize("off", ["clip", "track", "nothing"])
def test_the_box_is_from_the_clip_shown(studio: Studio, pictures: dict[str, Path], off: str) -> None:
    """A switched-off top clip or track shows what is below it, and so do the boxes."""
    p = studio.new_project("b", width=160, height=120, frame_rate=24)
    p.tracks[0].append(studio.clip(pictures["wide"], 0, 6))  # letterboxed: bars of 14 px (on 2 px)
    v2 = p.add_track("video")
    top = v2.append(studio.clip(pictures["square"], 0, 6))
    if off == "clip":
        v2.update(top.id, enabled=False)
    elif off == "track":
        p.set_track(v2.id, enabled=False)
    w = PreviewWidget(p, studio=studio)
    w.show_detections(_detections(pictures["wide"], pictures["square"]))
    w.frame = 3
    if off == "nothing":
        assert [b["label"] for b in w.boxes] == ["square 0.90"]
        assert (w.boxes[0]["y1"], w.boxes[0]["y2"]) == (0.0, 1.0)
    else:
        assert [b["label"] for b in w.boxes] == ["wide 0.90"]
        assert (w.boxes[0]["y1"], w.boxes[0]["y2"]) == (pytest.approx(14 / 120), pytest.approx(104 / 120))
    w.close()


def test_a_nested_sequence_shows_its_own_top_clip(studio: Studio, pictures: dict[str, Path]) -> None:
    p = studio.new_project("b", width=160, height=120, frame_rate=24)
    p.tracks[0].append(studio.clip(pictures["square"], 0, 6))
    seq = Project(name="inner", settings=p.settings)
    seq.add_track("video")
    seq.tracks[0].append(studio.clip(pictures["wide"], 0, 4))  # its frames 0..3
    off = seq.tracks[0].append(studio.clip(pictures["wide"], 0, 2))  # 4..5: switched off
    seq.tracks[0].update(off.id, enabled=False)
    v2 = p.add_track("video")
    v2.append(p.sequence_clip(seq, 0, 6))
    rate = p.settings.frame_rate
    inner = shown_clip(p, 3)
    assert inner is not None and inner[0].media.path.endswith("wide.mp4") and inner[1] == 3
    below = shown_clip(p, 5)  # the sequence shows nothing there: the clip below shows
    assert below is not None and below[0].media.path.endswith("square.mp4")
    w = PreviewWidget(p, studio=studio)
    assert w.source_frame_at(3) == (str(pictures["wide"].resolve()), inner[0].source_frame_at(3, rate))
    w.show_detections(_detections(pictures["wide"]))
    w.frame = 3
    assert [b["label"] for b in w.boxes] == ["wide 0.90"]
    w.close()


@pytest.mark.parametrize(
    "effects", [[], ["reverse"], ["freeze"], ["reverse", "freeze"], ["reverse", "reverse"]], ids=str
)
@pytest.mark.parametrize("speed", [Fraction(1), Fraction(3, 2)])
def test_the_source_frame_is_the_one_on_screen(
    studio: Studio, tmp_path: Path, effects: list[str], speed: Fraction
) -> None:
    """Boxes come from the source frame the render shows: through reverse and freeze (they came from
    the span's own order, 19 frames off at a reversed clip's start)."""
    from timeline_lab.media.synth import make_clip, read_frame_indices
    from timeline_lab.model import Effect

    src = make_clip(tmp_path / "n.mp4", width=64, height=48, rate=Fraction(30000, 1001), frames=90, tag=3)
    p = studio.new_project("r", width=64, height=48, frame_rate=25)
    c = p.tracks[0].append(studio.clip(src, 11, 40, speed=speed))
    p.tracks[0].update(
        c.id, effects=[Effect(kind=k, params={"frame": 4} if k == "freeze" else {}) for k in effects]
    )
    shown = [k for k, _ in read_frame_indices(studio.render(p, tmp_path / "r.mp4", progress=False))]
    w = PreviewWidget(p, studio=studio)
    got = [w.source_frame_at(f) for f in range(len(shown))]
    w.close()
    assert [g[1] if g else None for g in got] == shown
