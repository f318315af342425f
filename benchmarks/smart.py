"""Smart render benchmark: GOP copy + edge re-encode vs the full re-encode, on a cuts-only timeline.

Both run in this process on the same project (three cuts at odd frames inside GOPs, two sources of
one format). Prints wall time of each, the ratio, and checks that the smart output is frame-exact.
The media is synthetic (made here, nothing downloaded). Usage:
python benchmarks/smart.py [--seconds 20] [--size 1280x720] [--runs 2] [--no-audio]
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
from timeline_lab.render.smart import check_smart, smart_render
from timeline_lab.studio import Studio


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=20, help="length of each source clip")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--runs", type=int, default=2, help="best of this many runs per renderer")
    ap.add_argument("--no-audio", action="store_true", help="silent sources (video path only)")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    rate = Fraction(30000, 1001)
    n = round(args.seconds * rate)
    work = Path(tempfile.mkdtemp(prefix="tl-smart-"))
    try:
        print(f"making media in {work} ({args.size}, {args.seconds}s x2) ...", flush=True)
        audio = not args.no_audio
        a = make_clip(work / "a.mp4", width=w, height=h, rate=rate, frames=n, tag=1, audio=audio)
        b = make_clip(work / "b.mp4", width=w, height=h, rate=rate, frames=n, tag=2, audio=audio)
        studio = Studio(workspace=work)
        project = studio.new_project("bench", width=w, height=h, frame_rate=rate)
        track = project.tracks[0]
        track.append(studio.clip(a, 13, n - 40))
        track.append(studio.clip(b, 7, n // 2))
        track.append(studio.clip(a, 101, n // 3))
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
        print(f"ratio full/smart: {t_full / t_smart:.1f}x   smart output frame-exact: {exact}")
        return 0 if exact else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
