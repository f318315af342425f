"""A RenderPlan as text: a readable description and the equivalent ffmpeg command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .encoders import video_options

if TYPE_CHECKING:
    from .plan import RenderPlan

__all__ = ["describe", "ffmpeg_args"]


def _input_map(plan: RenderPlan) -> tuple[list[str], dict[str, str]]:
    """One ``-i`` per source read; buffer pads become ``[file:stream]`` specifiers."""
    files: list[str] = []
    labels: dict[str, str] = {}
    by_label = {i.label: i for i in plan.inputs}
    for read in plan.reads:
        files.append(str(read.path))
        for label in (read.video, read.audio):
            if label is not None:
                labels[label] = f"{len(files) - 1}:{by_label[label].stream_index}"
    return files, labels


def ffmpeg_args(plan: RenderPlan, encoder: str | None = None) -> list[str]:
    """argv for the ffmpeg CLI that runs the same graph with the same encoder settings."""
    enc = encoder or ("libx264" if plan.export.video_codec == "auto" else plan.export.video_codec)
    files, labels = _input_map(plan)
    graph = plan.filtergraph()
    for label, spec in labels.items():
        graph = graph.replace(f"[{label}]", f"[{spec}]")
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-y"]
    for f in files:
        args += ["-i", f]
    args += ["-filter_complex", graph, "-map", f"[{plan.video_out}]", "-map", f"[{plan.audio_out}]"]
    args += ["-c:v", enc]
    for key, value in video_options(enc, plan.export).items():
        args += [f"-{key}", value]
    rate = plan.frame_rate
    args += ["-pix_fmt", plan.pix_fmt, "-r", f"{rate.numerator}/{rate.denominator}"]
    args += [
        "-c:a",
        plan.export.audio_codec or "aac",
        "-b:a",
        str(plan.export.audio_bitrate),
        "-ar",
        str(plan.sample_rate),
        "-ac",
        str(plan.channels),
    ]
    if plan.export.faststart:
        args += ["-movflags", "+faststart"]
    args.append(str(plan.export.path))
    return args


def describe(plan: RenderPlan) -> str:
    """Multi-line summary: output format, segments, then one graph node per line."""
    rate = plan.frame_rate
    lines = [
        f"output  {plan.export.path}  {plan.width}x{plan.height} @ {rate.numerator}/{rate.denominator} fps, "
        f"{plan.pix_fmt}, {plan.sample_rate} Hz x{plan.channels}",
        f"length  {plan.total_frames} frames, {plan.total_samples} samples",
        "segments:",
    ]
    for seg in plan.segments:
        what = ", ".join(seg.items) or "(gap)"
        lines.append(f"  frames {seg.start_frame}..{seg.start_frame + seg.frames - 1}  {what}")
    lines.append("inputs:")
    for inp in plan.inputs:
        lines.append(f"  [{inp.label}] {inp.path.name} stream {inp.stream_index} ({inp.kind})")
    lines.append("graph:")
    lines += [f"  {node.text()}" for node in plan.nodes]
    lines += [f"note: {n}" for n in plan.notes]
    return "\n".join(lines)
