"""Preview benchmark: exact frame at a time, and a filmstrip, in-process vs the ffmpeg CLI with -ss.

1. Frame at time on a 1080p H.264 clip (synthetic, 30 fps): median latency of ``frame_at`` for
   random times and for sequential scrubbing (one frame forward at a time), full-size RGB out,
   beside ``ffmpeg -ss T -i clip -frames:v 1`` per frame (accurate input seeking), with how many
   of the returned frames were the right one (read from the index painted into each frame).
   Run on the synthetic clip's 0.5 s GOP and on a 2 s GOP re-encode of it.
2. A 20-thumbnail filmstrip (72 px high) of a 10-minute 320x180 clip: cold (nothing cached),
   warm (memory) and after a kernel restart (disk), beside 20 ``ffmpeg -ss`` runs.

Targets: frame at time < 50 ms median; filmstrip < 1 s. Media is synthetic; nothing is downloaded.
Usage: python benchmarks/previews.py [--frames 240] [--minutes 10] [--samples 40] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

RATE = Fraction(30)


def median_ms(fn: Callable[[int], object], items: list[int]) -> float:
    times = []
    for x in items:
        t0 = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def ffmpeg_frame(path: Path, k: int, rate: Fraction, size: tuple[int, int]) -> np.ndarray:
    """One frame through the CLI: accurate input seek to frame k's time, raw RGB on stdout."""
    t = Fraction(k) / rate
    cmd = ["ffmpeg", "-v", "error", "-ss", f"{float(t):.6f}", "-i", str(path), "-frames:v", "1"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout
    w, h = size
    return np.frombuffer(out[: w * h * 3], np.uint8).reshape(h, w, 3)


def bench_frames(path: Path, label: str, samples: int, frames: int, have_ffmpeg: bool) -> None:
    from timeline_lab.media._decoder import close_readers, frame_at
    from timeline_lab.media.synth import read_frame_index

    rng = random.Random(7)
    randoms = [rng.randrange(frames) for _ in range(samples)]
    start = rng.randrange(frames - samples)
    sequential = list(range(start, start + samples))
    ok = {"ours": 0, "ffmpeg": 0}

    def ours(k: int) -> None:
        ok["ours"] += read_frame_index(frame_at(path, k))[0] == k

    close_readers()
    frame_at(path, 0)  # open + probe once, as a kernel that already shows this clip would have
    r_ours = median_ms(lambda k: frame_at(path, k), randoms)
    frame_at(path, sequential[0])
    s_ours = median_ms(lambda k: frame_at(path, k), sequential)
    for k in randoms:
        ours(k)
    row = f"{label:<28} {r_ours:9.1f} {s_ours:11.1f}"
    if have_ffmpeg:
        size = (1920, 1080)
        r_ff = median_ms(lambda k: ffmpeg_frame(path, k, RATE, size), randoms[: max(10, samples // 2)])
        s_ff = median_ms(lambda k: ffmpeg_frame(path, k, RATE, size), sequential[: max(10, samples // 2)])
        for k in randoms:
            ok["ffmpeg"] += read_frame_index(ffmpeg_frame(path, k, RATE, size))[0] == k
        row += f" {r_ff:10.1f} {s_ff:12.1f}   {r_ff / r_ours:5.1f}x {s_ff / s_ours:6.1f}x"
        row += f"   {ok['ours']}/{samples} vs {ok['ffmpeg']}/{samples}"
    else:
        row += f"   (exact {ok['ours']}/{samples})"
    print(row, flush=True)


def bench_filmstrip(path: Path, cache: Path, have_ffmpeg: bool) -> None:
    from timeline_lab.media import previews
    from timeline_lab.media.probe import probe
    from timeline_lab.media.synth import read_frame_index

    shutil.rmtree(cache, ignore_errors=True)
    t0 = time.perf_counter()
    strip = previews.filmstrip(path, 20, 72)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    previews.filmstrip(path, 20, 72)
    warm = time.perf_counter() - t0
    previews._memory.clear()
    t0 = time.perf_counter()
    previews.filmstrip(path, 20, 72)
    disk = time.perf_counter() - t0
    right = sum(
        read_frame_index(np.asarray(strip.sprite.crop((t.x, t.y, t.x + t.w, t.y + t.h))))[0] == t.frame
        for t in strip.tiles
    )
    print(f"{'timeline_lab filmstrip':<28} cold {cold * 1000:7.0f} ms   memory {warm * 1000:6.2f} ms   "
          f"disk {disk * 1000:6.1f} ms   tiles right {right}/20")  # fmt: skip
    if not have_ffmpeg:
        return
    info = probe(path)
    v = info.primary_video
    assert v is not None and v.duration is not None
    dur = v.duration.to_seconds()
    t0 = time.perf_counter()
    for i in range(20):
        t = dur * i / 20
        cmd = ["ffmpeg", "-v", "error", "-ss", f"{float(t):.6f}", "-i", str(path), "-frames:v", "1"]
        cmd += ["-vf", "scale=128:72", "-f", "image2", "-c:v", "png", "-"]
        subprocess.run(cmd, capture_output=True, check=True)
    ff = time.perf_counter() - t0
    print(f"{'ffmpeg CLI, 20 x -ss':<28} cold {ff * 1000:7.0f} ms   ratio {ff / cold:.1f}x in our favour")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=240, help="frames of the 1080p clip (30 fps)")
    ap.add_argument("--minutes", type=int, default=10, help="length of the filmstrip clip")
    ap.add_argument("--samples", type=int, default=40, help="frames timed per mode")
    ap.add_argument("--work", type=Path, help="keep generated media here (reused when present)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tl-bench-previews-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["TIMELINE_LAB_CACHE"] = str(work / "cache")  # never the user's cache
    from timeline_lab.media.proxy import make_proxy
    from timeline_lab.media.synth import make_clip

    have_ffmpeg = shutil.which("ffmpeg") is not None
    if not have_ffmpeg:
        print("ffmpeg CLI not found (Debian: apt install ffmpeg): printing timeline_lab numbers only")
    hd = work / f"hd_{args.frames}.mp4"
    hd_long = work / f"hd_{args.frames}_gop60.mp4"
    strip_src = work / f"strip_{args.minutes}min.mp4"
    t0 = time.perf_counter()
    if not hd.exists():
        make_clip(hd, width=1920, height=1080, rate=RATE, frames=args.frames, audio=False, tag=1)
    if not hd_long.exists():
        make_proxy(hd, hd_long, height=1080, gop=60, crf=18)
    if not strip_src.exists():
        n = args.minutes * 60 * 25
        make_clip(strip_src, width=320, height=180, rate=25, frames=n, audio=False, tag=2)
    print(f"media ready in {time.perf_counter() - t0:.0f}s ({work})\n")
    print(f"frame at time, median ms    {'ours:random':>9} {'sequential':>11} {'ffmpeg:rand':>10} "
          f"{'ffmpeg:seq':>12}   {'speedup':>13}   right frames (ours vs CLI)")  # fmt: skip
    bench_frames(hd, "1080p30 H.264, GOP 15", args.samples, args.frames, have_ffmpeg)
    bench_frames(hd_long, "1080p30 H.264, GOP 60", args.samples, args.frames, have_ffmpeg)
    print(f"\nfilmstrip: 20 tiles, 72 px high, of a {args.minutes}-minute 320x180 25 fps clip")
    bench_filmstrip(strip_src, work / "cache", have_ffmpeg)
    print("\ntargets: frame at time < 50 ms median; filmstrip < 1000 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
