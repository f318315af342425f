"""Render benchmark: timeline_lab (PyAV in-process) vs the ffmpeg CLI vs MoviePy on the same edit.

Prints wall time, peak memory and the ratio to the ffmpeg CLI for each. The media is synthetic
(made here, nothing downloaded). Usage: python benchmarks/run.py [--seconds 20] [--size 1280x720]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd`` in a fresh process; wall seconds and that process's peak RSS in MiB."""
    wrapper = [
        sys.executable,
        "-c",
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024)",
        *cmd,
    ]
    out = subprocess.run(wrapper, check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=20, help="length of each source clip")
    ap.add_argument("--size", default="1280x720")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="tl-bench-"))
    rate = Fraction(30000, 1001)
    print(f"making media in {work} ({args.size}, {args.seconds}s x2) ...", flush=True)
    a = make_clip(work / "a.mp4", width=w, height=h, rate=rate, frames=int(args.seconds * 30), tag=1)
    b = make_clip(work / "b.mp4", width=w, height=h, rate=25, frames=args.seconds * 25, tag=2)
    studio = Studio(workspace=work)
    project = studio.new_project("bench", width=w, height=h, frame_rate=rate)
    n_a, n_b = int(args.seconds * 30) - 20, args.seconds * 25 - 20
    project.tracks[0].append(studio.clip(a, 13, n_a - 13))
    project.tracks[0].append(studio.clip(b, 5, n_b - 5))
    project.tracks[0].append(studio.clip(a, 0, n_a // 2))
    studio.save(project, work / "bench.tlproj")
    frames = project.duration().to_frames(rate)
    plan = studio.plan(project, work / "ffmpeg.mp4", video_codec="libx264")

    rows: list[tuple[str, float, float]] = []
    t, mem = _timed(
        [
            sys.executable,
            "-m",
            "timeline_lab",
            "render",
            str(work / "bench.tlproj"),
            "-o",
            str(work / "ours.mp4"),
            "-q",
            "--encoder",
            "libx264",
        ]
    )
    rows.append(("timeline_lab (PyAV, in-process)", t, mem))
    if shutil.which("ffmpeg"):
        rows.append(("ffmpeg CLI (same graph)", *_timed(plan.to_ffmpeg_args())))
    else:
        print("ffmpeg CLI not found: skipping that anchor (apt-get install ffmpeg)")
    try:
        import moviepy  # noqa: F401

        script = work / "mp.py"
        script.write_text(
            "from moviepy import VideoFileClip, concatenate_videoclips\n"
            f"a = VideoFileClip({str(a)!r}); b = VideoFileClip({str(b)!r})\n"
            f"clips = [a.subclipped(13/{float(rate)}, {n_a}/{float(rate)}), "
            f"b.subclipped(5/25, {n_b}/25).resized(({w},{h})), a.subclipped(0, {n_a // 2}/{float(rate)})]\n"
            f"concatenate_videoclips(clips).write_videofile({str(work / 'moviepy.mp4')!r}, "
            f"fps={float(rate)}, codec='libx264', preset='veryfast', "
            "ffmpeg_params=['-crf','18'], audio_codec='aac', logger=None)\n"
        )
        rows.append(("MoviePy 2 (numpy frames piped)", *_timed([sys.executable, str(script)])))
    except ImportError:
        print("MoviePy not installed: skipping that anchor (pip install '.[bench]')")

    base = next((t for name, t, _ in rows if name.startswith("ffmpeg")), rows[0][1])
    print(f"\n{frames} output frames at {args.size}, libx264 crf 18 veryfast + AAC")
    print(f"{'renderer':36} {'wall s':>8} {'fps':>8} {'peak MiB':>9} {'x ffmpeg':>9}")
    for name, t, mem in rows:
        print(f"{name:36} {t:8.2f} {frames / t:8.1f} {mem:9.0f} {t / base:9.2f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
