"""Render benchmark: one 1080p30 timeline through timeline_lab, the ffmpeg CLI and MoviePy 2.

The timeline: 6 clips with cuts, 2 crossfades, a title and a music bed. The same edit, codec
and settings (libx264 crf 18 veryfast, AAC 192k) run three ways, each in a fresh process; the
script prints wall time, CPU use (user+sys over wall: how busy the cores were), peak RSS and
the ratios (goals: >= 1.15x the ffmpeg CLI's throughput, >= 10x MoviePy's). ``--rounds`` alternates
ours and the CLI that many times and prints each round's ratio and the machine's load, since a
shared machine makes single runs noisy. Ours runs two ways: ``python -m timeline_lab render`` in
a new process (start-up included: ~0.3 s of imports before the first frame), and
``studio.render`` in this running process, as a notebook's kernel runs it (after one render).
``--hour`` also renders a 1-hour small-frame timeline and prints RSS along the way to show memory
stays flat. Media is synthetic; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from timeline_lab.media.synth import make_clip
from timeline_lab.model import RationalTime, TextClip, TextStyle, Transition
from timeline_lab.studio import Studio

RATE = Fraction(30)
PEAK = (
    "import resource,sys;print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,file=sys.stderr)"
)


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user+sys) and peak RSS (MiB) of ``cmd`` run in its own process."""
    wrapper = [sys.executable, "-c",
               "import subprocess,sys,time,resource;t=time.perf_counter();"
               "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True);"
               "dt=time.perf_counter()-t;u=resource.getrusage(resource.RUSAGE_CHILDREN);"
               "sys.exit(r.stderr[-3000:]) if r.returncode else "
               "print(dt, u.ru_utime+u.ru_stime, u.ru_maxrss/1024)", *cmd]  # fmt: skip
    out = subprocess.run(wrapper, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{cmd[0]} failed:\n{out.stderr}")
    wall, cpu, rss = out.stdout.split()
    return float(wall), float(cpu), float(rss)


def in_kernel(studio: Studio, project: object, out: Path, export: dict[str, object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``studio.render`` in this already-running process (a warm kernel)."""
    import resource

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    t, c = time.perf_counter(), cpu()
    studio.render(project, out, progress=False, overwrite=True, **export)  # type: ignore[arg-type]
    return time.perf_counter() - t, cpu() - c


def load() -> str:
    """The 1-minute load average and the core count: how shared the machine was."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def build(work: Path, seconds: int, size: tuple[int, int]) -> tuple[Studio, object, list[Path], Path]:
    w, h = size
    studio = Studio(workspace=work)
    clips = [make_clip(work / f"c{n}.mp4", width=w, height=h, rate=RATE, frames=seconds * 30, tag=n + 1,
                       tone_hz=300.0 + 110 * n) for n in range(6)]  # fmt: skip
    music = make_clip(work / "music.mp4", video=False, frames=6 * seconds * 30, rate=RATE, tone_hz=523.0)
    project = studio.new_project("bench", width=w, height=h, frame_rate=RATE)
    v1 = project.tracks[0]
    placed = [v1.append(studio.clip(c, 15, seconds * 30 - 30)) for c in clips]
    for a, b in ((placed[1], placed[2]), (placed[3], placed[4])):
        v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(15, RATE)))
    titles = project.add_track("video", "Titles")
    titles.insert(
        TextClip(
            text="timeline_lab benchmark",
            duration=RationalTime(60, RATE),
            y=0.85,
            style=TextStyle(font_size=h // 14, outline_width=3),
            fade_in_frames=10,
        ),
        30,
    )
    a1 = project.add_track("audio", "Music")
    bed = studio.media(music)  # an audio-only file counts in samples: the clip spans the whole edit
    a1.append(studio.clip(bed, 0, project.duration().to_frames(bed.rate)))
    a1.volume = 0.3
    studio.save(project, work / "bench.tlproj")
    return studio, project, clips, music


def moviepy_script(work: Path, project, clips: list[Path], music: Path, size: tuple[int, int]) -> Path:
    """The same edit in MoviePy 2: subclips, two crossfades, an image title, a music bed."""
    items = project.tracks[0].items
    cuts = [(str(Path(i.media.path)), float(i.source_range.start.to_seconds()),
             float(i.source_range.end_exclusive().to_seconds())) for i in items]  # fmt: skip
    title = project.tracks[1].items[0]
    from timeline_lab.render.compile.text import text_image

    png = text_image(title, size)
    script = work / "mp.py"
    script.write_text(f"""
from moviepy import (AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip, VideoFileClip,
                     concatenate_videoclips, vfx, afx)
cuts = {cuts!r}
srcs = [VideoFileClip(p).subclipped(a, b) for p, a, b in cuts]
d = 0.5
parts = [srcs[0], srcs[1].with_effects([vfx.CrossFadeOut(d)]), srcs[2].with_effects([vfx.CrossFadeIn(d)]),
         srcs[3].with_effects([vfx.CrossFadeOut(d)]), srcs[4].with_effects([vfx.CrossFadeIn(d)]), srcs[5]]
video = concatenate_videoclips(parts, method="compose", padding=0)
title = ImageClip({str(png)!r}).with_start(1).with_duration(2).with_effects([vfx.CrossFadeIn(10/30)])
comp = CompositeVideoClip([video, title])
music = AudioFileClip({str(music)!r}).subclipped(0, comp.duration).with_effects([afx.MultiplyVolume(0.3)])
comp = comp.with_audio(CompositeAudioClip([comp.audio, music]))
comp.write_videofile({str(work / "moviepy.mp4")!r}, fps=30, codec="libx264", preset="veryfast",
                     ffmpeg_params=["-crf", "18"], audio_codec="aac", audio_bitrate="192k", logger=None)
""")
    return script


def hour_rss(work: Path, minutes: int) -> None:
    """Render a long small-frame timeline in-process and sample RSS as it goes."""
    import resource

    from timeline_lab.core.events import RenderProgress

    total = minutes * 60 * 25
    half = total // 2  # the synthetic clip's frame index has 16 bits: use one half-length source twice
    print(f"\nmaking a {minutes / 2:g}-minute 96x64 clip for a {minutes}-minute timeline ...", flush=True)
    src = make_clip(work / "hour.mp4", width=96, height=64, rate=25, frames=total - half, tag=1)
    studio = Studio(workspace=work)
    project = studio.new_project("hour", width=96, height=64, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 0, total - half))
    project.tracks[0].append(studio.clip(src, 0, half))
    samples: list[tuple[float, float]] = []

    def on(ev: RenderProgress) -> None:
        if not samples or ev.fraction - samples[-1][0] >= 0.1:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            samples.append((ev.fraction, rss))

    t0 = time.perf_counter()
    with studio.bus.subscribe(RenderProgress, on):
        studio.render(project, "hour_out.mp4", progress=False, preset="ultrafast")
    print(f"{total} frames in {time.perf_counter() - t0:.1f}s; peak RSS (MiB) as the render progressed:")
    print("  " + "  ".join(f"{f:4.0%}:{r:6.0f}" for f, r in samples))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=4, help="length of each of the 6 source clips")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument(
        "--hour", type=int, default=0, metavar="MINUTES", help="also run the long-render RSS check"
    )
    ap.add_argument("--skip-moviepy", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of ours vs the ffmpeg CLI")
    args = ap.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="tl-bench-"))
    print(f"making media in {work} ...", flush=True)
    studio, project, clips, music = build(work, args.seconds, size)  # type: ignore[arg-type]
    frames = project.duration().to_frames(RATE)
    export = {"video_codec": "libx264", "crf": 18, "preset": "veryfast"}
    plan = studio.plan(project, work / "ffmpeg.mp4", **export)
    rows: list[tuple[str, float, float, float]] = []
    cmd = [
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
        "--crf",
        "18",
        "--preset",
        "veryfast",
    ]
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        print("no ffmpeg CLI found (apt-get install ffmpeg): skipping that anchor")
    ours_runs: list[tuple[float, float, float]] = []
    cli_runs: list[tuple[float, float, float]] = []
    ratios: list[float] = []
    warm_ratios: list[float] = []
    in_kernel(studio, project, work / "warm.mp4", export)  # a kernel that has rendered before
    for n in range(max(args.rounds, 1) if ffmpeg else 1):
        before = load()
        ours_runs.append(timed(cmd))
        ww, wc = in_kernel(studio, project, work / "warm.mp4", export)
        if ffmpeg:
            cli_runs.append(timed(plan.to_ffmpeg_args()))
            ratios.append(cli_runs[-1][0] / ours_runs[-1][0])
            warm_ratios.append(cli_runs[-1][0] / ww)
            (ow, oc, _), (cw, cc, _) = ours_runs[-1], cli_runs[-1]
            print(f"round {n + 1} ({before}): ours {ow:.2f}s cpu {oc / ow:.0%}, in a kernel {ww:.2f}s "
                  f"cpu {wc / ww:.0%}, CLI {cw:.2f}s cpu {cc / cw:.0%}: {ratios[-1]:.2f}x, "
                  f"in a kernel {warm_ratios[-1]:.2f}x", flush=True)  # fmt: skip
    rows.append(("timeline_lab (PyAV in-process)", *min(ours_runs)))
    if cli_runs:
        rows.append(("ffmpeg CLI, same graph", *min(cli_runs)))
    if not args.skip_moviepy:
        try:
            import moviepy  # noqa: F401

            script = moviepy_script(work, project, clips, music, size)  # type: ignore[arg-type]
            rows.append(("MoviePy 2", *timed([sys.executable, str(script)])))
        except ImportError:
            print("MoviePy not installed (pip install '.[bench]'): skipping that anchor")
    ours = rows[0][1]
    print(
        f"\n{frames} frames {args.size} @30, 6 clips, 2 crossfades, a title, 2 audio tracks; "
        "libx264 crf 18 veryfast + AAC"
    )
    print(f"{'renderer (best round)':34} {'wall s':>8} {'fps':>8} {'cpu':>5} {'peak MiB':>9} {'vs ours':>8}")
    for name, wall, cpu, rss in rows:
        print(f"{name:34} {wall:8.2f} {frames / wall:8.1f} {cpu / wall:5.0%} {rss:9.0f} {ours / wall:7.2f}x")
    for what, rs in (("a new process", ratios), ("in a running kernel", warm_ratios)):
        if rs:
            median = sorted(rs)[len(rs) // 2]
            per_round = " / ".join(f"{r:.2f}x" for r in rs)
            print(f"render: timeline_lab throughput / ffmpeg CLI, same graph, {what}: {median:.2f}x median "
                  f"of rounds ({per_round}; goal >= 1.15x; {load()} now)")  # fmt: skip
    for name, wall, _, _ in rows[1:]:
        if not name.startswith("ffmpeg"):
            print(f"render: timeline_lab throughput / {name}: {wall / ours:.2f}x (goal >= 10x)")
    if args.hour:
        hour_rss(work, args.hour)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
