"""Scale benchmark: one timeline rendered single-process, segment-parallel on a Dask LocalCluster
(2 worker processes), and by the ffmpeg CLI on the same graph.

Prints the wall times, the single-process render's CPU use (does it already keep every core busy?),
each segment's cost (picture and its share of the AAC sound, on a worker), the join (stream copy
only) and the scheduling overhead, and from those measured costs an Amdahl-style projection of the
speed-up on 4, 16 and 64 workers (a projection, labelled as such: this machine has 2 cores). The
timeline is the render benchmark's (6 clips, 2 crossfades, a title, a second audio track; 17 s);
``--seconds 50`` makes it 5 minutes long, ``--quick`` small and short for trying the script out,
``--markdown`` prints the README's table. Media is synthetic; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from render import RATE, build, timed  # the render benchmark's timeline

from timeline_lab.cluster import render as cluster_render
from timeline_lab.render.plan import ExportSettings

EXPORT = {"video_codec": "libx264", "crf": 18, "preset": "veryfast"}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def parallel(project: Any, out: Path, workers: int, segments: int) -> dict[str, Any]:
    """Render on a fresh LocalCluster; the costs of segments, sound, join and scheduling."""
    import distributed

    joins: list[float] = []
    join_cpu: list[float] = []
    join = cluster_render.join_segments

    def timed_join(*a: Any, **k: Any) -> None:
        t, c = time.perf_counter(), time.process_time()
        join(*a, **k)
        joins.append(time.perf_counter() - t)
        join_cpu.append(time.process_time() - c)

    log = out.with_suffix(".cpu")
    segment = cluster_render.render_segment

    def cpu_timed(task: Any, _log: str = str(log)) -> str:
        """On a worker: the segment, and its CPU seconds (all threads: x264's too) in a log."""
        c = time.process_time()
        done = segment(task)
        with open(_log, "a") as f:  # noqa: PTH123 (runs on the worker)
            f.write(f"{time.process_time() - c}\n")
        return done

    cluster_render.join_segments = timed_join  # type: ignore[assignment]
    cluster_render.render_segment = cpu_timed  # type: ignore[assignment]
    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")  # fmt: skip
    client = distributed.Client(cluster)
    startup = time.perf_counter() - t0
    try:
        t1, c1, w1 = time.perf_counter(), time.process_time(), time.time()
        with distributed.get_task_stream(client) as stream:
            cluster_render.render_on_cluster(
                project, ExportSettings(path=out, **EXPORT), client, segments=segments
            )
        wall, driver, w2 = time.perf_counter() - t1, time.process_time() - c1, time.time()
        costs: dict[str, list[float]] = {"segment": []}
        spans = [s for task in stream.data for s in task["startstops"] if s["action"] == "compute"]
        for task in stream.data:
            span = sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
            costs["segment"].append(span)
        # serial wall time: before the first segment starts (compile, cuts, submit) and after the
        # last one ends (gather, join, rename)
        lead = min(s["start"] for s in spans) - w1
        tail = w2 - max(s["stop"] for s in spans)
    finally:
        client.close()
        cluster.close()
        cluster_render.join_segments = join  # type: ignore[assignment]
        cluster_render.render_segment = segment  # type: ignore[assignment]
    cpu = [float(x) for x in log.read_text().split()]
    # the driver's CPU (compile, cuts, submit, the in-process scheduler, progress) less the join's
    driver -= sum(join_cpu)
    return {"wall": wall, "startup": startup, "join": sum(joins), "cpu": cpu, "driver": driver, "lead": lead,
            "tail": tail, **costs}  # fmt: skip


def projection(
    run: dict[str, Any], workers: int, per_segment: float, most: int
) -> list[tuple[int, float, float, float]]:
    """(workers, projected seconds, speed-up over one worker, efficiency) from the measured costs.

    Amdahl, with each worker on a core of its own: the segments' work W (CPU seconds of picture
    and sound on the workers, which load from other processes does not inflate) divides over n
    workers; each segment more costs ``per_segment`` CPU seconds (its start-up, the GOP read
    before its first frame, its sound's pre-roll); the serial part stays: the wall time before the
    first segment starts (compile, cuts, submit) and after the last one ends (gather, the join by
    stream copy, rename). The driver's own CPU while segments run (the scheduler, progress)
    overlaps them, on a core of its own. With s(n) = 2n segments, as ``render_on_cluster``
    makes them (at most ``most``): T(n) = (W + per_segment (s(n) - s)) / n + serial.
    """
    work, count = sum(run["cpu"]), len(run["cpu"])
    serial = run["lead"] + run["tail"]

    def t(n: int) -> float:
        return (work + per_segment * (min(2 * n, most) - count)) / n + serial

    return [(n, t(n), t(1) / t(n), t(1) / t(n) / n) for n in (1, workers, 4, 16, 64)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=4, help="length of each of the 6 clips (50: 5 minutes)")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--quick", action="store_true", help="640x360, 2 s clips: to try the script out")
    ap.add_argument("--markdown", action="store_true", help="also print the README's table")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--segments", type=int, default=0, help="segments (0: 2 per worker, as by default)")
    ap.add_argument("--keep", type=Path, default=None, help="make the media in this folder and keep it")
    ap.add_argument("--per-segment", type=float, default=None, metavar="CPU_SECONDS",
                    help="what one segment more costs (default: measured, twice the segments)")  # fmt: skip
    args = ap.parse_args()
    if args.quick:
        args.size, args.seconds = "640x360", 2
    size = tuple(int(x) for x in args.size.split("x"))
    work = args.keep or Path(tempfile.mkdtemp(prefix="tl-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"making media in {work} ...", flush=True)
    studio, project, _, _ = build(work, args.seconds, size)  # type: ignore[arg-type]
    frames = project.duration().to_frames(RATE)  # type: ignore[attr-defined]
    segments = args.segments or 2 * args.workers
    encode = ["--encoder", "libx264", "--crf", "18", "--preset", "veryfast"]
    cmd = [sys.executable, "-m", "timeline_lab", "render", str(work / "bench.tlproj"), "-o",
           str(work / "one.mp4"), "-q", *encode]  # fmt: skip
    c0 = cpu_seconds()
    single, _ = timed(cmd)
    single_cpu = cpu_seconds() - c0
    ffmpeg = shutil.which("ffmpeg")
    anchor = timed(studio.plan(project, work / "ff.mp4", **EXPORT).to_ffmpeg_args())[0] if ffmpeg else None  # type: ignore[arg-type]
    run = parallel(project, work / "par.mp4", args.workers, segments)
    per_segment = args.per_segment
    if per_segment is None:
        more = parallel(project, work / "par2.mp4", args.workers, 2 * segments)
        extra = len(more["cpu"]) - len(run["cpu"])
        per_segment = max(0.0, (sum(more["cpu"]) - sum(run["cpu"])) / extra) if extra else 0.0
    cores = os.cpu_count() or 1
    print(f"\n{frames} frames {args.size} @30 ({frames / 30:.0f} s), libx264 crf 18 veryfast + AAC, "
          f"{cores} cores, load average {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    busy = single_cpu / single
    print(f"single process   {single:8.2f} s  ({frames / single:6.1f} fps, {busy:.2f} of {cores} cores busy)")
    if anchor:
        print(f"ffmpeg CLI       {anchor:8.2f} s  ({frames / anchor:6.1f} fps)")
    print(f"{args.workers} workers        {run['wall']:8.2f} s  ({frames / run['wall']:6.1f} fps) "
          f"speed-up {single / run['wall']:.2f}x (start-up {run['startup']:.1f} s, not counted)")  # fmt: skip
    seg, cpu = run["segment"], run["cpu"]
    share = 100 * run["join"] / run["wall"]
    overhead = max(0.0, run["wall"] - run["join"] - sum(seg) / args.workers)
    print(f"  {len(seg)} segments: {min(seg):.2f}..{max(seg):.2f} s each ({sum(cpu):.2f} CPU s in all, "
          f"single process {single_cpu:.2f} CPU s)")  # fmt: skip
    print(f"  join (stream copy) {run['join']:.3f} s ({share:.1f} % of the render); serial: "
          f"{run['lead']:.2f} s before the first segment, {run['tail']:.2f} s after the last")  # fmt: skip
    print(f"  scheduling overhead {run['driver']:.2f} CPU s in the driver while segments run; "
          f"{overhead:.2f} s of wall time not in segments (imbalance included)")  # fmt: skip
    print(f"  one segment more costs {per_segment:.2f} CPU s")
    rows = projection(run, args.workers, per_segment, max(1, frames // 30))
    print("\nprojection from these measured costs (Amdahl, a core per worker; not a measurement):")
    print(f"{'workers':>8} {'seconds':>9} {'speed-up':>9} {'efficiency':>11}")
    for n, t, up, eff in rows:
        print(f"{n:8d} {t:9.2f} {up:8.2f}x {100 * eff:10.0f} %")
    if args.markdown:
        print("\n| workers | projected seconds | speed-up | efficiency |\n|---:|---:|---:|---:|")
        for n, t, up, eff in rows:
            print(f"| {n} | {t:.1f} | {up:.1f}x | {100 * eff:.0f} % |")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
