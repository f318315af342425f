"""A RenderPlan as text: a readable description and the equivalent ffmpeg command line."""

from __future__ import annotations

import hashlib
import os
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..media.sound_starts import coarse

if TYPE_CHECKING:
    from .encoding.presets import ResolvedExport
    from .plan import InputStream, RenderPlan

__all__ = ["chapters_file", "describe", "ffmetadata", "ffmpeg_args", "video_tag"]

_TAGS = {"hevc": "hvc1"}
"""Video tags players require in MP4/MOV: HEVC as ``hvc1`` (QuickTime, Safari, iOS and many TVs
refuse FFmpeg's default ``hev1``)."""
_TAGGED = frozenset({"mp4", "mov", "ipod"})


def video_tag(output: ResolvedExport) -> str | None:
    """The tag the output's video stream must carry (``hvc1`` for HEVC in MP4/MOV), else None."""
    import av

    if output.video_encoder is None or output.container not in _TAGGED:
        return None
    try:
        codec = av.Codec(output.video_encoder, "w").canonical_name
    except (av.FFmpegError, ValueError):  # not in this FFmpeg: the encode says so itself
        return None
    return _TAGS.get(codec)


def _input_map(plan: RenderPlan) -> tuple[list[list[str]], dict[str, str]]:
    """One input per source read (its options and ``-i``); buffer pads become ``[n:stream]``."""
    from ..media import sequence

    files: list[list[str]] = []
    labels: dict[str, str] = {}
    by_label = {i.label: i for i in plan.inputs}
    # -reinit_filter:v 0: a picture of another size midway goes through the same graph, as in the
    # render (the CLI's default rebuilds the graph there, which repeats and drops frames); the
    # sound keeps the default, which lets the graph's aresample take a change of layout
    same_graph = ["-reinit_filter:v", "0"]
    for read in plan.reads:
        if read.open_rate is not None:
            files.append([*same_graph, *sequence.cli_args(read.path, read.open_rate)])
        elif read.image and "%" in read.path.name:  # a still's name, not image2's sequence pattern
            files.append(["-f", "image2", "-pattern_type", "none", "-i", str(read.path)])
        else:
            # -noautorotate: the graph applies the display matrix itself (PyAV does not rotate)
            decoder = by_label[read.video].decoder if read.video is not None else ""
            chosen = ["-c:v", decoder] if decoder else []  # a WebM's alpha (media.alpha_decoders)
            files.append(["-noautorotate", *same_graph, *chosen, "-i", str(read.path)])
        for label in (read.video, read.audio):
            if label is not None:
                labels[label] = f"{len(files) - 1}:{by_label[label].stream_index}"
    return files, labels


def _sole_input(plan: RenderPlan, labels: dict[str, str]) -> list[str]:
    """A sink on the one stream a graph reads, so that the CLI does not label the output with it.

    FFmpeg 5.1 takes a graph with exactly one input for a copy of that stream and writes its side
    data on the output: a phone clip's display matrix turned the upright picture again in every
    player (``-metadata:s:v rotate=0`` only applies to stream copies; ``-display_rotation`` is 6.0).
    A second reference to the stream (decoded once, its frames dropped) makes the graph two-input,
    as a render of two sources is, and the output carries no source's side data, as the render's.
    """
    if len(labels) != 1:
        return []
    ((label, spec),) = labels.items()
    kind = next(i.kind for i in plan.inputs if i.label == label)
    return [f"[{spec}]{'a' if kind == 'audio' else ''}nullsink"]


def _coarse_ticks(inp: InputStream) -> Fraction | None:
    """The sound stream's own time base where its ticks are coarser than a sample (the plan's
    input counts in samples), else None."""
    from ..media.probe import probe

    tb = next(a.time_base for a in probe(inp.path).audio if a.index == inp.stream_index)
    return tb if coarse(tb, inp.sample_rate) else None


def _counted_sound(time_base: Fraction) -> str:
    """Sound stamped in ticks coarser than a sample (Matroska's milliseconds) placed by its sample
    count while its stamps are that count rounded, as the render's reader places it
    (``media.sound_starts.counted``): the CLI's own count starts over by the rounded stamp wherever
    a packet comes more than its rounded duration after the one before, and the graph's trims then
    cut a few samples off (silence before the next cut)."""
    return f"aresample=min_comp=0:min_hard_comp={float(time_base):.9f}"


