"""A project's tracks stacked into one picture and a list of sounds: the top level and nested sequences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...model.items import Clip, TextClip
from .graph import q
from .layers import needs_alpha
from .tracks import Context, build_track

if TYPE_CHECKING:
    from ...model.project import Project
    from ...model.track import Track

__all__ = ["Layers", "audible_tracks", "composite", "on_frame_grid", "stack_tracks", "visible_tracks"]


@dataclass(frozen=True)
class Layers:
    """What to build: picture and/or sound, subtitles burned in, over a transparent background?"""

    picture: bool
    sound: bool
    burn: bool
    transparent: bool


def visible_tracks(project: Project, burn: bool) -> list[Track]:
    """Picture tracks bottom to top: video tracks, then (when burned in) subtitle tracks above."""
    tracks = [t for t in project.tracks if t.enabled and t.items]
    subs = [t for t in tracks if t.kind == "subtitle"] if burn else []
    return [t for t in tracks if t.kind == "video"] + subs


def audible_tracks(project: Project) -> list[Track]:
    """Tracks heard in the mix: not muted, and the soloed ones when any track is soloed."""
    tracks = [t for t in project.tracks if t.enabled and t.items and t.kind in ("video", "audio")]
    soloed = [t for t in tracks if t.solo]
    return [t for t in (soloed or tracks) if not t.muted]


def stack_tracks(ctx: Context, project: Project, total: int, layers: Layers) -> tuple[str | None, list[str]]:
    """Each visible track composited bottom to top over [0, total), and each audible track's sound."""
    visible, audible = visible_tracks(project, layers.burn), audible_tracks(project)
    vpads: list[tuple[str, bool]] = []
    apads: list[str] = []
    for n, track in enumerate(visible):
        # a title is always blended: even on the bottom track it shows the background through it
        see_through = (
            isinstance(i, TextClip) or (isinstance(i, Clip) and needs_alpha(i)) for i in track.items
        )
        alpha = layers.transparent or n > 0 or any(see_through)
        hear = layers.sound and track in audible
        if not (layers.picture or hear):
            continue
        v, a = build_track(ctx, track, total, video=layers.picture, audio=hear, alpha=alpha)
        if v:
            vpads.append((v, alpha))
        if a:
            apads.append(_track_gain(ctx, track, a))
    for track in audible if layers.sound else []:
        if track.kind == "audio":
            _, a = build_track(ctx, track, total, video=False, audio=True, alpha=False)
            if a:
                apads.append(_track_gain(ctx, track, a))
    vout = composite(ctx, vpads, total, transparent=layers.transparent) if layers.picture else None
    return vout, apads


def on_frame_grid(ctx: Context, pad: str) -> str:
    """Frame n of every layer at pts n in 1/rate, so overlay pairs layers frame by frame.

    A track's pad may reach here in another time base (concat's microseconds, a clip's own
    clock); overlay pairs frames by timestamp, and rounded ones can pair frame n with n-1.
    """
    return ctx.b.chain(pad, f"{ctx.tag()}grid", [("settb", q(1 / ctx.rate)), ("setpts", "N")])


def _track_gain(ctx: Context, track: Track, pad: str) -> str:
    if track.volume == 1:
        return pad
    return ctx.b.chain(pad, f"{ctx.tag()}tv", [("volume", f"{track.volume:.6g}")])


def composite(ctx: Context, layers: list[tuple[str, bool]], total: int, *, transparent: bool) -> str:
    """Stack layers over the background; the bottom opaque layer is the base when there is one.

    ``transparent``: over nothing (a nested sequence on a layer above shows what is below it).
    """
    canvas, b = ctx.canvas, ctx.b
    tag = ctx.tag() if ctx.depth else ""  # the top level's pads keep their plain names
    if len(layers) > 1 or (layers and layers[0][1]):
        layers = [(on_frame_grid(ctx, pad), alpha) for pad, alpha in layers]
    fmt = "yuva420p" if transparent else canvas.pix_fmt
    if not layers or layers[0][1]:
        color = "black@0" if transparent else canvas.background
        bg = b.chain("", f"{tag}bg", [
            ("color", f"c={color}:s={canvas.width}x{canvas.height}:r={q(canvas.rate)}"),
            ("trim", f"end_frame={total}"), ("format", fmt), ("setsar", "1"),
        ])  # fmt: skip
        base = bg
        rest = layers
    else:
        base, rest = layers[0][0], layers[1:]
    for n, (pad, _) in enumerate(rest):
        base = b.join("overlay", "x=0:y=0:format=yuv420:eof_action=pass", [base, pad], f"{tag}ov{n}")
    if not rest:
        return base
    steps = [("format", fmt), ("settb", q(1 / ctx.rate)), ("setpts", "N")]
    return b.chain(base, f"{tag}vfmt", steps)
