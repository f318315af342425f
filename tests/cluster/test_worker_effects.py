"""Segments on real workers (threads and processes) render the plugin effects a Studio renders, and
leave nothing behind: no watcher thread on a worker, no event or queue on the scheduler."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from timeline_lab.cluster import render_on_cluster
from timeline_lab.errors import RenderError
from timeline_lab.model import Effect, Project
from timeline_lab.render.plan import ExportSettings
from timeline_lab.studio import Studio

from ..render.conftest import decode_video

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

LOSSLESS = {"video_codec": "libx264", "crf": 0, "preset": "ultrafast", "audio": False, "overwrite": True}


@pytest.fixture(scope="module")
def threads() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _workers(request: pytest.FixtureRequest, kind: str) -> Any:
    return request.getfixturevalue("threads" if kind == "threads" else "client")


def _blurred(studio: Studio, sources: dict[str, Path], how: str) -> Project:
    """Clips with a tracked box (moving), a fixed box, or the whole frame blurred."""
    params: dict[str, Any] = {
        "tracked": {"tracks": [{"samples": [[0.0, 20, 20, 80, 80], [1.0, 60, 30, 140, 100]]}]},
        "fixed": {"boxes": [{"x": 30, "y": 20, "w": 60, "h": 50}], "mode": "pixelate"},
        "whole": {"whole_frame": True, "strength": 6},
    }[how]
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    for media, first in ((sources["a"], 0), (sources["b"], 20), (sources["a"], 60)):
        clip = studio.clip(media, first, 30)
        v1.append(clip.model_copy(update={"effects": [Effect(kind="blur.region", params=params)]}))
    return project


def _invert(fx: Any, ctx: Any) -> list[tuple[str, str]]:
    return [("negate", "")]


def _assert_same(a: Path, b: Path) -> None:
    x, y = decode_video(a), decode_video(b)
    assert len(x) == len(y) > 0
    bad = [k for k, (u, v) in enumerate(zip(x, y, strict=True)) if not np.array_equal(u, v)]
    assert not bad, f"frames {bad[:10]} differ from the single-process render"


@pytest.mark.parametrize("how", ["tracked", "fixed", "whole"])
@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_blur_renders_on_workers(
    request: pytest.FixtureRequest, tmp_path: Path, sources: dict[str, Path], how: str, kind: str
) -> None:
    """The Studio's blur plugin wraps its renderer (it cannot be pickled): workers register it."""
    studio = Studio(workspace=tmp_path)
    project = _blurred(studio, sources, how)
    single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False, **LOSSLESS)
    par = studio.render(
        project, tmp_path / "par.mp4", progress=False, cluster=_workers(request, kind), **LOSSLESS
    )
    _assert_same(single, par)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_studio_plugin_kind_renders_on_workers(
    request: pytest.FixtureRequest, tmp_path: Path, sources: dict[str, Path], kind: str
) -> None:
    """A kind only this Studio's registry has (not the process's) travels with the segments."""
    studio = Studio(workspace=tmp_path)
    renderer = lambda fx, ctx: [("negate", "")]  # noqa: E731 (by value: workers cannot import a test module)
    studio.effects.register("mine.invert", renderer)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    for first in (0, 40, 80):
        clip = studio.clip(sources["a"], first, 30)
        project.tracks[0].append(clip.model_copy(update={"effects": [Effect(kind="mine.invert")]}))
    single = studio.render(project, tmp_path / "single.mp4", progress=False, cluster=False, **LOSSLESS)
    par = studio.render(
        project, tmp_path / "par.mp4", progress=False, cluster=_workers(request, kind), **LOSSLESS
    )
    _assert_same(single, par)


class _Locked:
    """A renderer holding a lock: it cannot leave this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, fx: Any, ctx: Any) -> list[tuple[str, str]]:
        return [("negate", "")]


def test_unsendable_renderer_is_refused_by_kind(
    threads: Any, tmp_path: Path, sources: dict[str, Path]
) -> None:
    studio = Studio(workspace=tmp_path)
    studio.effects.register("mine.locked", _Locked())
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(
        studio.clip(sources["a"], 0, 30).model_copy(update={"effects": [Effect(kind="mine.locked")]})
    )
    refused = r"'mine\.locked''s renderer cannot be sent"
    with studio.effects.active(), pytest.raises(RenderError, match=refused):
        render_on_cluster(project, ExportSettings(path=tmp_path / "x.mp4", **LOSSLESS), threads)


def _watchers() -> int:
    return sum(t.name == "segment-stop" and t.is_alive() for t in threading.enumerate())


def _scheduler_state(dask_scheduler: Any) -> tuple[int, int]:
    return len(dask_scheduler.extensions["events"]._events), len(dask_scheduler.extensions["queues"].queues)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_finished_renders_leave_nothing_running(tmp_path: Path, sources: dict[str, Path], kind: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    for first in (0, 40, 80):
        project.tracks[0].append(studio.clip(sources["a"], first, 30))
    errors, names = _Errors(), ("distributed", "distributed.event", "distributed.core")
    for name in names:
        logging.getLogger(name).addHandler(errors)
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=kind == "processes", dashboard_address=":0"
        )
        with distributed.Client(cluster) as client:
            before = client.run(_watchers)
            for n in range(3):
                export = ExportSettings(path=tmp_path / f"r{n}.mp4", **LOSSLESS)
                render_on_cluster(project, export, client, segments=4)
            deadline = time.monotonic() + 5
            while client.run(_watchers) != before and time.monotonic() < deadline:
                time.sleep(0.1)
            assert client.run(_watchers) == before
            assert client.run_on_scheduler(_scheduler_state) == (0, 0)
        cluster.close()
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]
