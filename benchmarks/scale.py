"""Scale benchmark: one timeline rendered single-process, segment-parallel on a Dask LocalCluster
(2 worker processes), and by the ffmpeg CLI on the same graph.

Prints the wall times, CPU use, each segment's cost, the join (stream copy, one sound encode) and the
scheduling overhead, and from those measured costs a projection of the speed-up on 4, 16 and 64
workers (a projection, labelled as such: this machine has 2 cores). The timeline is the render
benchmark's (6 clips, 2 crossfades, a title, a second audio track); ``--seconds 50`` makes it
5 minutes long. Media is synthetic; nothing is downloaded.
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
    join = cluster_render.join_segments

    def timed_join(*a: Any, **k: Any) -> None:
        t = time.perf_counter()
        join(*a, **k)
        joins.append(time.perf_counter() - t)

    cluster_render.join_segments = timed_join  # type: ignore[assignment]
    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")  # fmt: skip
    client = distributed.Client(cluster)
    startup = time.perf_counter() - t0
    try:
        t1 = time.perf_counter()
        with distributed.get_task_stream(client) as stream:
            cluster_render.render_on_cluster(
                project, ExportSettings(path=out, **EXPORT), client, segments=segments
            )
        wall = time.perf_counter() - t1
        costs: dict[str, list[float]] = {"segment": []}
        for task in stream.data:
            span = sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
            costs["segment"].append(span)
    finally:
        client.close()
        cluster.close()
        cluster_render.join_segments = join  # type: ignore[assignment]
    return {"wall": wall, "startup": startup, "join": sum(joins), **costs}


def projection(single: float, run: dict[str, Any], workers: int) -> list[tuple[int, float, float]]:
    """(workers, projected seconds, efficiency) from the measured costs: the segments' work (picture
    and sound) spread evenly (4 segments a worker, as by default), then the join (copy + the one
    sound encode) and the scheduling overhead as measured here."""
    seg = sum(run["segment"])
    overhead = max(0.0, run["wall"] - run["join"] - seg / workers)
    rows = []
    for n in (workers, 4, 16, 64):
        t = seg / n + run["join"] + overhead
        rows.append((n, t, single / (n * t)))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=3, help="length of each of the 6 clips (50: 5 minutes)")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--segments", type=int, default=0, help="segments (0: 4 per worker)")
    args = ap.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="tl-scale-"))
    print(f"making media in {work} ...", flush=True)
    studio, project, _, _ = build(work, args.seconds, size)  # type: ignore[arg-type]
    frames = project.duration().to_frames(RATE)  # type: ignore[attr-defined]
    segments = args.segments or 4 * args.workers
    encode = ["--encoder", "libx264", "--crf", "18", "--preset", "veryfast"]
    cmd = [sys.executable, "-m", "timeline_lab", "render", str(work / "bench.tlproj"), "-o",
           str(work / "one.mp4"), "-q", *encode]  # fmt: skip
    c0 = cpu_seconds()
    single, _ = timed(cmd)
    single_cpu = cpu_seconds() - c0
    ffmpeg = shutil.which("ffmpeg")
    anchor = timed(studio.plan(project, work / "ff.mp4", **EXPORT).to_ffmpeg_args())[0] if ffmpeg else None  # type: ignore[arg-type]
    run = parallel(project, work / "par.mp4", args.workers, segments)
    print(f"\n{frames} frames {args.size} @30 ({frames / 30:.0f} s), libx264 crf 18 veryfast + AAC, "
          f"{os.cpu_count()} cores")  # fmt: skip
    busy = single_cpu / single
    print(f"single process   {single:8.2f} s  ({frames / single:6.1f} fps, {busy:4.2f} cores busy)")
    if anchor:
        print(f"ffmpeg CLI       {anchor:8.2f} s  ({frames / anchor:6.1f} fps)")
    print(f"{args.workers} workers        {run['wall']:8.2f} s  ({frames / run['wall']:6.1f} fps) "
          f"speed-up {single / run['wall']:.2f}x (start-up {run['startup']:.1f} s, not counted)")  # fmt: skip
    seg = run["segment"]
    share = 100 * run["join"] / run["wall"]
    print(f"  {len(seg)} segments: {min(seg):.2f}..{max(seg):.2f} s each, {sum(seg):.2f} s in all; "
          f"join (copy + sound encode) {run['join']:.3f} s ({share:.1f} % of the render)")  # fmt: skip
    print("\nprojection from these measured costs (not a measurement):")
    print(f"{'workers':>8} {'seconds':>9} {'efficiency':>11}")
    for n, t, eff in projection(single, run, args.workers):
        print(f"{n:8d} {t:9.2f} {100 * eff:10.0f} %")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
