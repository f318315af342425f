"""A see-through clip (opacity, keyframed opacity, a transparent still, a moved clip) anywhere on a
track changes no other clip's frames: the whole render, range renders and segment renders on
threads and on processes give the same pixels (lossless x264, so equal means bit-identical)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from timeline_lab.cluster import render_on_cluster
from timeline_lab.model import Project
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.render.compile.compiler import compile_plan
from timeline_lab.render.execute.runner import execute
from timeline_lab.render.plan import ExportSettings
from timeline_lab.studio import Studio

from ..render.conftest import decode_video

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

LOSSLESS = {"video_codec": "libx264", "crf": 0, "preset": "ultrafast", "audio": False, "overwrite": True}


@pytest.fixture(scope="module")
def threads() -> Iterator[Any]:
    """Two worker threads in this process (``cluster="threads"``)."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def logo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A still with a transparent border: its alpha is composited."""
    path = tmp_path_factory.mktemp("alpha-media") / "logo.png"
    image = Image.new("RGBA", (80, 60), (0, 0, 0, 0))
    image.paste((200, 40, 90, 255), (10, 10, 70, 50))
    image.save(path)
    return path


def _opacity_ramp(studio: Studio, track: Any, media: Path) -> None:
    z = track.append(studio.clip(media, 60, 40))
    add_keyframe(track, z.id, "opacity", 0, 1.0)
    add_keyframe(track, z.id, "opacity", 39, 0.2)


def _constant(studio: Studio, track: Any, media: Path) -> None:
    track.append(studio.clip(media, 60, 30).model_copy(update={"opacity": 0.5}))


def _moved(studio: Studio, track: Any, media: Path) -> None:
    clip = studio.clip(media, 60, 30)
    track.append(clip.model_copy(update={"transform": clip.transform.model_copy(update={"x": 20.0})}))


Variant = Callable[[Studio, Any, Path], None]
VARIANTS: dict[str, Variant] = {
    "opacity_keyframes": _opacity_ramp,
    "constant_opacity": _constant,
    "moved": _moved,
}


def _project(studio: Studio, sources: dict[str, Path], logo: Path, kind: str, where: int) -> Project:
    """Opaque clips on V1 with a see-through one at position ``where`` (0 first, 1 middle, 2 last)."""
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    plain = [(sources["a"], 0, 30), (sources["b"], 10, 30)]
    for n in range(3):
        if n == where:
            if kind == "still":
                v1.append(studio.clip(logo, 0, 30))
            else:
                VARIANTS[kind](studio, v1, sources["b"])
        else:
            v1.append(studio.clip(*plain.pop()))
    return project


def _upper(studio: Studio, sources: dict[str, Path], shorter: str) -> Project:
    """A V2 clip over (or past) V1's end: a range past V1's items has no bottom track of its own."""
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1, v2 = project.tracks[0], project.add_track("video")
    v1.append(studio.clip(sources["a"], 0, 30 if shorter == "v1" else 80))
    v2.insert(studio.clip(sources["b"], 0, 40), 20)
    return project


def _render(project: Project, path: Path, frames: tuple[int, int] | None = None) -> list[np.ndarray]:
    return decode_video(execute(compile_plan(project, ExportSettings(path=path, **LOSSLESS), frames=frames)))


def _assert_same(whole: list[np.ndarray], got: list[np.ndarray], first: int, what: str) -> None:
    assert len(got) > 0
    bad = [first + k for k, pic in enumerate(got) if not np.array_equal(pic, whole[first + k])]
    assert not bad, f"{what}: frames {bad[:10]} differ from the whole render"


CASES = [(kind, where) for kind in (*VARIANTS, "still") for where in (0, 1, 2)]


@pytest.mark.parametrize(("kind", "where"), CASES)
def test_ranges_match_whole(
    tmp_path: Path, sources: dict[str, Path], logo: Path, kind: str, where: int
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, sources, logo, kind, where)
    whole = _render(project, tmp_path / "whole.mp4")
    total = len(whole)
    for a, b in ((0, 20), (25, 55), (total - 20, total)):
        _assert_same(whole, _render(project, tmp_path / f"r{a}.mp4", (a, b)), a, f"range {a}..{b}")


@pytest.mark.parametrize("shorter", ["v1", "v2"])
def test_upper_track_ranges_match_whole(tmp_path: Path, sources: dict[str, Path], shorter: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = _upper(studio, sources, shorter)
    whole = _render(project, tmp_path / "whole.mp4")
    total = len(whole)
    for a, b in ((0, 20), (35, total), (total - 10, total)):
        _assert_same(whole, _render(project, tmp_path / f"r{a}.mp4", (a, b)), a, f"range {a}..{b}")


@pytest.mark.parametrize("where", [0, 1, 2])
def test_opaque_clips_keep_their_pixels(
    tmp_path: Path, sources: dict[str, Path], logo: Path, where: int
) -> None:
    """An opaque clip is drawn as it would be with no see-through clip on its track."""
    studio = Studio(workspace=tmp_path)
    mixed = _render(_project(studio, sources, logo, "opacity_keyframes", where), tmp_path / "mixed.mp4")
    alone = _project(studio, sources, logo, "opacity_keyframes", where)
    v1 = alone.tracks[0]
    v1.update(v1.items[where].id, opacity=1.0, keyframes={})
    plain = _render(alone, tmp_path / "plain.mp4")
    see_through = range(where * 30, where * 30 + 40)
    bad = [k for k in range(len(plain)) if k not in see_through and not np.array_equal(mixed[k], plain[k])]
    assert not bad, f"opaque frames {bad[:10]} changed by a see-through clip elsewhere on the track"


@pytest.mark.parametrize(("kind", "where"), [("opacity_keyframes", 2), ("still", 1), ("moved", 0)])
@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_segments_match_whole(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sources: dict[str, Path],
    logo: Path,
    kind: str,
    where: int,
    workers: str,
) -> None:
    client = request.getfixturevalue("threads" if workers == "threads" else "client")
    studio = Studio(workspace=tmp_path)
    project = _project(studio, sources, logo, kind, where)
    whole = _render(project, tmp_path / "whole.mp4")
    out = render_on_cluster(
        project, ExportSettings(path=tmp_path / "par.mp4", **LOSSLESS), client, segments=5
    )
    got = decode_video(out)
    assert len(got) == len(whole)
    _assert_same(whole, got, 0, f"segments on {workers}")
