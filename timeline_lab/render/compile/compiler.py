"""Project -> RenderPlan: pure graph building, testable as text, so what runs is what you can read.

Each track becomes one picture stream and one sound stream spanning the whole timeline (clips,
gaps, transitions); tracks are stacked with ``overlay`` over the background and mixed with
``amix``. Titles are rasterized once by Pillow (cached by content) and held with ``loop``.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...model.items import Clip
from ..encoding.encoders import HardwareCheck, no_hardware
from ..plan import ExportSettings, RenderPlan, Segment, SoftSubtitles
from ..targets import check_target, project_sources
from .excerpt import excerpt
from .graph import Builder, q
from .layers import Canvas, needs_alpha
from .sound import mix_steps, silence_steps
from .tracks import Context, build_track

if TYPE_CHECKING:
    from ...model.project import Project
    from ...model.track import Track

__all__ = ["compile_plan", "segments"]


def _visible(project: Project, burn: bool) -> list[Track]:
    """Picture tracks bottom to top: video tracks, then (when burned in) subtitle tracks above."""
    tracks = [t for t in project.tracks if t.enabled and t.items]
    subs = [t for t in tracks if t.kind == "subtitle"] if burn else []
    return [t for t in tracks if t.kind == "video"] + subs


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


def _audible(project: Project) -> list[Track]:
    """Tracks heard in the mix: not muted, and the soloed ones when any track is soloed."""
    tracks = [t for t in project.tracks if t.enabled and t.items and t.kind in ("video", "audio")]
    soloed = [t for t in tracks if t.solo]
    return [t for t in (soloed or tracks) if not t.muted]


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
    total = max([e for _, e, _ in spans] + [t.frames() for t in project.tracks if t.enabled], default=0)
    cuts = sorted({0, total, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for a, b in itertools.pairwise(cuts):
        active = tuple(i for s, e, i in spans if s < b and a < e)
        out.append(Segment(a, b - a, active))
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
    from ..encoding.presets import resolve

    project.validate_timeline()
    check_target(export.path, project_sources(project))
    if frames is not None:
        project = excerpt(project, *frames)
    s = project.settings
    canvas = Canvas.of(s, Fraction(scale))
    output = resolve(
        export, width=canvas.width, height=canvas.height, frame_rate=s.frame_rate, sample_rate=s.sample_rate,
        hardware=hardware,
    )  # fmt: skip
    rate, sr, ch = s.frame_rate, s.sample_rate, s.channels
    visible, audible = _visible(project, export.subtitles == "burn"), _audible(project)
    soft = _soft_subtitles(project, export, output.container)
    total = max((t.frames() for t in project.tracks if t.enabled), default=0)
    if frames is not None:
        total = frames[1] - frames[0]  # an excerpt is as long as asked, even where it is all gap
    if total == 0:
        raise RenderError("nothing to render: the project has no clips on an enabled track")
    b = Builder()
    ctx = Context(b, canvas, sr, ch, {})
    vpads: list[tuple[str, bool]] = []
    apads: list[str] = []
    picture, sound = output.video_encoder is not None, output.has_audio
    for n, track in enumerate(visible):
        alpha = n > 0 or any(needs_alpha(i) for i in track.items if isinstance(i, Clip))
        hear = sound and track in audible
        if not (picture or hear):
            continue
        v, a = build_track(ctx, track, total, video=picture, audio=hear, alpha=alpha)
        if v:
            vpads.append((v, alpha))
        if a:
            apads.append(_track_gain(b, ctx, track, a))
    for track in audible if sound else []:
        if track.kind == "audio":
            _, a = build_track(ctx, track, total, video=False, audio=True, alpha=False)
            if a:
                apads.append(_track_gain(b, ctx, track, a))
    vout = _composite(b, ctx, vpads, total) if picture else None
    if vout is not None and not vout.startswith("vfmt"):
        # frame n leaves at pts n: an encoder paced by timestamps (the ffmpeg CLI's vsync) must
        # not drop or repeat a frame because a join upstream stamped it a hair off
        vout = _on_frame_grid(b, ctx, vout)
    if vout is not None and output.gif:
        vout = _palette(b, vout)
    aout = _mix(b, ctx, project, apads, total, export) if sound else None
    return RenderPlan(
        width=canvas.width, height=canvas.height, frame_rate=rate, sample_rate=sr, channels=ch,
        pix_fmt=canvas.pix_fmt, total_frames=total,
        total_samples=round(Fraction(total) / rate * sr), inputs=tuple(ctx.inputs),
        reads=tuple(sorted(ctx.reads, key=lambda r: r.opens_at)), nodes=tuple(b.nodes),
        video_out=vout, audio_out=aout, segments=segments(project), export=export, output=output,
        notes=output.notes, subtitles=soft, sources=project_sources(project), project_id=project.id,
        project_name=project.name,
    )  # fmt: skip


def _on_frame_grid(b: Builder, ctx: Context, pad: str) -> str:
    """Frame n of every layer at pts n in 1/rate, so overlay pairs layers frame by frame.

    A track's pad may reach here in another time base (concat's microseconds, a clip's own
    clock); overlay pairs frames by timestamp, and rounded ones can pair frame n with n-1.
    """
    return b.chain(pad, f"{ctx.tag()}grid", [("settb", q(1 / ctx.rate)), ("setpts", "N")])


def _palette(b: Builder, pad: str) -> str:
    """GIF needs pal8: one palette for the whole clip (paletteuse holds frames until it exists)."""
    b.add("split", "", (pad,), ("gif_a", "gif_b"))
    b.add("palettegen", "stats_mode=diff", ("gif_a",), ("gif_pal",))
    return b.join("paletteuse", "dither=sierra2_4a", ["gif_b", "gif_pal"], "gif_out")


def _track_gain(b: Builder, ctx: Context, track: Track, pad: str) -> str:
    if track.volume == 1:
        return pad
    return b.chain(pad, f"{ctx.tag()}tv", [("volume", f"{track.volume:.6g}")])


def _composite(b: Builder, ctx: Context, layers: list[tuple[str, bool]], total: int) -> str:
    """Stack layers over the background; the bottom opaque layer is the base when there is one."""
    canvas = ctx.canvas
    if len(layers) > 1 or (layers and layers[0][1]):
        layers = [(_on_frame_grid(b, ctx, pad), alpha) for pad, alpha in layers]
    if not layers or layers[0][1]:
        bg = b.chain("", "bg", [
            ("color", f"c={canvas.background}:s={canvas.width}x{canvas.height}:r={q(canvas.rate)}"),
            ("trim", f"end_frame={total}"), ("format", canvas.pix_fmt), ("setsar", "1"),
        ])  # fmt: skip
        base = bg
        rest = layers
    else:
        base, rest = layers[0][0], layers[1:]
    for n, (pad, _) in enumerate(rest):
        base = b.join("overlay", "x=0:y=0:format=yuv420:eof_action=pass", [base, pad], f"ov{n}")
    if not rest:
        return base
    steps = [("format", canvas.pix_fmt), ("settb", q(1 / ctx.rate)), ("setpts", "N")]
    return b.chain(base, "vfmt", steps)


def _mix(
    b: Builder, ctx: Context, project: Project, pads: list[str], total: int, export: ExportSettings
) -> str:
    sr, ch = ctx.sample_rate, ctx.channels
    if not pads:
        pads = [b.chain("", "silence", silence_steps(round(Fraction(total) / ctx.rate * sr), sr, ch))]
    loud = export.loudnorm
    hot = any(t.volume > 1 for t in project.tracks) or any(
        getattr(i, "volume", 1) > 1 for t in project.tracks for i in t.items
    )
    if len(pads) == 1 and not loud and not hot:
        return pads[0]
    base = pads[0]
    if len(pads) > 1:
        base = b.join("amix", f"inputs={len(pads)}:duration=longest:normalize=0", pads, "mix")
    return b.chain(base, "master", mix_steps(loud, export.loudness_target, sr, ch))
