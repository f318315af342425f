"""A real Dask LocalCluster of worker processes, and media whose pixels carry frame numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project, RationalTime, Transition
from timeline_lab.studio import Studio

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two single-threaded worker processes on loopback, as `LocalCluster(processes=True)` makes them."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", host="127.0.0.1"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cluster-media")
    return {
        "a": make_clip(folder / "a.mp4", width=160, height=120, rate=25, frames=150, tag=1),
        "b": make_clip(folder / "b.mp4", width=160, height=120, rate=25, frames=150, tag=2),
    }


def timeline(studio: Studio, sources: dict[str, Path]) -> Project:
    """Cuts, a dissolve, a reversed clip and a gap: places a segment must not be cut."""
    from timeline_lab.model import Effect

    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(sources["a"], 0, 40))
    b = v1.append(studio.clip(sources["b"], 10, 50))
    v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(10, 25)))
    v1.append(studio.clip(sources["a"], 60, 30).model_copy(update={"effects": [Effect(kind="reverse")]}))
    v1.insert(studio.clip(sources["b"], 100, 40), v1.frames() + 5)
    return project


def sound_matches(single: np.ndarray, parallel: np.ndarray, joins: list[int]) -> dict[str, float]:
    """Assert the segmented sound is the single-process one within AAC's tolerance, with no click.

    Both are decodes of AAC: the pieces after the first come from other encoder instances (their
    rate control starts afresh), so they differ from the whole encode by codec noise; a join
    must not differ more than the rest does (a click, a gap or a shifted piece would).
    """
    assert single.shape == parallel.shape
    diff = np.abs(single - parallel).max(axis=0)
    w = 1024
    windows = diff[: len(diff) // w * w].reshape(-1, w).max(axis=1)
    near = {k for j in joins for k in (j // w - 1, j // w)}
    at_joins = max((windows[k] for k in near if k < len(windows)), default=0.0)
    elsewhere = max((windows[k] for k in range(len(windows)) if k not in near), default=0.0)
    noise = float(((single - parallel) ** 2).sum())
    snr = 10 * np.log10(float((single**2).sum()) / max(noise, 1e-30))
    assert at_joins <= max(elsewhere, 2e-3), (at_joins, elsewhere)
    assert snr >= 35, snr
    return {"at_joins": float(at_joins), "elsewhere": float(elsewhere), "snr_db": float(snr)}
