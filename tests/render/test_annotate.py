"""Annotations drawn into the render: frame-exact through trims and speed changes, in preview too."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from PIL import Image

from timeline_lab.errors import RenderError
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.model.annotation import INLINE_ROWS, AnnotateParams
from timeline_lab.model.properties import Effect
from timeline_lab.render import ExportSettings, compile_plan, execute
from timeline_lab.render.annotators import Annotator, file_sha256
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow

SIZE = 8  # each box is SIZE x SIZE pixels; its corner says which source frame it was drawn for


def corner(j: int) -> tuple[int, int]:
    """Where the box of source frame ``j`` goes (below the code band, on a 320x240 picture)."""
    return 16 + 12 * (j % 20), 80 + 16 * (j // 20)


def frame_of(x: int, y: int) -> int:
    """The source frame whose box has its corner at (x, y)."""
    return (x - 16) // 12 + 20 * ((y - 80) // 16)


def table(frames: range) -> pl.DataFrame:
    """One detection per source frame, at the position that encodes the frame."""
    xs = [corner(j) for j in frames]
    return pl.DataFrame(
        {
            "frame": list(frames),
            "class_id": [0] * len(frames),
            "class_name": ["thing"] * len(frames),
            "conf": [0.9] * len(frames),
            "x1": [float(x) for x, _ in xs],
            "y1": [float(y) for _, y in xs],
            "x2": [float(x + SIZE) for x, _ in xs],
            "y2": [float(y + SIZE) for _, y in xs],
            "track_id": [None] * len(frames),
        }
    )


def annotate_effect(df: pl.DataFrame) -> Effect:
    style = {"labels": False, "palette": ["#ffffff"], "thickness": 2}
    return Effect(kind="annotate", params={"columns": df.to_dict(as_series=False), "style": style})


def box_frame(annotated: np.ndarray, plain: np.ndarray) -> int | None:
    """The source frame a drawn box encodes: where the annotated picture differs from the plain one."""
    diff = np.abs(annotated.astype(int) - plain.astype(int)).max(axis=2) > 60
    ys, xs = np.nonzero(diff)
    if not len(xs):
        return None
    return frame_of(int(xs.min()) // 2 * 2, int(ys.min()) // 2 * 2)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("annotate")
    return make_clip(d / "src.mp4", width=320, height=240, rate=25, frames=80, tag=5, audio=False)


def project_with(studio: Studio, source: Path, *, annotated: bool) -> Project:
    """A trim at speed 1, a trim at speed 2 and one at half speed, all of the same source."""
    project = studio.new_project(width=320, height=240, frame_rate=25)
    v1 = project.tracks[0]
    fx = [annotate_effect(table(range(80)))] if annotated else []
    for first, count, speed in ((13, 10, 1), (20, 20, 2), (50, 6, Fraction(1, 2))):
        clip = studio.clip(source, first, count, speed=speed)
        v1.append(clip.model_copy(update={"effects": fx}))
    return project


def render_frames(studio: Studio, project: Project, path: Path) -> list[np.ndarray]:
    execute(studio.plan(project, path, format="png-sequence"))
    return [np.asarray(Image.open(p).convert("RGB")) for p in sorted(path.glob("*.png"))]


def test_boxes_land_on_exactly_the_frames_that_show_their_source_frame(
    studio: Studio, source: Path, tmp_path: Path
) -> None:
    plain = render_frames(studio, project_with(studio, source, annotated=False), tmp_path / "plain")
    project = project_with(studio, source, annotated=True)
    drawn = render_frames(studio, project, tmp_path / "drawn")
    assert len(drawn) == len(plain) == 10 + 10 + 12
    shown = [read_frame_index(f)[0] for f in drawn]
    rate = project.settings.frame_rate
    oracle = [c.source_frame_at(k, rate) for c in project.tracks[0].items if isinstance(c, Clip)
              for k in range(c.frames(rate))]  # fmt: skip
    assert shown == oracle
    assert [box_frame(a, p) for a, p in zip(drawn, plain, strict=True)] == shown


def test_preview_frame_shows_the_same_annotation_as_the_render(
    studio: Studio, source: Path, tmp_path: Path
) -> None:
    project = project_with(studio, source, annotated=True)
    plain = project_with(studio, source, annotated=False)
    for k in (3, 14, 27):
        a = timeline_frame(project, k, scale=1)
        p = timeline_frame(plain, k, scale=1)
        assert box_frame(a, p) == read_frame_index(a)[0]


def test_a_clip_transform_moves_and_scales_its_annotations(
    studio: Studio, source: Path, tmp_path: Path
) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=25)
    clip = studio.clip(source, 0, 4)
    half = {"scale_x": 0.5, "scale_y": 0.5, "x": -80, "y": -60}  # the top-left quarter
    project.tracks[0].append(clip.model_copy(update={"effects": [annotate_effect(table(range(80)))]}))
    project.tracks[0].items[0].transform = project.tracks[0].items[0].transform.model_copy(update=half)
    out = timeline_frame(project, 2, scale=1)
    x, y = corner(2)
    region = out[y // 2 - 1 : (y + SIZE) // 2 + 2, x // 2 - 1 : (x + SIZE) // 2 + 2]
    assert region.min(axis=2).max() > 200, "the box is drawn at half size in the top-left quarter"
    assert out[120:, 160:].max() < 40, "nothing outside the clip's quarter"


def test_parquet_by_reference_is_checked_by_fingerprint(studio: Studio, source: Path, tmp_path: Path) -> None:
    path = tmp_path / "dets.parquet"
    table(range(80)).write_parquet(path)
    params = {"table": {"path": str(path), "sha256": file_sha256(path)}, "style": {"labels": True}}
    project = studio.new_project(width=320, height=240, frame_rate=25)
    clip = studio.clip(source, 0, 4)
    project.tracks[0].append(clip.model_copy(update={"effects": [Effect(kind="annotate", params=params)]}))
    timeline_frame(project, 1, scale=1)  # renders
    table(range(70)).write_parquet(path)
    with pytest.raises(RenderError, match="changed since it was attached"):
        timeline_frame(project, 1, scale=1)


def test_the_ffmpeg_command_refuses_a_plan_with_annotations(
    studio: Studio, source: Path, tmp_path: Path
) -> None:
    project = project_with(studio, source, annotated=True)
    plan = compile_plan(project, ExportSettings(tmp_path / "x.mp4"))
    assert plan.live
    with pytest.raises(RenderError, match="annotations run in Python"):
        plan.to_ffmpeg_args()


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"columns": None}, "either inline"),
        ({"columns": {"frame": [1]}}, "missing"),
        ({"columns": {**{c: [] for c in table(range(0)).columns}, "zz": []}}, "unexpected"),
        ({"columns": table(range(INLINE_ROWS + 1)).to_dict(as_series=False)}, "Parquet"),
        ({"columns": table(range(2)).to_dict(as_series=False), "style": {"thickness": 0}}, "thickness"),
    ],
)
def test_annotate_params_are_checked(params: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        AnnotateParams.model_validate(params)


def test_annotator_draws_traces_masks_heat_and_zones() -> None:
    df = table(range(10)).with_columns(pl.lit(7, dtype=pl.Int64).alias("track_id"))
    df = df.with_columns(
        pl.Series("polygon", [[[x, y], [x + 8, y], [x, y + 8]] for x, y in map(corner, range(10))])
    )
    style = AnnotateParams.model_validate(
        {"columns": {c: [] for c in table(range(0)).columns},
         "style": {"traces": 5, "masks": True, "heat": 5, "zones": [[(0, 0), (50, 0), (50, 50)]],
                   "color_by": "track", "label": "#{track_id} {class_name}"}}
    ).style  # fmt: skip
    picture = Annotator(df, style, (320, 240)).draw(9)
    assert picture is not None and picture.shape == (240, 320, 4)
    assert picture[..., 3].any()
    assert (
        Annotator(df, style.model_copy(update={"zones": [], "heat": 0, "traces": 0}), (320, 240)).draw(50)
        is None
    )


def test_hold_draws_the_latest_sighting_until_the_next() -> None:
    df = table(range(0, 12, 3))  # sampled every 3 frames
    style = AnnotateParams.model_validate({"columns": df.to_dict(as_series=False)}).style
    exact = Annotator(df, style, (320, 240))
    held = Annotator(df, style.model_copy(update={"hold": 3}), (320, 240))
    assert [exact.draw(j) is not None for j in range(7)] == [True, False, False, True, False, False, True]
    assert all(held.draw(j) is not None for j in range(12))
    assert held.draw(12) is None
    assert (held.draw(4) == held.draw(3)).all()


def test_boxes_follow_a_reversed_clip(studio: Studio, source: Path, tmp_path: Path) -> None:
    def reversed_project(annotated: bool) -> Project:
        project = studio.new_project(width=320, height=240, frame_rate=25)
        fx = [Effect(kind="reverse")] + ([annotate_effect(table(range(80)))] if annotated else [])
        project.tracks[0].append(studio.clip(source, 30, 8).model_copy(update={"effects": fx}))
        return project

    plain = render_frames(studio, reversed_project(False), tmp_path / "plain")
    drawn = render_frames(studio, reversed_project(True), tmp_path / "drawn")
    shown = [read_frame_index(f)[0] for f in drawn]
    assert shown == list(range(37, 29, -1))
    assert [box_frame(a, p) for a, p in zip(drawn, plain, strict=True)] == shown


def _label_pixels(text: str) -> np.ndarray:
    """Where a label reading ``text`` covers a 240x120 overlay."""
    from timeline_lab.model.annotation import AnnotationStyle

    df = pl.DataFrame({"frame": [0], "x1": [10.0], "y1": [60.0], "x2": [100.0], "y2": [110.0],
                       "class_id": [0], "class_name": [text], "conf": [0.9], "track_id": [1]})  # fmt: skip
    style = AnnotationStyle(boxes=False, label="{class_name}", font_size=20)
    pixels = Annotator(df, style, (240, 120)).draw(0)
    assert pixels is not None
    return pixels[..., 3] > 0


@pytest.mark.parametrize("name", ["person", "Людина", "σκύλος", "כלב", "Straße"])
def test_labels_draw_class_names_in_any_script(name: str) -> None:
    """Pillow's default font drew a box for every letter outside Latin, so all such names looked
    alike: a label is drawn in the bundled font (with fontconfig's fallbacks), as titles are."""
    assert _label_pixels(name).any()
    assert not np.array_equal(_label_pixels(name[0] * len(name)), _label_pixels(name[1] * len(name)))


def test_a_label_no_font_can_draw_is_refused_by_name() -> None:
    with pytest.raises(RenderError, match=r"annotation label 'x.*U\+F0000"):
        _label_pixels("x\U000f0000")
