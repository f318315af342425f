"""Shot-boundary benchmark: ``timeline_lab.analysis.shot_boundaries`` vs PySceneDetect, one run.

The same H.264 videos from ``timeline_lab.analysis.synth.make_shot_video`` (ground truth known to
the frame), at 1080p and 360p, one per category: hard cuts, dissolves of 10-30 frames, fades to
and from black, distractors (fast pans and flashes, which are not shots) and screen recordings.
Each tool is scored with one rule: a transition is found when a detection falls in its frames
widened by one on each side (a cut's span is its first new frame); several detections in one
transition count once, and every detection outside all transitions is a false positive.
Precision = found / (found + false positives), recall = found / transitions, F1 their harmonic
mean. Speed is frames per second of the whole call, decode included (PySceneDetect with its
default backend and default downscaling): ``fps`` by the wall clock, and ``cpu_fps`` by the CPU
time the process used (all threads), which a machine shared with other work disturbs far less.

Goals (issue 18): our F1 >= the best PySceneDetect detector's on every category, and >= 2x the
speed of its fastest detector. Run: ``python benchmarks/analysis.py [--only 360p] [--scale 1]``;
``--baseline DIR`` times an older ``timeline_lab/analysis`` folder too (``git archive <commit>
timeline_lab/analysis | tar -x -C /tmp/base``), so before/after figures come from one run.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from timeline_lab.analysis import shot_boundaries
from timeline_lab.analysis.synth import make_shot_video

Plan = list[tuple[str, int]]
Spans = list[tuple[int, int]]
SIZES = {"1080p": (1920, 1080), "360p": (640, 360)}


def _alternate(shots: Sequence[tuple[str, int]], transitions: Sequence[tuple[str, int]]) -> Plan:
    plan: Plan = [shots[0]]
    for t, s in zip(transitions, shots[1:], strict=True):
        plan += [t, s]
    return plan


def plans(scale: float) -> dict[str, Plan]:
    """One plan per category; ``scale`` stretches every shot (more frames, the same transitions)."""
    rng = np.random.default_rng(18)

    def n(lo: int, hi: int) -> int:
        return max(12, int(int(rng.integers(lo, hi)) * scale))

    cuts = _alternate([("film", n(20, 50)) for _ in range(11)], [("cut", 0)] * 10)
    dissolves = _alternate(
        [("film", n(30, 50)) for _ in range(7)], [("dissolve", int(k)) for k in (10, 14, 18, 22, 26, 30)]
    )
    fades = _alternate([("film", n(30, 50)) for _ in range(5)], [("fade", int(k)) for k in (8, 12, 16, 20)])
    distract = _alternate([("fast" if i % 2 else "flash", n(40, 70)) for i in range(8)], [("cut", 0)] * 7)
    screen = _alternate([("screen", n(30, 60)) for _ in range(9)], [("cut", 0)] * 8)
    return {"cuts": cuts, "dissolves": dissolves, "fades": fades, "distractors": distract, "screen": screen}


def video(cache: Path, name: str, plan: Plan, size: str) -> tuple[Path, Spans]:
    """The category's video at ``size`` (built once, cached by plan) and its transition spans."""
    w, h = SIZES[size]
    key = hashlib.sha1(repr(plan).encode()).hexdigest()[:8]
    path, truth_path = cache / f"{name}-{size}-{key}.mp4", cache / f"{name}-{size}-{key}.parquet"
    if not truth_path.exists():
        make_shot_video(path, plan, width=w, height=h, seed=7).write_parquet(truth_path)
    truth = pl.read_parquet(truth_path)
    return path, [(a, max(a, b - 1)) for a, b in truth.select("start_frame", "end_frame").iter_rows()]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    fps: float
    cpu_fps: float


def score(truth: Spans, found: Spans, frames: int, seconds: float, cpu: float) -> Score:
    """The one rule above, for every tool: detections ``[first, last]`` against truth spans +-1."""

    def hits(t: tuple[int, int], d: tuple[int, int]) -> bool:
        return d[0] <= t[1] + 1 and t[0] - 1 <= d[1]

    matched = sum(any(hits(t, d) for d in found) for t in truth)
    false = sum(not any(hits(t, d) for t in truth) for d in found)
    p = matched / (matched + false) if matched + false else 1.0
    r = matched / len(truth) if truth else 1.0
    return Score(p, r, 2 * p * r / (p + r) if p + r else 0.0, frames / seconds, frames / cpu)


def ours(path: Path) -> Spans:
    table = shot_boundaries(path)
    return [(a, max(a, b - 1)) for a, b in table.select("start_frame", "end_frame").iter_rows()]


