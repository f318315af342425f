"""NVENC check for a machine with an NVIDIA GPU: does h264_nvenc really work, stay frame-exact, and how fast?

Makes a synthetic 1080p clip whose pixels carry their frame index, decodes it once, then encodes
the same frames with h264_nvenc and libx264 at matched quality (both resolved by
``timeline_lab.render.encoding.presets.resolve`` from crf=18, preset=medium), decodes the NVENC file
and checks every frame index. Prints fps, speed ratio, size and PSNR of each.

Usage, from the repo root: ``python benchmarks/gpu_check.py [--frames 120]``.
Exit status: 0 all good, 1 NVENC output wrong, 2 NVENC unusable here (the reason is printed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, installed or not

import av
import av.logging
import numpy as np

from timeline_lab.media.capabilities import hardware_encoder_available
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.render.encoding.presets import ResolvedExport, resolve
from timeline_lab.render.plan import ExportSettings

W, H, RATE = 1920, 1080, Fraction(25)
NO_NVENC = "GPUs without an NVENC engine (A100, H100, H200) cannot run it; an L4, L40S, A10 or RTX can"


def _gpu_name() -> str:
    """The GPU model from nvidia-smi, or why it is unknown."""
    if shutil.which("nvidia-smi") is None:
        return "unknown (no nvidia-smi on PATH)"
    run = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return run.stdout.strip() or f"unknown (nvidia-smi: {run.stderr.strip()})"


def _why_not(name: str) -> str:
    """FFmpeg's own reason for an encoder failing to open (hardware_encoder_available hides it)."""
    level = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)  # FFmpeg logs nothing at all unless a level is set
    with av.logging.Capture() as logs:
        try:
            ctx: Any = av.CodecContext.create(name, "w")
            ctx.width, ctx.height, ctx.pix_fmt = 256, 256, "yuv420p"
            ctx.time_base, ctx.framerate = 1 / RATE, RATE
            ctx.open()
            frame = av.VideoFrame(256, 256, "yuv420p")
            frame.pts = 0
            ctx.encode(frame)
            ctx.encode(None)
        except Exception as exc:
            lines = [m for _lvl, _name, msg in logs if (m := str(msg).strip()) not in str(exc)]
            return "; ".join([*lines[-3:], f"{type(exc).__name__}: {exc}"])
        finally:
            av.logging.set_level(level)
    return "the test encode failed without an error from FFmpeg"


def _source_frames(directory: Path, frames: int) -> list[av.VideoFrame]:
    """A 1080p clip from make_clip, decoded once: both encoders get these very frames."""
    t0 = time.perf_counter()
    clip = make_clip(directory / "source.mp4", width=W, height=H, rate=RATE, frames=frames, audio=False)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        decoded = list(container.decode(stream))
    for i, frame in enumerate(decoded):
        frame.pts, frame.time_base = i, 1 / RATE
    print(f"source: {len(decoded)} frames {W}x{H} made and decoded in {time.perf_counter() - t0:.1f}s")
    return decoded


def _encode(frames: list[av.VideoFrame], r: ResolvedExport) -> float:
    """Encode ``frames`` as ``r`` says; return encode frames per second (flush included)."""
    assert r.video_encoder is not None
    with av.open(str(r.path), "w", format=r.container, options=r.container_options) as out:
        stream: Any = out.add_stream(r.video_encoder, rate=r.frame_rate, options=r.video_options)
        stream.width, stream.height, stream.pix_fmt = r.width, r.height, r.pix_fmt
        stream.codec_context.time_base = 1 / r.frame_rate
        t0 = time.perf_counter()
        for frame in frames:
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        seconds = time.perf_counter() - t0
    return len(frames) / seconds


def _check(path: Path, source: list[av.VideoFrame]) -> tuple[list[str], float]:
    """Decode ``path``: frame-index mismatches (as messages) and mean luma PSNR against the source."""
    problems: list[str] = []
    psnr: list[float] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        decoded = list(container.decode(stream))
    if len(decoded) != len(source):
        problems.append(f"{path.name}: decoded {len(decoded)} frames, encoded {len(source)}")
    for i, (got, ref) in enumerate(zip(decoded, source, strict=False)):
        index, _tag = read_frame_index(got.to_ndarray(format="rgb24"))
        if index != i:
            problems.append(f"{path.name}: frame {i} reads back as frame {index}")
        a = got.to_ndarray(format="gray").astype(np.float32)
        b = ref.to_ndarray(format="gray").astype(np.float32)
        mse = float(np.mean((a - b) ** 2))
        psnr.append(99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse))
    return problems[:10], float(np.mean(psnr)) if psnr else 0.0


def main() -> int:
    """Run the check; the exit status says whether NVENC is usable and correct here."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=120, help="frames to encode (default 120: 4.8 s)")
    args = ap.parse_args()
    print(f"PyAV {av.__version__}, FFmpeg {av.ffmpeg_version_info}; GPU: {_gpu_name()}")
    usable = {name: hardware_encoder_available(name) for name in ("h264_nvenc", "hevc_nvenc")}
    for name, ok in usable.items():
        print(f"{name}: {'works' if ok else 'UNUSABLE: ' + _why_not(name)}")
    if not usable["h264_nvenc"]:
        print(f"FAIL: h264_nvenc cannot encode on this machine. {NO_NVENC}.", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="gpu_check_") as tmp:
        directory = Path(tmp)
        source = _source_frames(directory, args.frames)
        fps: dict[str, float] = {}
        failed = False
        for codec in ("h264_nvenc", "libx264"):
            export = ExportSettings(directory / f"{codec}.mp4", video_codec=codec, crf=18, preset="medium")
            r = resolve(export, width=W, height=H, frame_rate=RATE, strict=True)
            fps[codec] = _encode(source, r)
            problems, psnr = _check(r.path, source)
            size = r.path.stat().st_size / 2**20
            print(
                f"{codec:>10}: {fps[codec]:7.1f} fps  {size:6.2f} MiB  PSNR(Y) {psnr:5.2f} dB  "
                f"options {r.video_options}"
            )
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            failed |= bool(problems)
    print(f"speed: h264_nvenc is {fps['h264_nvenc'] / fps['libx264']:.1f}x libx264")
    if failed:
        print("FAIL: an encoded file does not read back frame-exact (see above)", file=sys.stderr)
        return 1
    print("OK: h264_nvenc works and reads back frame-exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
