"""Region blur of tracked boxes: the effect's renderer, run through a real libavfilter graph."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter
import numpy as np
import pytest

from timeline_lab.model import Effect, io
from timeline_lab.recognition import (
    ModelManager,
    ModelRegistry,
    RecognitionError,
    add_blur,
    blur_effect,
    recognize,
    register_blur,
)
from timeline_lab.recognition.blur import KIND, LEGACY_KIND, BlurParams, render_blur
from timeline_lab.render.compile.effects import EffectContext
from timeline_lab.render.compile.graph import Builder
from timeline_lab.render.compile.regions import Box, RegionBlur
from timeline_lab.render.execute.runner import add_nodes
from timeline_lab.studio import Studio

from .conftest import square_box


@pytest.fixture(scope="module")
def tracked(videos: dict[str, Path], square_model: Path, tmp_path_factory: pytest.TempPathFactory):
    manager = ModelManager(ModelRegistry(tmp_path_factory.mktemp("models")))
    return recognize(videos["square"], square_model, manager=manager, tracker="iou", cache=False)


def context(
    frames: int = 50, start: Fraction = Fraction(0), speed: Fraction = Fraction(1), **kw: Any
) -> EffectContext:
    base = {"width": 320, "height": 240, "crop_left": 0, "crop_top": 0}
    return EffectContext(
        **{**base, **kw}, source_start=start, speed=speed, rate=Fraction(25), frames=frames, tag="t"
    )


def clamp(x: float, top: int) -> float:
    """Where a fixed-size box goes when its centre would push it off the picture."""
    return min(max(0.0, x), top)


def run_graph(items: list[Any], frames: list[np.ndarray]) -> list[np.ndarray]:
    """Push yuv420p frames (pts = index, 1/25 s) through the chain the renderer produced."""
    b = Builder()
    out_pad = b.chain("src", "c", items)
    g: Any = av.filter.Graph()
    src = g.add_buffer(width=320, height=240, format="yuv420p", time_base=Fraction(1, 25))
    pads: dict[str, tuple[Any, int]] = {"src": (src, 0)}
    add_nodes(g, b.nodes, pads)
    sink = g.add("buffersink")
    s, idx = pads.pop(out_pad)
    s.link_to(sink, idx, 0)
    g.configure()
    out = []
    for i, img in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts, frame.time_base = i, Fraction(1, 25)
        src.push(frame)
        out.append(sink.pull().to_ndarray(format="rgb24"))
    return out


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_effect_is_plain_json(tracked) -> None:
    fx = blur_effect(tracked, margin=0.1)
    assert fx.kind == KIND
    assert fx.params["frame_duration"] == "1/25" and fx.params["hold"] == "3/50"
    (track,) = fx.params["tracks"]
    assert track["track_id"] == 1 and len(track["samples"]) == 50
    assert track["samples"][3] == ["3/25", *map(float, square_box(3)), "4/25"]  # until frame 4


def test_renderer_follows_the_track(tracked) -> None:
    (frag,) = render_blur(blur_effect(tracked, margin=0.1), context())
    assert isinstance(frag, RegionBlur) and frag.boxes == () and len(frag.moving) == 1
    box = frag.moving[0]
    assert sorted(box.path) == list(range(50)) and (box.w, box.h) == (62, 62)  # 50 + 2 x 5, even
    for k, (x, y) in box.path.items():  # the fixed-size box is centred on the square, frame by frame
        x1, y1, x2, y2 = square_box(k)
        assert abs(x - clamp((x1 + x2 - box.w) / 2, 320 - box.w)) <= 1
        assert abs(y - clamp((y1 + y2 - box.h) / 2, 240 - box.h)) <= 1


def test_renderer_maps_trim_speed_and_crop(tracked) -> None:
    fx = blur_effect(tracked, margin=0.0)
    # chain frame k shows source second 0.4 + 2k/25 (trimmed at frame 10, 2x speed), 20 px cropped left
    (frag,) = render_blur(
        fx, context(frames=20, start=Fraction(2, 5), speed=Fraction(2), crop_left=20, width=300)
    )
    box = frag.moving[0]
    assert sorted(box.path) == list(range(20))
    for k, (x, _) in box.path.items():
        x1, _, x2, _ = square_box(10 + 2 * k)
        assert abs(x - clamp((x1 + x2 - box.w) / 2 - 20, 300 - box.w)) <= 1


def test_still_object_becomes_a_fixed_box(tracked) -> None:
    still = tracked.filter(tracked["frame"] == 7)
    (frag,) = render_blur(blur_effect(still, margin=0.0, hold=Fraction(1, 5)), context())
    x1, y1, x2, y2 = square_box(7)
    assert frag.moving == () and frag.boxes == (Box(x1, y1, x2 - x1, y2 - y1, first=7, end=12),)


def test_nothing_to_blur() -> None:
    empty = Effect(kind=LEGACY_KIND, params={"frame_duration": "1/25", "hold": "1/25", "tracks": []})
    assert render_blur(empty, context()) == []


def test_blur_in_a_real_filter_graph(tracked, videos: dict[str, Path]) -> None:
    """The fragment runs in libavfilter: the square is blurred where it is, the rest is untouched."""
    frames = decoded(videos["square"])[:20]
    (frag,) = render_blur(blur_effect(tracked.filter(tracked["frame"] < 20), margin=0.1), context(frames=20))
    out = run_graph([frag], frames)
    plain = run_graph([("null", "")], frames)
    for k, (a, b) in enumerate(zip(out, plain, strict=True)):
        x, y = frag.moving[0].path[k]
        w, h = frag.moving[0].w, frag.moving[0].h
        diff = np.abs(a.astype(int) - b.astype(int)).max(axis=2)
        inside = diff[y : y + h, x : x + w]
        outside = diff.copy()
        outside[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2] = 0  # chroma rounding at the edge
        assert outside.max() <= 2, k
        assert inside.mean() > 8, k  # the square's edges are smeared


@pytest.mark.slow
def test_add_blur_renders_through_the_engine(tracked, videos: dict[str, Path], tmp_path: Path) -> None:
    register_blur()
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(videos["square"], 10, 15))
    plain = decoded(studio.render(project, tmp_path / "plain.mp4", progress=False, crf=0))
    assert add_blur(project, tracked, margin=0.1) == 1
    saved = io.load(io.save(project, tmp_path / "p.tlproj"))  # the effect survives a save
    assert saved.tracks[0].items[0].effects[0].kind == KIND
    blurred = decoded(studio.render(saved, tmp_path / "blurred.mp4", progress=False, crf=0))  # lossless
    for k, (a, b) in enumerate(zip(blurred, plain, strict=True)):
        x1, y1, x2, y2 = square_box(10 + k)
        diff = np.abs(a.astype(int) - b.astype(int)).max(axis=2)
        near = diff[y1 - 6 : y2 + 6, x1 - 6 : x2 + 6]
        far = diff.copy()
        far[max(0, y1 - 12) : y2 + 12, max(0, x1 - 12) : x2 + 12] = 0
        assert near.mean() > 8 and far.max() <= 2, k


def test_blur_effect_needs_one_source(tracked) -> None:
    import polars as pl

    both = pl.concat([tracked, tracked.with_columns(pl.lit("/elsewhere.mp4").alias("source"))])
    with pytest.raises(RecognitionError, match="hold 2 sources"):
        blur_effect(both)
    assert blur_effect(both, source="/elsewhere.mp4").params["source"] == "/elsewhere.mp4"


TRACK = {"track_id": 1, "samples": [["0", 10, 10, 60, 60], ["1/25", 12, 10, 62, 60]]}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"boxes": [{"x": 0, "y": 0, "w": 4, "h": 4, "start": "1/25"}]}, None),
        ({"tracks": [TRACK]}, None),
        ({"detections": [{"t": 0, "x1": 1, "y1": 1, "x2": 9, "y2": 9}]}, None),
        (
            {"boxes": [{"x": 0, "y": 0, "w": 0, "h": 5}]},
            r"params\.boxes\.0\.w: Input should be greater than 0",
        ),
        ({"strength": 0}, r"params\.strength: Input should be greater than 0"),
        ({"mode": "box"}, r"params\.mode: Input should be 'gaussian' or 'pixelate'"),
        ({"margin": -1}, r"params\.margin: "),
        ({"sigma": 3}, r"params\.sigma: Extra inputs are not permitted"),
        (
            {"tracks": [{"samples": [[0.04, 1, 1, 9, 9]]}]},
            r"params\.tracks\.0\.samples\.0\.0: floats are not exact",
        ),
        (
            {"tracks": [{"samples": [["x", 1, 1, 9, 9]]}]},
            r"params\.tracks\.0\.samples\.0\.0: seconds: cannot read",
        ),
        ({"tracks": [{"samples": [[0, 1, 1, 9]]}]}, r"params\.tracks\.0\.samples\.0\.4: Field required"),
        ({"hold": "soon", "tracks": [TRACK]}, r"params\.hold: seconds: cannot read 'soon'"),
        (
            {"tracks": [TRACK], "detections": [{"t": 0, "x1": 1, "y1": 1, "x2": 9, "y2": 9}]},
            r"blur\.region params: give either tracks or detections",
        ),
    ],
)
def test_params_errors_name_the_field(params: dict[str, Any], error: str | None) -> None:
    from timeline_lab.errors import RenderError

    fx = Effect(kind=KIND, params=params)
    if error is None:
        render_blur(fx, context())
        return
    with pytest.raises(RenderError, match=error):
        render_blur(fx, context())


def test_params_defaults_follow_the_samples() -> None:
    """Tracks without timing: a sighting lasts the smallest step, and holes of 1.5 steps are bridged."""
    p = BlurParams.model_validate({"tracks": [TRACK, {"samples": [["3/25", 0, 0, 8, 8]]}]})
    assert (p.frame_duration, p.hold, p.margin) == (Fraction(1, 25), Fraction(3, 50), 0.15)
    older = BlurParams.model_validate({"detections": [{"t": "1/5", "x1": 1, "y1": 2, "x2": 9, "y2": 9}]})
    assert older.margin == 0.0 and older.tracks[0].samples == [(Fraction(1, 5), 1.0, 2.0, 9.0, 9.0, None)]
    assert (older.frame_duration, older.hold) == (0, 0)  # one sighting and no step: nothing shown, as before


def test_blur_effect_names_a_bad_option(tracked) -> None:
    with pytest.raises(RecognitionError, match=r"blur_effect params\.strength: Input should be less than"):
        blur_effect(tracked, strength=1000)


def test_legacy_kind_renders_like_the_one_kind(tracked) -> None:
    """``recognition.blur_regions`` (saved by older versions) is an alias: same params, same fragments."""
    fx = blur_effect(tracked, margin=0.1)
    old = Effect(id=fx.id, kind=LEGACY_KIND, params=fx.params)
    assert render_blur(old, context()) == render_blur(fx, context())
    register_blur()
    from timeline_lab.render.compile.effects import effect_renderer

    assert effect_renderer(LEGACY_KIND) is not None and effect_renderer(KIND) is not None