def ffmetadata(plan: RenderPlan) -> str:
    """The plan's chapters as an FFMETADATA file, exact (time base 1/rate), with the untitled
    opening chapter ``container_chapters`` adds as the render does."""
    from .chapters import container_chapters

    rate = plan.frame_rate
    lines = [";FFMETADATA1"]
    for c in container_chapters(plan.chapters, rate):  # in time base 1/rate
        title = "".join(f"\\{ch}" if ch in "=;#\\\n" else ch for ch in c["metadata"]["title"])
        lines += ["[CHAPTER]", f"TIMEBASE={rate.denominator}/{rate.numerator}"]
        lines += [f"START={c['start']}", f"END={c['end']}", f"title={title}"]
    return "\n".join(lines) + "\n"


def chapters_file(plan: RenderPlan) -> Path:
    """Where the command reads its chapters from: a content-addressed file in the cache, beside the
    titles' PNGs that its graph reads (written once, atomically)."""
    from ..atomic import atomic_write_bytes
    from ..core.cache import cache_root

    data = ffmetadata(plan).encode("utf-8")
    path = cache_root() / "chapters" / f"{hashlib.sha256(data).hexdigest()}.txt"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    return path


def ffmpeg_args(plan: RenderPlan, encoder: str | None = None) -> list[str]:
    """argv for the ffmpeg CLI that runs the same graph with the same encoder settings.

    Refused for a plan with live parts (annotations, frame functions): Python draws or applies
    them while the render runs, which the ffmpeg CLI cannot do.
    """
    if plan.live:
        from ..errors import RenderError

        whats = "; ".join(sorted({p.what for p in plan.live}))
        msg = f"no ffmpeg command for this plan: {whats} run in Python during the render (use execute)"
        raise RenderError(msg)
    if any(n.filter == "crop" and (n.instance or "").endswith("kfcrop") for n in plan.nodes):
        from ..errors import RenderError

        msg = (
            "no ffmpeg command for this plan: a keyframed crop resizes the picture by command, "
            "which the ffmpeg 5.x CLI does not finish (use execute)"
        )
        raise RenderError(msg)
    files, labels = _input_map(plan)
    graph = plan.filtergraph()
    # each video source first in PyAV's time base, which the graph's trims count in: another
    # FFmpeg's demuxer may give the stream another (raw DV: 1/25 in 5.1, 1/60000 in 8), and the
    # trims then cut nothing; where they agree it changes nothing; sound in coarse ticks counted
    settb: list[str] = []
    sole = _sole_input(plan, labels)
    for inp in plan.inputs:
        if inp.kind == "video" and inp.label in labels:
            tb = inp.time_base
            settb.append(f"[{labels.pop(inp.label)}]settb={tb.numerator}/{tb.denominator}[{inp.label}]")
        elif inp.kind == "audio" and inp.label in labels and (ticks := _coarse_ticks(inp)) is not None:
            settb.append(f"[{labels.pop(inp.label)}]{_counted_sound(ticks)}[{inp.label}]")
    for label, spec in labels.items():
        graph = graph.replace(f"[{label}]", f"[{spec}]")
    graph = ";".join([*settb, graph, *sole])
    # -copyts: the graph cuts at the timestamps the files carry (as PyAV reads them), so the CLI
    # must not shift each input to start at 0
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-copyts"]
    for f in files:
        args += f
    if plan.chapters:  # the markers' chapters, as the render writes them; the sources' never
        args += ["-f", "ffmetadata", "-i", str(chapters_file(plan))]
    args += ["-filter_complex", graph]
    for out in (plan.video_out, plan.audio_out):
        if out is not None:
            args += ["-map", f"[{out}]"]
    args += ["-map_chapters", str(len(files)) if plan.chapters else "-1"]
    output = plan.output
    if encoder is not None and output.video_encoder is not None:
        from dataclasses import replace

        output = replace(output, video_encoder=encoder)
    tag = video_tag(output)
    written = output.to_ffmpeg_args()
    if output.image_sequence:  # image2 reads the whole name as printf: a folder's % doubled ("50% cut")
        written[-1] = os.path.join(str(output.path.parent).replace("%", "%%"), output.path.name)  # noqa: PTH118
    return [*args, *(["-tag:v", tag] if tag else []), *written]


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
