"""Shot boundaries against synthetic videos whose every cut, dissolve and fade is placed by frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.analysis import BOUNDARY_SCHEMA, project_from_shots, shot_boundaries, shots
from timeline_lab.analysis._boundaries import Features, find_boundaries
from timeline_lab.analysis.synth import make_shot_video
from timeline_lab.model.items import Clip

MIXED = [
    ("film", 40), ("cut", 0), ("fast", 40), ("dissolve", 20), ("film", 40), ("fade", 10),
    ("screen", 40), ("cut", 0), ("screen", 30), ("cut", 0), ("flash", 40),
]  # fmt: skip


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    path = tmp_path_factory.mktemp("shots") / "mixed.mp4"
    return path, make_shot_video(path, MIXED, width=192, height=108)


def test_every_transition_found_and_nothing_else(mixed: tuple[Path, pl.DataFrame]) -> None:
    path, truth = mixed
    found = shot_boundaries(path)
    assert found.schema == BOUNDARY_SCHEMA
    cuts = found.filter(pl.col("kind") == "cut")["start_frame"].to_list()
    want_cuts = truth.filter(pl.col("kind") == "cut")["start_frame"].to_list()
    assert len(cuts) == len(want_cuts)
    assert all(abs(a - b) <= 1 for a, b in zip(cuts, want_cuts, strict=True)), (cuts, want_cuts)
    dissolve = truth.filter(pl.col("kind") == "dissolve").row(0, named=True)
    got = found.filter(pl.col("kind") == "dissolve")
    assert got.height == 1 and got["start_frame"][0] <= dissolve["end_frame"]
    assert got["end_frame"][0] >= dissolve["start_frame"]
    fade = truth.filter(pl.col("kind") == "fade").row(0, named=True)
    out = found.filter(pl.col("kind") == "fade_out").row(0, named=True)
    fade_in = found.filter(pl.col("kind") == "fade_in").row(0, named=True)
    assert abs(out["start_frame"] - fade["start_frame"]) <= 1
    assert abs(fade_in["end_frame"] - fade["end_frame"]) <= 1
    assert found.height == len(want_cuts) + 3, found  # the flash and the fast pan are not shots


def test_times_are_the_streams_own(mixed: tuple[Path, pl.DataFrame]) -> None:
    found = shot_boundaries(mixed[0])
    for row in found.iter_rows(named=True):
        assert Fraction(row["start"]) == Fraction(row["start_frame"], 25)


def test_shots_and_project(mixed: tuple[Path, pl.DataFrame]) -> None:
    path, _ = mixed
    table = shots(path)
    assert table["start_frame"][0] == 0
    project = project_from_shots(path)
    clips = [c for c in project.tracks[0].items if isinstance(c, Clip)]
    assert len(clips) == table.height
    assert [c.source_range.start.to_frames(25) for c in clips] == table["start_frame"].to_list()
    assert clips[0].name == "shot 1"


def test_screen_recording_small_edits_are_not_cuts(tmp_path: Path) -> None:
    truth = make_shot_video(
        tmp_path / "s.mp4", [("screen", 50), ("cut", 0), ("screen", 50), ("cut", 0), ("screen", 50)]
    )
    found = shot_boundaries(tmp_path / "s.mp4")
    assert found["start_frame"].to_list() == truth["start_frame"].to_list()


def _features(frames: list[np.ndarray]) -> Features:
    y = np.stack(frames).astype(np.uint8)
    u = np.full((len(frames), y.shape[1] // 2, y.shape[2] // 2), 128, np.uint8)
    return Features.from_planes(y, u, u.copy())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(10, 40), min_size=1, max_size=5), st.integers(0, 2**16))
def test_random_cuts_found_within_one_frame(lengths: list[int], seed: int) -> None:
    """Noisy panning pictures cut at random places: every cut found, within a frame, no others."""
    rng = np.random.default_rng(seed)
    frames, cuts, pos = [], [], 0
    for n in [20, *lengths]:
        if pos:
            cuts.append(pos)
        base = np.kron(rng.uniform(30, 220, (9, 8)), np.ones((4, 8)))  # a picture, not white noise
        for i in range(n):
            # a pan of a pixel a frame, with grain
            img = np.roll(base, i, axis=1) + rng.normal(0, 2, base.shape)
            frames.append(np.clip(img, 0, 255))
        pos += n
    found = [b.start for b in find_boundaries(_features(frames)) if b.kind == "cut"]
    assert len(found) == len(cuts)
    assert all(abs(a - b) <= 1 for a, b in zip(found, cuts, strict=True))


@pytest.mark.parametrize(("width", "height", "seed"), [(640, 360, 7), (1280, 720, 3)])
def test_a_slow_pan_that_turns_back_is_one_shot(tmp_path: Path, width: int, height: int, seed: int) -> None:
    """A smooth picture panned slowly until it turns back fits a blend at analysis size; it is
    still no dissolve (found by benchmarks/analysis.py: its end frames match once shifted)."""
    path = tmp_path / "pan.mp4"
    make_shot_video(path, [("film", 60), ("cut", 0), ("film", 60)], width=width, height=height, seed=seed)
    assert shot_boundaries(path)["kind"].to_list() == ["cut"]


@pytest.mark.parametrize("seed", [1, 2])
def test_fast_pans_are_not_dissolves(tmp_path: Path, seed: int) -> None:
    """Each frame of a fast pan is a shifted copy of the last (a blend's never is); these seeds
    gave false dissolves before that test."""
    plan = [("fast", 60), ("cut", 0), ("fast", 60), ("cut", 0), ("fast", 60), ("cut", 0), ("fast", 60)]
    truth = make_shot_video(tmp_path / "pans.mp4", plan, width=320, height=180, seed=seed)
    found = shot_boundaries(tmp_path / "pans.mp4")
    assert found["kind"].to_list() == ["cut"] * 3
    assert found["start_frame"].to_list() == truth["start_frame"].to_list()


def test_skipping_the_loop_filter_keeps_frame_indices(mixed: tuple[Path, pl.DataFrame]) -> None:
    from timeline_lab.analysis._decode import Sampled, decode

    plain = [(f.index, f.seconds) for f in decode(mixed[0]) if isinstance(f, Sampled)]
    fast = [(f.index, f.seconds) for f in decode(mixed[0], deblock=False) if isinstance(f, Sampled)]
    assert fast == plain and [i for i, _ in plain] == list(range(len(plain)))
