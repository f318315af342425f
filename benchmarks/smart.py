"""Smart render benchmark: GOP copy + edge re-encode vs the full re-encode, on a cuts-only timeline.

Both run in this process on the same project (three cuts at odd frames inside GOPs, two sources of
one format, AAC audio). Prints wall time of each, the ratio against the goal (>= 20x), the share of
AAC packets copied, and checks that the smart output is frame-exact. ``--edit cuts`` (the default)
cuts anywhere, so no clip's sound lands on the AAC grid and all of it is re-encoded (on worker
threads, beside the video); ``--edit grid`` moves each in point forward to the first frame whose
sound lands on the grid (at 25 fps: within 8 frames), so the sources' packets are copied.
The media is synthetic (made here, nothing downloaded). Usage:
python benchmarks/smart.py [--seconds 20] [--size 1920x1080] [--runs 2] [--no-audio] [--edit grid]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from timeline_lab.media.synth import make_clip, read_frame_indices
from timeline_lab.model import Clip
from timeline_lab.render import ExportSettings, compile_plan, execute
from timeline_lab.render.encoding.aac_splice import FRAME
from timeline_lab.render.smart import check_smart, smart_render
from timeline_lab.render.smart.audio import total_samples
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.render.smart.track import parts
from timeline_lab.studio import Studio


def on_grid(at: int, first: int, rate: Fraction, sr: int = 48000) -> bool:
    """Does a clip at timeline frame ``at`` from source frame ``first`` keep its sound on the grid?"""
    return (round(Fraction(at) / rate * sr) - round(Fraction(first) / rate * sr)) % FRAME == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=20, help="length of each source clip")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--rate", default=None, help="frame rate (default 30000/1001; 25 for --edit grid)")
    ap.add_argument("--edit", choices=("cuts", "grid"), default="cuts", help="where the clips' sound lands")
    ap.add_argument("--runs", type=int, default=2, help="best of this many runs per renderer")
    ap.add_argument("--no-audio", action="store_true", help="silent sources (video path only)")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    rate = Fraction(args.rate or ("25" if args.edit == "grid" else "30000/1001"))
    n = round(args.seconds * rate)
    work = Path(tempfile.mkdtemp(prefix="tl-smart-"))
    try:
        print(f"making media in {work} ({args.size}, {args.seconds}s x2) ...", flush=True)
        audio = not args.no_audio
        a = make_clip(work / "a.mp4", width=w, height=h, rate=rate, frames=n, tag=1, audio=audio)
        b = make_clip(work / "b.mp4", width=w, height=h, rate=rate, frames=n, tag=2, audio=audio)
        studio = Studio(workspace=work)
        project = studio.new_project("bench", width=w, height=h, frame_rate=rate)
        track, at = project.tracks[0], 0
        for source, first, count in ((a, 13, n - 40), (b, 7, n // 2), (a, 101, n // 3)):
            if args.edit == "grid":
                first = next(f for f in range(first, n - count) if on_grid(at, f, rate))
            track.append(studio.clip(source, first, count))
            at += count
        frames = project.duration().to_frames(rate)
        decision = check_smart(project, ExportSettings(work / "smart.mp4"))
        print(f"smart decision: {decision.reason}")
        if not decision:
            return 1

        def best(fn: object) -> float:
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                fn()  # type: ignore[operator]
                times.append(time.perf_counter() - t)
            return min(times)

        t_smart = best(lambda: smart_render(project, ExportSettings(work / "smart.mp4")))
        full = ExportSettings(work / "full.mp4", video_codec="libx264")
        t_full = best(lambda: execute(compile_plan(project, full)))
        want = []
        for item in track.items:
            assert isinstance(item, Clip)
            tag = 1 if item.media.name == "a.mp4" else 2
            want += [(item.source_frame_at(k, rate), tag) for k in range(item.frames(rate))]
        exact = read_frame_indices(work / "smart.mp4") == want
        print(f"\n{frames} output frames at {args.size}, {'with' if audio else 'no'} audio")
        print(f"{'renderer':36} {'wall s':>8} {'fps':>9}")
        print(f"{'full re-encode (libx264 veryfast)':36} {t_full:8.2f} {frames / t_full:9.1f}")
        print(f"{'smart (GOP copy + edge re-encode)':36} {t_smart:8.2f} {frames / t_smart:9.1f}")
        ratio = t_full / t_smart
        print(f"ratio full/smart: {ratio:.1f}x   smart output frame-exact: {exact}")
        if audio:
            plan = prepare(project, ExportSettings(work / "smart.mp4"))
            copied = sum((e - s) // FRAME for s, e, cp in parts(plan, 2) if cp is not None)
            packets = -(-total_samples(plan) // FRAME) + 1  # and the priming frame
            print(f"AAC packets copied: {copied}/{packets} ({copied / packets:.0%}), edit {args.edit!r}")
        print(f"goal >= 20x with audio: {'met' if audio and ratio >= 20 else 'not met'} ({ratio:.1f}x)")
        return 0 if exact else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