def pyscenedetect(kind: str) -> Callable[[Path], Spans]:
    def run(path: Path) -> Spans:
        from scenedetect import (  # type: ignore[import-untyped]
            AdaptiveDetector,
            ContentDetector,
            SceneManager,
            open_video,
        )

        manager = SceneManager()
        manager.add_detector(ContentDetector() if kind == "content" else AdaptiveDetector())
        manager.detect_scenes(open_video(str(path)))
        cuts = [start.frame_num for start, _ in manager.get_scene_list()[1:]]
        return [(c, c) for c in cuts]

    return run


TOOLS: dict[str, Callable[[Path], Spans]] = {
    "ours": ours,
    "PySD content": pyscenedetect("content"),
    "PySD adaptive": pyscenedetect("adaptive"),
}


def baseline(folder: Path) -> Callable[[Path], Spans]:
    """``shot_boundaries`` of another checkout's ``timeline_lab/analysis`` folder (a ``git worktree``
    of an older commit), loaded beside ours as ``timeline_lab.analysis_baseline``: before/after
    figures from one run, under the same load."""
    name = "timeline_lab.analysis_baseline"
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"--baseline: no package in {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)

    def run(path: Path) -> Spans:
        table = module.shot_boundaries(path)
        return [(a, max(a, b - 1)) for a, b in table.select("start_frame", "end_frame").iter_rows()]

    return run


def frame_count(truth_plan: Plan) -> int:
    count = 0
    for i, (kind, k) in enumerate(truth_plan):
        count += k if i % 2 == 0 or kind == "dissolve" else 2 * k + max(1, k // 4) if kind == "fade" else 0
    return count


def timed(path: Path, runs: int) -> dict[str, tuple[float, float, Spans]]:
    """Each tool's fastest of ``runs`` calls (wall and CPU seconds, each its own best) and its
    result; the tools take turns in every round, so a busy moment on a shared machine does not
    fall on one tool's runs only."""
    best: dict[str, tuple[float, float, Spans]] = {}
    for _ in range(max(1, runs)):
        for tool, fn in TOOLS.items():
            t, c = time.perf_counter(), time.process_time()
            found = fn(path)
            seconds, cpu = time.perf_counter() - t, time.process_time() - c
            if tool in best:
                seconds, cpu = min(seconds, best[tool][0]), min(cpu, best[tool][1])
            best[tool] = (seconds, cpu, found)
    return best


def bench(cache: Path, size: str, scale: float, runs: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name, plan in plans(scale).items():
        path, truth = video(cache, name, plan, size)
        frames = frame_count(plan)
        for tool, (seconds, cpu, found) in timed(path, runs).items():
            s = score(truth, found, frames, seconds, cpu)
            rows.append(
                {"size": size, "category": name, "tool": tool, "transitions": len(truth)}
                | {"P": s.precision, "R": s.recall, "F1": s.f1, "fps": s.fps, "cpu_fps": s.cpu_fps}
            )
    return rows


def verdict(table: pl.DataFrame) -> list[str]:
    """The issue's goals, per size and category: F1 against PySD's best, speed against its fastest."""
    lines = []
    for (size, name), group in table.group_by(["size", "category"], maintain_order=True):
        mine = group.filter(pl.col("tool") == "ours").row(0, named=True)
        theirs = group.filter(pl.col("tool").str.starts_with("PySD"))
        best_f1, best_fps = float(theirs["F1"].max()), float(theirs["fps"].max())  # type: ignore[arg-type]
        best_cpu = float(theirs["cpu_fps"].max())  # type: ignore[arg-type]
        f1_ok, speed, cpu = mine["F1"] >= best_f1 - 1e-9, mine["fps"] / best_fps, mine["cpu_fps"] / best_cpu
        lines.append(
            f"{size:>5} {name:<11} F1 {mine['F1']:.3f} vs {best_f1:.3f} {'ok ' if f1_ok else 'GAP'}"
            f"  speed {speed:4.1f}x {'ok ' if speed >= 2 else 'GAP'}"
            f"  cpu {cpu:4.1f}x {'ok' if cpu >= 2 else 'GAP'}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SIZES), help="one size (default: both)")
    parser.add_argument("--scale", type=float, default=1.0, help="stretch every shot by this")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool (the best counts)")
    parser.add_argument("--baseline", type=Path, help="an older timeline_lab/analysis folder to time too")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tl-bench-analysis")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.baseline:
        TOOLS["before"] = baseline(args.baseline.resolve())
    rows = []
    for size in [args.only] if args.only else list(SIZES):
        rows += bench(args.cache, size, args.scale, args.runs)
    table = pl.DataFrame(rows).with_columns(
        pl.col("P", "R", "F1").round(3), pl.col("fps", "cpu_fps").round(0)
    )
    with pl.Config(tbl_rows=100, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(table)
    print("goals: F1 >= PySceneDetect's best, speed >= 2x its fastest (wall clock; CPU time beside)")
    print("\n".join(verdict(table)))


if __name__ == "__main__":
    main()
