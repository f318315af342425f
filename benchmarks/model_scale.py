"""Project model at feature-film scale (issue 14): edits, undo/redo, plan, save and load.

For single-track projects of 1,000 / 10,000 / 50,000 clips (and 10 tracks x 5,000), each size in a
fresh process (so its peak RSS is its own): build by append, then ``--repeat`` times each of append,
insert in the middle with ripple, trim (and trim with ripple), move, split, ripple delete, each
followed by its undo and redo; ``compile_plan`` (skipped above ``--plan-max`` clips); save and load of
a ``.tlproj``, and an OpenTimelineIO export and import (``otio ...``, up to 20,000 clips); then a
1,000-step history of mixed edits, and the resident size with it (current RSS after the fill, beside
the interpreter-and-media baseline and the process peak, which also counts planning and saving). Last,
a dissolve on every fourth cut of the edited track (``add_transition``) and append, insert with ripple,
split and ripple delete again (``... dissolves``: each edit once looked at every transition of its
track). Prints median and p99 per operation, and the growth ratios between sizes.

Goals at 10,000 clips: every single edit and its undo < 5 ms median, < 20 ms p99; save and load
< 0.5 s; peak RSS with a 1,000-step history < 300 MiB; 10k -> 50k edit time < 2x.
Usage: python benchmarks/model_scale.py [--sizes 1000 10000 50000] [--repeat 40] [--no-tracks]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
    io,
)

RATE = Fraction(25)
MEDIA_FRAMES = 300
EDITS = ("append", "insert_ripple", "trim", "trim_ripple", "move", "split", "ripple_delete")
DISSOLVE_EDITS = ("append", "insert_ripple", "split", "ripple_delete")


def clip(media: MediaReference, n: int, frames: int = 24) -> Clip:
    src = TimeRange.from_frames(20 + n % (MEDIA_FRAMES - 60), frames, 25)
    return Clip(id=f"clip_{n:07d}", media=media, source_range=src)


def make_media(folder: Path) -> MediaReference:
    """A real 12 s file (compile_plan probes what it renders)."""
    from timeline_lab.media.reference import reference_for
    from timeline_lab.media.synth import make_clip

    return reference_for(make_clip(folder / "a.mp4", width=160, height=90, rate=25, frames=MEDIA_FRAMES))


def build(media: MediaReference, tracks: int, clips: int) -> tuple[Project, list[float]]:
    project = Project(name="bench", settings=ProjectSettings(frame_rate=RATE))
    times: list[float] = []
    for t in range(tracks):
        track = project.add_track(track=Track(id=f"trk_{t}"))
        for n in range(clips):
            c = clip(media, t * clips + n)
            start = time.perf_counter()
            track.append(c)
            times.append(time.perf_counter() - start)
    project.history.clear()
    return project, times


class Session:
    """Random edits on the middle track; each op is timed, then its undo, then its redo."""

    def __init__(self, project: Project, seed: int = 7) -> None:
        self.project = project
        self.media = project.tracks[0].items[0].media  # type: ignore[union-attr]
        self.track = project.tracks[len(project.tracks) // 2]
        self.rng = random.Random(seed)
        self.n = seed * 10**6

    def new_clip(self) -> Clip:
        self.n += 1
        return clip(self.media, self.n, 12)

    def pick(self) -> Any:
        items = self.track.items
        return items[len(items) // 4 + self.rng.randrange(len(items) // 2)]

    def edit(self, kind: str) -> Callable[[], object]:
        t, rate = self.track, RATE
        item = self.pick()
        start = item.start.to_frames(rate)
        if kind == "append":
            c = self.new_clip()
            return lambda: t.append(c)
        if kind == "insert_ripple":
            c = self.new_clip()
            return lambda: t.insert(c, start + 5)  # splits the clip there, ripples the rest
        if kind == "trim":
            return lambda: t.trim_out(item.id, -1)
        if kind == "trim_ripple":
            return lambda: t.trim_out(item.id, -1, ripple=True)
        if kind == "move":
            return lambda: t.move(item.id, t.items_end() + 10)
        if kind == "split":
            return lambda: t.split(start + item.frames(rate) // 2)
        if kind == "ripple_delete":
            return lambda: t.ripple_delete(item.id)
        raise ValueError(kind)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def stats(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return {"median_ms": statistics.median(ms), "p99_ms": p99, "n": len(ms)}


def measure_edits(
    project: Project, repeat: int, kinds: tuple[str, ...] = EDITS, suffix: str = ""
) -> dict[str, dict[str, float]]:
    session = Session(project)
    out: dict[str, dict[str, float]] = {}
    for kind in kinds:
        do: list[float] = []
        undo: list[float] = []
        redo: list[float] = []
        for _ in range(10 * repeat):
            if len(do) == repeat:
                break
            edit = session.edit(kind)
            try:
                do.append(timed(edit))
            except ProjectError:  # at a dissolve (inserts there are refused): pick another place
                continue
            undo.append(timed(project.undo))
            redo.append(timed(project.redo))
        out[f"{kind}{suffix}"] = stats(do)
        out[f"{kind}{suffix} undo"] = stats(undo)
        out[f"{kind}{suffix} redo"] = stats(redo)
    return out


def add_dissolves(project: Project) -> list[float]:
    """A 6-frame dissolve on every fourth cut of the edited track (where its clips still meet)."""
    track = Session(project).track
    items, times = list(track.items), list[float]()
    for a, b in zip(items[3::4], items[4::4], strict=False):
        if a.start.to_frames(RATE) + a.frames(RATE) != b.start.to_frames(RATE):
            continue
        dissolve = Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime.from_frames(6, 25))
        start = time.perf_counter()
        try:
            track.add_transition(dissolve)
        except ProjectError:  # a clip the edits before trimmed too short for it
            continue
        times.append(time.perf_counter() - start)
    project.history.clear()
    return times


OTIO_MAX = 20_000
"""Projects of more clips skip the OpenTimelineIO export and import (tens of seconds each)."""


def measure_io(project: Project, plan_max: int, built: int) -> dict[str, dict[str, float]]:
    """Plan (for projects built with at most ``plan_max`` clips: the edits before add a few), save, load.

    Each also as process CPU time (``... cpu``): wall time is noisy on a shared machine.
    """
    out: dict[str, dict[str, float]] = {}

    def both(name: str, fn: Callable[[], object], repeat: int) -> None:
        wall, cpu = [], []
        for _ in range(repeat):
            c0 = time.process_time()
            wall.append(timed(fn))
            cpu.append(time.process_time() - c0)
        out[name], out[f"{name} cpu"] = stats(wall), stats(cpu)

    if built <= plan_max:
        from timeline_lab.render import ExportSettings, compile_plan

        with tempfile.TemporaryDirectory() as tmp:
            both("plan", lambda: compile_plan(project, ExportSettings(Path(tmp) / "o.mp4")), 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.tlproj"
        both("save", lambda: io.save(project, path), 3)
        both("load", lambda: io.load(path), 3)
    if built <= OTIO_MAX:  # OpenTimelineIO out and back in, once each (about 1 ms a clip each way)
        from timeline_lab.interchange.otio import read_otio, write_otio

        with tempfile.TemporaryDirectory() as tmp:
            otio_path = Path(tmp) / "bench.otio"
            both("otio export", lambda: write_otio(project, otio_path), 1)
            both("otio import", lambda: read_otio(otio_path), 1)
    return out


def history_rss(project: Project, steps: int) -> dict[str, float]:
    """Fill a ``steps``-operation history with mixed edits; the process peak RSS after it."""
    session = Session(project, seed=11)
    kinds = ["append", "insert_ripple", "trim", "move", "split"]
    start = time.perf_counter()
    for n in range(steps):
        try:
            session.edit(kinds[n % len(kinds)])()
        except ProjectError:  # an edit the random pick made impossible (a clip trimmed too short)
            continue
    return {
        "history_steps": len(project.history),
        "history_est_MiB": project.history.nbytes / 2**20,
        "history_fill_s": time.perf_counter() - start,
    }


def rss_now() -> float:
    """Resident set size now, MiB (the peak, ``ru_maxrss``, also counts what planning and saving used)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one(tracks: int, clips: int, repeat: int, plan_max: int, steps: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return _one(make_media(Path(tmp)), tracks, clips, repeat, plan_max, steps)


def _one(
    media: MediaReference, tracks: int, clips: int, repeat: int, plan_max: int, steps: int
) -> dict[str, Any]:
    base = rss_now()  # interpreter, libraries and the test media, before any project exists
    project, appends = build(media, tracks, clips)
    result: dict[str, Any] = {"tracks": tracks, "clips": clips, "ops": {"build append": stats(appends)}}
    result["ops"].update(measure_edits(project, repeat))
    result["ops"].update(measure_io(project, plan_max, tracks * clips))
    gc.collect()
    before = rss_now()
    result.update(history_rss(project, steps))
    gc.collect()
    result["base_rss_MiB"] = base
    result["rss_before_history_MiB"] = before
    # the model with its full history, resident (plan and save/load garbage collected before)
    result["model_history_rss_MiB"] = rss_now()
    result["ops"]["add_transition"] = stats(add_dissolves(project))
    result["ops"].update(measure_edits(project, repeat, DISSOLVE_EDITS, " dissolves"))
    result["peak_rss_MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(tracks: int, clips: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(tracks), str(clips), "--repeat", str(args.repeat)]
    cmd += ["--plan-max", str(args.plan_max), "--history", str(args.history)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(results: list[dict[str, Any]]) -> None:
    print(
        f"{'operation':30}" + "".join(f"{r['tracks']}x{r['clips']:>6} med/p99 ms".rjust(28) for r in results)
    )
    for op in results[0]["ops"]:
        cells = []
        for r in results:
            s = r["ops"].get(op)
            cells.append(
                "skipped".rjust(28) if s is None else f"{s['median_ms']:9.3f} / {s['p99_ms']:9.3f}".rjust(28)
            )
        print(f"{op:30}" + "".join(cells))
    keys = ("peak_rss_MiB", "base_rss_MiB", "rss_before_history_MiB", "model_history_rss_MiB")
    for key in (*keys, "history_steps", "history_est_MiB", "history_fill_s"):
        print(f"{key:30}" + "".join(f"{r[key]:28.1f}" for r in results))
    singles = [r for r in results if r["tracks"] == 1]
    for a, b in itertools.pairwise(singles):
        times = b["clips"] / a["clips"]
        print(f"\ngrowth {a['clips']} -> {b['clips']} clips ({times:.0f}x), median time ratio:")
        for op in a["ops"]:
            if op in b["ops"] and a["ops"][op]["median_ms"] > 0:
                print(f"  {op:30} {b['ops'][op]['median_ms'] / a['ops'][op]['median_ms']:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--history", type=int, default=1000)
    parser.add_argument("--plan-max", type=int, default=10000, help="skip compile_plan above this many clips")
    parser.add_argument("--no-tracks", action="store_true", help="skip the 10 tracks x 5,000 case")
    parser.add_argument("--child", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(*args.child, args.repeat, args.plan_max, args.history)))
        return
    cases = [(1, n) for n in args.sizes] + ([] if args.no_tracks else [(10, 5000)])
    results = []
    for tracks, clips in cases:
        start = time.perf_counter()
        results.append(run_child(tracks, clips, args))
        print(f"[{tracks}x{clips}: {time.perf_counter() - start:.0f} s]", file=sys.stderr, flush=True)
    report(results)


if __name__ == "__main__":
    main()
