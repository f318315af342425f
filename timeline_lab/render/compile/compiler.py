"""Project -> RenderPlan: pure graph building, testable as text, so what runs is what you can read.

Each track becomes one picture stream and one sound stream spanning the whole timeline (clips,
gaps, transitions); tracks are stacked with ``overlay`` over the background and mixed with
``amix``. Titles are rasterized once by Pillow (cached by content) and held with ``loop``.
"""

from __future__ import annotations

import gc
import itertools
from fractions import Fraction
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...media.colour import gamut_options
from ...model.items import Clip, SequenceClip
from ..chapters import CHAPTER_CONTAINERS, Chapter, chapters
from ..encoding.encoders import HardwareCheck, no_hardware
from ..plan import ExportSettings, RenderPlan, Segment, SoftSubtitles
from ..targets import check_target, project_sources
from .colour import leave_canvas
from .excerpt import excerpt, on_sample_grid, safe_window
from .graph import Builder
from .layers import Canvas
from .nested import MAX_NESTING, nested_piece
from .sound import mix_steps, samples_at, silence_steps
from .stack import Layers, audible_tracks, on_frame_grid, stack_tracks, track_alphas
from .tracks import Context

if TYPE_CHECKING:
    from ...model.items import Item
    from ...model.project import Project
    from ..encoding.presets import ResolvedExport

__all__ = ["boosted", "compile_plan", "segments"]


_SOFT_CONTAINERS = ("matroska", "webm")


def _soft_subtitles(project: Project, export: ExportSettings, container: str) -> tuple[SoftSubtitles, ...]:
    from ...model.subtitles import track_cues

    if export.subtitles == "burn":
        return ()
    if export.subtitles == "stream" and container not in _SOFT_CONTAINERS:
        msg = (
            f"subtitles='stream' needs a .mkv or .webm output, not {container} (this FFmpeg build "
            "cannot write MP4 text tracks); use subtitles='sidecar' or burn them in"
        )
        raise RenderError(msg)
    tracks = [t for t in project.tracks if t.kind == "subtitle" and t.enabled and t.items]
    return tuple(SoftSubtitles(t.name or t.id, tuple(track_cues(t))) for t in tracks)


