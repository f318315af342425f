"""A project's tracks stacked into one picture and a list of sounds: the top level and nested sequences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...model.items import Clip, Gap, TextClip
from .colour import colour_source
from .graph import q
from .layers import needs_alpha
from .tracks import Context, build_track

if TYPE_CHECKING:
    from ...model.project import Project
    from ...model.track import Track

__all__ = [
    "Layers",
    "audible_tracks",
    "composite",
    "on_frame_grid",
    "shown_spans",
    "stack_tracks",
    "track_alphas",
    "visible_tracks",
]


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
    """Tracks heard in the mix: not muted, and the soloed ones when any track is soloed (whether or
    not it has items here: an excerpt or a cluster segment where the soloed track is empty is
    silent, as that stretch of the whole timeline is)."""
    kinds = [t for t in project.tracks if t.enabled and t.kind in ("video", "audio")]
    soloed = any(t.solo for t in kinds)
    return [t for t in kinds if t.items and not t.muted and (t.solo or not soloed)]


def track_alphas(project: Project, layers: Layers) -> dict[str, bool]:
    """Which visible tracks are built as transparent layers (by track id), decided on the whole
    timeline: a range or cluster segment (an excerpt, which may lack a see-through clip or the
    bottom track) must build every clip as the whole render does, or its frames differ."""
    alphas: dict[str, bool] = {}
    for n, track in enumerate(visible_tracks(project, layers.burn)):
        # a title is always blended: even on the bottom track it shows the background through it
        see_through = (
            isinstance(i, TextClip) or (isinstance(i, Clip) and needs_alpha(i)) for i in track.items
        )
        alphas[track.id] = layers.transparent or n > 0 or any(see_through)
    return alphas


def stack_tracks(
    ctx: Context, project: Project, total: int, layers: Layers, alphas: dict[str, bool] | None = None
) -> tuple[str | None, list[str]]:
    """Each visible track composited bottom to top over [0, total), and each audible track's sound.

    ``alphas``: ``track_alphas`` of the timeline ``project`` is an excerpt of (default: its own).
    """
    visible, audible = visible_tracks(project, layers.burn), audible_tracks(project)
    own = track_alphas(project, layers)
    vpads: list[tuple[str, bool, list[tuple[int, int]] | None]] = []
    apads: list[str] = []
    for track in visible:
        alpha = own[track.id] if alphas is None else alphas.get(track.id, own[track.id])
        hear = layers.sound and track in audible
        if not (layers.picture or hear):
            continue
        v, a = build_track(ctx, track, total, video=layers.picture, audio=hear, alpha=alpha)
        if v:
            vpads.append((v, alpha, shown_spans(ctx, track, total) if alpha else None))
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
"""At most this many shown stretches per layer (each is a trim, overlay and concat branch)."""

_OVER = "x=0:y=0:format=yuv420:eof_action=pass"
"""A layer over the picture below, both on the canvas; a layer that ends shows nothing after."""


def shown_spans(ctx: Context, track: Track, total: int) -> list[tuple[int, int]] | None:
    """The frame stretches ``[lo, hi)`` where the track's layer may show anything; None for always.

    Outside its items (and the transitions that reach past them) the layer is transparent, and
    blending a transparent picture leaves the one below unchanged, so those frames skip the blend.
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
    return [(lo, hi) for lo, hi in spans]


def _blend_where_shown(
    ctx: Context, base: str, layer: str, spans: list[tuple[int, int]], total: int, name: str
) -> str:
    """``layer`` blended over ``base`` on ``spans`` only; the frames between pass untouched.

    overlay copies every main picture it is handed (it blends in place, and a decoded picture is
    still its decoder's reference), even where its ``enable`` is off: a title over one second of
    a long timeline cost a full-frame copy on every frame. So the base is split into stretches
    (split, trim, concat: references, no copies) and only the shown ones meet overlay.
    """
    b = ctx.b
    if not spans:
        b.add("nullsink", "", (layer,), ())
        return base
    pieces: list[tuple[int, int, bool]] = []
    at = 0
    for lo, hi in spans:
        pieces += [(at, lo, False)] if lo > at else []
        pieces.append((lo, hi, True))
        at = hi
    pieces += [(at, total, False)] if at < total else []
    bases, layers = b.split(base, len(pieces), f"{name}s"), b.split(layer, len(spans), f"{name}l")
    outs: list[str] = []
    for k, (lo, hi, shown) in enumerate(pieces):
        cut = [("trim", f"start_frame={lo}:end_frame={hi}")]
        piece = b.chain(bases[k], f"{name}p{k}_", cut)
        if shown:
            over = b.chain(layers.pop(0), f"{name}q{k}_", cut)
            piece = b.join("overlay", _OVER, [piece, over], f"{name}o{k}")
        outs.append(b.chain(piece, f"{name}r{k}_", [("setpts", "PTS-STARTPTS")]) if lo else piece)
    # back on the frame grid: concat restamps each stretch, and the next layer pairs by timestamp
    return on_frame_grid(ctx, b.join("concat", f"n={len(outs)}:v=1:a=0", outs, f"{name}c"))


def composite(
    ctx: Context,
    layers: list[tuple[str, bool, list[tuple[int, int]] | None]],
    total: int,
    *,
    transparent: bool,
) -> str:
    """Stack layers over the background; the bottom opaque layer is the base when there is one.

    Each layer is (pad, has alpha, the frame stretches where it may show, or None for always).
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
            *colour_source(color, f"{canvas.width}x{canvas.height}", q(canvas.rate), canvas.color_range),
            ("trim", f"end_frame={total}"), ("format", fmt), ("setsar", "1"),
        ])  # fmt: skip
        base = bg
        rest = layers
    else:
        base, rest = layers[0][0], layers[1:]
    for n, (pad, _, spans) in enumerate(rest):
        if spans is None:
            base = b.join("overlay", _OVER, [base, pad], f"{tag}ov{n}")
        else:
            base = _blend_where_shown(ctx, base, pad, spans, total, f"{tag}ov{n}")
    if not rest:
        return base
    steps = [("format", fmt), ("settb", q(1 / ctx.rate)), ("setpts", "N")]
    return b.chain(base, f"{tag}vfmt", steps)
