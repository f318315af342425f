"""A project's tracks stacked into one picture and a list of sounds: the top level and nested sequences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...model.items import Clip, Gap, TextClip
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
    vpads: list[tuple[str, bool, str | None]] = []
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
            vpads.append((v, alpha, shown_when(ctx, track, total) if alpha else None))
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


_MOST = 0.9
"""A layer shown on more of the timeline than this is blended everywhere (no frame test)."""

_RANGES = 32
"""At most this many shown stretches in a layer's frame test (each is a term evaluated per frame)."""


def shown_when(ctx: Context, track: Track, total: int) -> str | None:
    """When the track's layer may show anything: an overlay ``enable`` expression, or None for always.

    Outside its items (and the transitions that reach past them) the layer is transparent, and
    blending a transparent picture leaves the one below unchanged, so the overlay may skip it: a
    title over a long timeline no longer costs a full-frame blend on every frame.
    """
    rate = ctx.rate
    reach = max((t.duration.to_frames(rate) for t in track.transitions), default=0)
    spans: list[list[int]] = []
    for item in track.items:
        if isinstance(item, Gap):
            continue
        start = item.start.to_frames(rate)
        # a frame of slack each side: rounding never hides a shown frame (blending more is harmless)
        lo, hi = max(start - reach - 1, 0), min(start + item.frames(rate) + reach + 1, total)
        if lo >= hi:
            continue
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    if len(spans) > _RANGES or sum(hi - lo for lo, hi in spans) > _MOST * total:
        return None
    return "+".join(f"between(n,{lo},{hi - 1})" for lo, hi in spans) or "0"


def composite(
    ctx: Context, layers: list[tuple[str, bool, str | None]], total: int, *, transparent: bool
) -> str:
    """Stack layers over the background; the bottom opaque layer is the base when there is one.

    Each layer is (pad, has alpha, when it may show: an ``enable`` expression or None for always).
    ``transparent``: over nothing (a nested sequence on a layer above shows what is below it).
    """
    canvas, b = ctx.canvas, ctx.b
    tag = ctx.tag() if ctx.depth else ""  # the top level's pads keep their plain names
    if len(layers) > 1 or (layers and layers[0][1]):
        layers = [(on_frame_grid(ctx, pad), alpha, when) for pad, alpha, when in layers]
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
    for n, (pad, _, when) in enumerate(rest):
        enable = f":enable='{when}'" if when is not None else ""
        base = b.join("overlay", f"x=0:y=0:format=yuv420:eof_action=pass{enable}", [base, pad], f"{tag}ov{n}")
    if not rest:
        return base
    steps = [("format", fmt), ("settb", q(1 / ctx.rate)), ("setpts", "N")]
    return b.chain(base, f"{tag}vfmt", steps)
