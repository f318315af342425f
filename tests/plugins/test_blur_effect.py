"""BlurEffect through the render engine: the region is blurred, everything else is untouched."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.model import Effect
from timeline_lab.plugins.builtin.blur import KIND, detections_to_params, render_blur
from timeline_lab.render.compile.effects import register_effect, unregister_effect
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def blur_registered():
    register_effect(KIND, render_blur)
    yield
    unregister_effect(KIND, render_blur)


@pytest.fixture(scope="module")
def noise(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Grey 4x4-block noise, new every frame: blur is unmistakable on it, and chroma-safe."""
    import av

    path = tmp_path_factory.mktemp("noise") / "noise.mp4"
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=Fraction(25), options={"crf": "4", "preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        for i in range(10):
            grey = np.kron(rng.integers(0, 255, (60, 80), dtype=np.uint8), np.ones((4, 4), np.uint8))
            f = av.VideoFrame.from_ndarray(np.stack([grey] * 3, axis=2), format="rgb24")
            f.pts = i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


def decode(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def sharpness(img: np.ndarray) -> float:
    g = img.astype(float).mean(axis=2)
    return float(np.abs(np.diff(g, axis=1)).mean() + np.abs(np.diff(g, axis=0)).mean())


def render(studio: Studio, media: Path, out: str, params: dict | None, frames: int = 10) -> list[np.ndarray]:
    project = studio.new_project(width=320, height=240, frame_rate=25)
    clip = project.tracks[0].append(studio.clip(media, 0, frames))
    if params is not None:
        project.tracks[0].update(clip.id, effects=[Effect(kind=KIND, params=params)])
    return decode(studio.render(project, out, progress=False, crf=0))  # lossless: compare pixels exactly


@pytest.mark.parametrize("mode", ["gaussian", "pixelate"])
def test_fixed_box_blurred_rest_untouched(tmp_path: Path, noise: Path, mode: str) -> None:
    studio = Studio(workspace=tmp_path)
    plain = render(studio, noise, "plain.mp4", None)
    box = {"x": 100, "y": 80, "w": 120, "h": 100}
    fx = render(studio, noise, "fx.mp4", {"mode": mode, "strength": 10, "boxes": [box]})
    inside = (slice(85, 175), slice(105, 215))
    outside = (slice(190, 240), slice(0, 320))
    for k in (0, 5, 9):
        assert sharpness(fx[k][inside]) < 0.6 * sharpness(plain[k][inside])
        assert np.abs(fx[k][outside].astype(int) - plain[k][outside].astype(int)).mean() < 1.0


def test_box_limited_in_time(tmp_path: Path, noise: Path) -> None:
    studio = Studio(workspace=tmp_path)
    plain = render(studio, noise, "plain.mp4", None)
    box = {"x": 0, "y": 0, "w": 320, "h": 240, "start": "4/25", "end": "8/25"}
    fx = render(studio, noise, "fx.mp4", {"boxes": [box]})
    blurred = [sharpness(f) < 0.7 * sharpness(p) for f, p in zip(fx, plain, strict=True)]
    assert blurred == [k in range(4, 8) for k in range(10)]


def test_tracked_boxes_follow_the_object(tmp_path: Path, noise: Path) -> None:
    """A box that moves right 10 px per frame: blur follows it, its old place is sharp again."""
    studio = Studio(workspace=tmp_path)
    plain = render(studio, noise, "plain.mp4", None)
    rows = [
        {"pts": Fraction(k, 25), "x1": 40 + 10 * k, "y1": 100, "x2": 100 + 10 * k, "y2": 160, "track_id": 3}
        for k in range(10)
    ]
    fx = render(studio, noise, "fx.mp4", detections_to_params(rows, padding=0))
    for k in (1, 8):
        box = (slice(104, 156), slice(44 + 10 * k, 96 + 10 * k))
        assert sharpness(fx[k][box]) < 0.6 * sharpness(plain[k][box]), k
    left_of_box = (slice(104, 156), slice(0, 38 + 10 * 8))
    assert np.abs(fx[8][left_of_box].astype(int) - plain[8][left_of_box].astype(int)).mean() < 1.0


def test_bad_params_name_the_field(tmp_path: Path, media: dict[str, Path]) -> None:
    from timeline_lab.errors import RenderError

    studio = Studio(workspace=tmp_path)
    with pytest.raises(RenderError, match=r"params\.boxes\.0\.w"):
        render(studio, media["pal"], "bad.mp4", {"boxes": [{"x": 0, "y": 0, "w": 0, "h": 5}]})


def test_blur_plugin_is_found_through_its_entry_point(tmp_path: Path) -> None:
    """A plain Studio discovers the built-in plugin and can render its effect kind."""
    studio = Studio(workspace=tmp_path)
    assert studio.services is not None and studio.services.health()["plugins"]["blur"] == "active"
    mine = studio.effects.renderer(KIND)
    assert mine is not None and mine is not render_blur  # the registry's wrapped renderer
    other = Studio(workspace=tmp_path)
    assert other.effects.renderer(KIND) is not mine  # each Studio renders with its own plugins...
    other.close()  # ...and closing one leaves the other's in force
    assert studio.effects.renderer(KIND) is mine
    studio.close()
    assert studio.effects.renderer(KIND) is render_blur  # back to what the test fixture registered


# One kind: what the two former kinds (``blur.region`` with flat detections, and
# ``recognition.blur_regions`` with tracks) saved renders byte for byte as before, and the same.

MOVING = [(k, 40 + 10 * k, 100, 100 + 10 * k, 160) for k in range(10)]
"""A box moving right 10 px per frame (source frame, corners), even pixels."""
STILL = [(k, 100, 80, 220, 180) for k in range(10)]


def old_region(rows: list[tuple[int, int, int, int, int]]) -> dict:
    """``blur.region`` params as the plugin wrote them before: flat detections."""
    dets = [{"t": f"{k}/25", "x1": a, "y1": b, "x2": c, "y2": d, "track_id": 3} for k, a, b, c, d in rows]
    return {"mode": "gaussian", "strength": 12.0, "padding": 0, "detections": dets}


def old_recognition(rows: list[tuple[int, int, int, int, int]]) -> dict:
    """``recognition.blur_regions`` params as ``blur_effect`` wrote them before."""
    samples = [[f"{k}/25", float(a), float(b), float(c), float(d)] for k, a, b, c, d in rows]
    return {"source": "noise.mp4", "frame_duration": "1/25", "hold": "3/50", "margin": 0.0,
            "strength": 12.0, "mode": "gaussian",
            "tracks": [{"track_id": 3, "class_name": "thing", "samples": samples}]}  # fmt: skip


def render_json(studio: Studio, media: Path, out: str, effect: dict | None) -> list[np.ndarray]:
    """Render a project loaded from JSON whose clip holds ``effect`` exactly as written."""
    import json

    from timeline_lab.model import io

    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media, 0, 10))
    data = json.loads(io.dumps(project))
    data["tracks"][0]["items"][0]["effects"] = [] if effect is None else [effect]
    loaded = io.loads(json.dumps(data))
    return decode(studio.render(loaded, out, progress=False, crf=0))


