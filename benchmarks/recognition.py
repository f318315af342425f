"""Recognition benchmark: our pipeline vs ultralytics' own video loop, and the table at scale.

1. The same video and the same YOLO model (yolo11n built from its YAML, random weights, nothing
   downloaded) run through ``model.predict(source=video, stream=True)`` and through
   ``timeline_lab.recognition.recognize`` (ultralytics backend, batch 1 and 8; onnxruntime backend
   for reference). Prints frames per second side by side; target: our overhead <= 5 %.
2. Building the Polars table and segments from 1,000,000 detections; target: < 1 s.

Run: ``python benchmarks/recognition.py [--frames 240] [--imgsz 320]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

os.environ["YOLO_OFFLINE"] = "1"
os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="yolo-config-"))

import numpy as np

from timeline_lab.media.synth import make_clip
from timeline_lab.recognition import Detections, ModelManager, ModelRegistry, recognize, segments
from timeline_lab.recognition.tables import counts_per_second, detections_frame


def best_of(runs: int, fn: Callable[[], int]) -> tuple[float, int]:
    """Fastest wall time of ``runs`` calls (after one warm-up) and the frame count."""
    fn()
    times, n = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - t)
    return min(times), n


def pipeline(work: Path, frames: int, imgsz: int, runs: int) -> None:
    from ultralytics import YOLO

    video = make_clip(
        work / "bench.mp4", width=640, height=360, rate=Fraction(30), frames=frames, audio=False
    )
    pt = work / "yolo11n-random.pt"
    YOLO("yolo11n.yaml").save(str(pt))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        onnx = Path(
            YOLO(str(pt)).export(format="onnx", imgsz=imgsz, dynamic=True, simplify=False, verbose=False)
        )
    theirs_model = YOLO(str(pt))
    manager = ModelManager(ModelRegistry(work))

    def theirs() -> int:
        return sum(
            1 for _ in theirs_model.predict(source=str(video), stream=True, imgsz=imgsz, verbose=False)
        )

    def ours(model: Path, batch: int) -> Callable[[], int]:
        def run() -> int:
            df = recognize(video, model, manager=manager, imgsz=imgsz, batch=batch, cache=False)
            del df
            return frames

        return run

    rows = [
        ("ultralytics predict(stream=True)", theirs),
        ("recognize, ultralytics, batch 1", ours(pt, 1)),
        ("recognize, ultralytics, batch 8", ours(pt, 8)),
        ("recognize, onnxruntime, batch 8", ours(onnx, 8)),
    ]
    results = {}
    for name, fn in rows:
        wall, n = best_of(runs, fn)
        results[name] = n / wall
    base = results["ultralytics predict(stream=True)"]
    print(f"\n{frames} frames 640x360, yolo11n at imgsz {imgsz}, {os.cpu_count()} CPUs, best of {runs}")
    print(f"{'pipeline':40s} {'fps':>8s} {'vs ultralytics':>15s}")
    for name, fps in results.items():
        print(f"{name:40s} {fps:8.1f} {fps / base:14.3f}x")
    overhead = base / results["recognize, ultralytics, batch 1"] - 1
    print(f"overhead of recognize (same backend, batch 1): {overhead * 100:+.1f} % (target <= +5 %)")


def table(n: int = 1_000_000, per_frame: int = 10) -> None:
    rng = np.random.default_rng(0)
    frames = n // per_frame
    names = {i: f"class{i}" for i in range(80)}
    x1 = rng.uniform(0, 1800, n).astype(np.float32)
    y1 = rng.uniform(0, 1000, n).astype(np.float32)
    dets = Detections(
        image=np.repeat(np.arange(frames), per_frame),
        xyxy=np.stack([x1, y1, x1 + 60, y1 + 60], axis=1),
        conf=rng.uniform(0.25, 1, n).astype(np.float32),
        class_id=rng.integers(0, 80, n),
        track_id=np.tile(np.arange(per_frame), frames) + 1,
    )
    pts = [Fraction(i, 30) for i in range(frames)]
    timings = {}
    t = time.perf_counter()
    df = detections_frame(
        dets,
        source="/bench.mp4",
        frames=np.arange(frames),
        pts=pts,
        names=names,
        size=(1080, 1920),
        model="m",
    )
    timings["table"] = time.perf_counter() - t
    fd = {"/bench.mp4": Fraction(1, 30)}
    for name, fn in {
        "segments by class": lambda: segments(df, durations=fd),
        "segments by track": lambda: segments(df, by="track", durations=fd),
        "counts per second": lambda: counts_per_second(df),
    }.items():
        t = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - t
        timings[f"{name} rows"] = out.height
    print(f"\n{df.height:,} detections ({frames:,} frames x {per_frame}), 80 classes, {per_frame} tracks")
    for name, value in timings.items():
        print(f"  {name:22s} {value:>9,}" if name.endswith("rows") else f"  {name:22s} {value:8.3f} s")
    total = timings["table"] + timings["segments by class"]
    print(f"table + segments by class: {total:.3f} s (target < 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pipeline(Path(tmp), args.frames, args.imgsz, args.runs)
    table()


if __name__ == "__main__":
    main()