def segments(project: Project) -> tuple[Segment, ...]:
    """Spans of the timeline where the set of active items is constant (smart/parallel render unit)."""
    rate = project.settings.frame_rate
    spans: list[tuple[int, int, str]] = []
    for t in project.tracks:
        if not t.enabled:
            continue
        for item in t.items:
            s = item.start.to_frames(rate)
            spans.append((s, s + item.frames(rate), item.id))
    total = project.duration().to_frames(rate)  # a track switched off still makes the timeline long
    cuts = sorted({0, total, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    # one sweep over the cuts (every span starts and ends on one), keeping the spans' order
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for n, (s, e, _) in enumerate(spans):
        if e <= s:  # nothing to show: active in no segment
            continue
        starts.setdefault(s, []).append(n)
        ends.setdefault(e, []).append(n)
    active: set[int] = set()
    out = []
    for a, b in itertools.pairwise(cuts):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        out.append(Segment(a, b - a, tuple(spans[n][2] for n in sorted(active))))
    return tuple(out)


def compile_plan(
    project: Project,
    export: ExportSettings,
    *,
    frames: tuple[int, int] | None = None,
    scale: Fraction | int = 1,
    hardware: HardwareCheck = no_hardware,
) -> RenderPlan:
    """Build the render plan; ``frames=(first, end)`` renders an excerpt, ``scale`` shrinks the canvas.

    ``hardware`` says which NVENC encoders work here (a Studio passes its cached test encode);
    planning itself never runs an encoder, so by default only software encoders are chosen.
    """
    # The cyclic GC paused meanwhile: a plan allocates a few hundred thousand objects, none of them
    # garbage, and each full collection walks them and the whole project (a fifth of planning
    # 10,000 clips). What it does allocate is collected after, as usual.
    was = gc.isenabled()
    gc.disable()
    try:
        return _compile(project, export, frames, scale, hardware)
    finally:
        if was:
            gc.enable()


def _compile(
    project: Project,
    export: ExportSettings,
    frames: tuple[int, int] | None,
    scale: Fraction | int,
    hardware: HardwareCheck,
) -> RenderPlan:
    from ..encoding.presets import resolve

    if frames is None:  # a range is validated as the excerpt it becomes: its cost is the window's
        project.validate_timeline()
    sources = project_sources(project)
    check_target(export.path, sources)
    s = project.settings
    canvas = Canvas.of(s, Fraction(scale), export.size)
    output = resolve(
        export, width=canvas.width, height=canvas.height, frame_rate=s.frame_rate, sample_rate=s.sample_rate,
        channels=s.channels, color_range=s.color_range, hardware=hardware,
    )  # fmt: skip
    rate, sr, ch = s.frame_rate, s.sample_rate, s.channels
    keep: tuple[int, int] | None = None
    whole = project
    shown = project  # what the output shows: its soft subtitles, chapters and segments
    if frames is not None:
        # the range widened so no cut it makes restarts a fade, a freeze or a reverse (a split
        # piece would; sound fades count where there is sound), then trimmed back to it
        first, end = frames
        w0, w1 = safe_window(project, first, end, sound=output.has_audio)
        if output.has_audio:
            w0 = on_sample_grid(project, w0, w1)
        window = excerpt(project, w0, w1)
        shown = window if (w0, w1) == (first, end) else excerpt(project, first, end)
        project = window
        sources = project_sources(project)
        keep = (first - w0, end - w0)
        skip = samples_at(first, rate, sr) - samples_at(w0, rate, sr)  # the whole grid's
    soft = _soft_subtitles(shown, export, output.container)
    # as long as every track, switched off or not (as in NLEs: a disabled track's span is background
    # and silence), so the render, smart render, preview and chapters agree on project.duration()
    total = project.duration().to_frames(rate)
    if keep is not None:
        total = keep[1]  # an excerpt is as long as asked, even where it is all gap
    if total == 0:
        raise RenderError("nothing to render: the project has no clips")
    b = Builder()
    ctx = Context(b, canvas, sr, ch, {}, sequences={q.id: q for q in project.sequences}, nest=nested_piece)
    picture, sound = output.video_encoder is not None, output.has_audio
    layers = Layers(picture=picture, sound=sound, burn=export.subtitles == "burn", transparent=False)
    vout, apads = stack_tracks(ctx, project, total, layers, track_alphas(whole, layers))
    if vout is not None and not vout.startswith("vfmt"):
        # frame n leaves at pts n: an encoder paced by timestamps (the ffmpeg CLI's vsync) must
        # not drop or repeat a frame because a join upstream stamped it a hair off
        vout = on_frame_grid(ctx, vout)
    if keep is not None and vout is not None:
        cut = f"start_frame={keep[0]}:end_frame={keep[1]}"
        vout = b.chain(vout, "range", [("trim", cut), ("setpts", "PTS-STARTPTS")])
    if vout is not None and output.pix_fmt and output.colour_tags is None:
        # an RGB, palette or grey output: where its pictures leave the canvas's BT.709 YUV is said,
        # as the ffmpeg CLI would read its frames' tags, which its scale filters leave stale
        out_fmt = "rgb24" if output.gif else output.pix_fmt
        vout = b.chain(vout, "vrgb", [leave_canvas(canvas.color_range), ("format", out_fmt)])
    if vout is not None and output.gif:
        vout = _palette(b, vout)
    aout = _mix(b, ctx, project, apads, total, export) if sound else None
    count = samples_at(total, rate, sr)
    if keep is not None:
        total -= keep[0]
        count = samples_at(end, rate, sr) - samples_at(first, rate, sr)
        if aout is not None:  # exactly the samples of the frames asked, on the whole timeline's grid
            head = [("atrim", f"start_sample={skip}"), ("asetpts", "N/SR/TB")]
            exact = [("apad", f"whole_len={count}"), ("atrim", f"end_sample={count}")]
            aout = b.chain(aout, "arange", [*head, *exact])
    return RenderPlan(
        width=canvas.width, height=canvas.height, frame_rate=rate, sample_rate=sr, channels=ch,
        pix_fmt=canvas.pix_fmt, total_frames=total,
        total_samples=count, inputs=tuple(ctx.inputs),
        reads=tuple(sorted(ctx.reads, key=lambda r: r.opens_at)), nodes=tuple(b.nodes),
        video_out=vout, audio_out=aout, segments=segments(shown), export=export, output=output,
        notes=output.notes + _hdr_note(ctx), subtitles=soft, sources=sources, project_id=project.id,
        project_name=project.name, live=tuple(ctx.live), chapters=_chapters(shown, export, output),
    )  # fmt: skip


def _hdr_note(ctx: Context) -> tuple[str, ...]:
    """Say so where a source is mapped from HDR or BT.2020: its scale options are FFmpeg 8's."""
    for info in ctx.probe.values():
        if any(gamut_options(v) for v in info.video):
            return ("HDR or BT.2020 video is mapped to SDR BT.709 with scale options of FFmpeg 8: "
                    "the printed ffmpeg command needs FFmpeg 8 or later",)  # fmt: skip
    return ()


def _chapters(project: Project, export: ExportSettings, output: ResolvedExport) -> tuple[Chapter, ...]:
    """The markers' chapters where the container holds chapters (none in GIFs, WAVs, image runs)."""
    if output.container not in CHAPTER_CONTAINERS:
        return ()
    return tuple(chapters(project, export.chapters))


def boosted(project: Project) -> bool:
    """Can the mix pass full scale where no tracks are summed? A gain above 1 (a track, a clip, a
    volume keyframe), a source of more channels than the project (its downmix sums them), or a
    nested sequence shown that is boosted or mixes several tracks: then the mix goes through the
    limiter (``mix_steps``) even when it is one track; smart render asks the same."""
    return _boosted(project, project.settings.channels, 0)


def _boosted(project: Project, channels: int, depth: int) -> bool:
    """``boosted`` of a project or a nested sequence (``depth`` levels down) in a ``channels`` mix."""
    sequences = {q.id: q for q in project.sequences}
    return any(t.volume > 1 for t in project.tracks) or any(
        _loud_item(i, sequences, channels, depth) for t in project.tracks for i in t.items
    )


def _loud_item(item: Item, sequences: dict[str, Project], channels: int, depth: int) -> bool:
    """One item's part of ``_boosted``: its gain, its source's channels, the sequence it shows."""
    from ...media.probe import probe

    volumes = getattr(item, "keyframes", {}).get("volume", ())
    if getattr(item, "volume", 1) > 1 or any(k.value > 1 for k in volumes):
        return True
    if isinstance(item, Clip) and item.media.has_audio:
        stream = probe(item.media.path).audio_stream(item.media.audio_stream)
        return stream is not None and stream.channels > channels
    if isinstance(item, SequenceClip) and depth < MAX_NESTING:
        seq = sequences.get(item.sequence)
        return seq is not None and (len(audible_tracks(seq)) > 1 or _boosted(seq, channels, depth + 1))
    return False


def _palette(b: Builder, pad: str) -> str:
    """GIF needs pal8: one palette for the whole clip (paletteuse holds frames until it exists)."""
    b.add("split", "", (pad,), ("gif_a", "gif_b"))
    b.add("palettegen", "stats_mode=diff", ("gif_a",), ("gif_pal",))
    return b.join("paletteuse", "dither=sierra2_4a", ["gif_b", "gif_pal"], "gif_out")


def _mix(
    b: Builder, ctx: Context, project: Project, pads: list[str], total: int, export: ExportSettings
) -> str:
    sr, ch = ctx.sample_rate, ctx.channels
    if not pads:
        pads = [b.chain("", "silence", silence_steps(round(Fraction(total) / ctx.rate * sr), sr, ch))]
    loud = export.loudnorm
    if len(pads) == 1 and not loud and not boosted(project):
        return pads[0]
    base = pads[0]
    if len(pads) > 1:
        base = b.join("amix", f"inputs={len(pads)}:duration=longest:normalize=0", pads, "mix")
    return b.chain(base, "master", mix_steps(loud, export.loudness_target, sr, ch, export.loudness_measured))