@pytest.mark.parametrize("rows", [MOVING, STILL], ids=["moving", "still"])
def test_former_kinds_render_byte_identical(tmp_path: Path, noise: Path, rows: list) -> None:
    """Old ``blur.region`` detections, old ``recognition.blur_regions`` tracks, the one kind's tracks."""
    from timeline_lab.recognition.blur import LEGACY_KIND

    studio = Studio(workspace=tmp_path)
    plain = render_json(studio, noise, "plain.mp4", None)
    legacy = {"id": "fx_0ld00001", "kind": LEGACY_KIND, "params": old_recognition(rows), "enabled": True}
    region = {"id": "fx_0ld00002", "kind": KIND, "params": old_region(rows), "enabled": True}
    one = {"id": "fx_0ne00003", "kind": KIND, "params": {**old_recognition(rows), "margin": 0.0}}
    outs = [render_json(studio, noise, f"{i}.mp4", fx) for i, fx in enumerate((legacy, region, one))]
    for k in range(10):
        assert outs[0][k].tobytes() == outs[1][k].tobytes() == outs[2][k].tobytes(), k
        assert not np.array_equal(outs[0][k], plain[k]), k  # and something was blurred


def test_still_track_is_the_fixed_box(tmp_path: Path, noise: Path) -> None:
    """A track that never moves blurs exactly what the same fixed box blurs."""
    studio = Studio(workspace=tmp_path)
    tracked = render(studio, noise, "tracked.mp4", old_recognition(STILL))
    fixed = render(studio, noise, "fixed.mp4", {"boxes": [{"x": 100, "y": 80, "w": 120, "h": 100}]})
    assert [f.tobytes() for f in tracked] == [f.tobytes() for f in fixed]


def test_detections_to_params_are_tracks() -> None:
    """The plugin's command writes the one kind's form (tracks), which renders like detections did."""
    rows = [
        {"pts": Fraction(k, 25), "x1": a, "y1": b, "x2": c, "y2": d, "track_id": 3}
        for k, a, b, c, d in MOVING
    ]
    params = detections_to_params(rows, padding=2)
    assert "detections" not in params and params["margin"] == 0.0 and params["padding"] == 2
    assert params["frame_duration"] == "1/25" and params["hold"] == "3/50"
    (track,) = params["tracks"]
    assert track["track_id"] == 3 and track["samples"][1] == ["1/25", 50.0, 100.0, 110.0, 160.0]


def test_plugins_spell_the_kinds_recognition_blur_renders() -> None:
    """The plugins name their kinds without importing ``recognition.blur``: the same strings."""
    from timeline_lab.plugins.builtin import blur, recognition
    from timeline_lab.recognition import blur as region_blur

    assert blur.KIND == region_blur.KIND and recognition.LEGACY_KIND == region_blur.LEGACY_KIND
    assert blur.render_blur is region_blur.render_blur and blur.BlurParams is region_blur.BlurParams
    assert set(blur.BlurPlugin.effect_kinds) == {region_blur.KIND}
    assert set(recognition.RecognitionPlugin.effect_kinds) == {region_blur.LEGACY_KIND}
