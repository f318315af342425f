"""A track's pieces joined into one stream: hard cuts concatenated, transitions crossfaded, fades
from and to the empty track (OpenTimelineIO's transitions at edges and beside gaps)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import TYPE_CHECKING

from .context import Context, Piece, gap_piece, span_samples
from .graph import q
from .layers import gap_steps
from .sound import silence_steps

if TYPE_CHECKING:
    from ...model.transition import Transition

__all__ = ["XFADE", "join_pieces", "prepare_gaps", "sided"]

XFADE = {
    "dissolve": "fade", "fade_black": "fadeblack", "fade_white": "fadewhite",
    "wipe_left": "wipeleft", "wipe_right": "wiperight", "wipe_up": "wipeup", "wipe_down": "wipedown",
    "slide_left": "slideleft", "slide_right": "slideright", "slide_up": "slideup",
    "slide_down": "slidedown", "circle_open": "circleopen", "circle_close": "circleclose",
}  # fmt: skip
"""Our transition kinds -> FFmpeg xfade transition names."""


def sided(tr: Transition, enabled: set[str]) -> Transition:
    """``tr`` with a disabled clip's side left empty."""
    sides = {k: None for k in ("from_clip", "to_clip") if getattr(tr, k) not in enabled}
    return tr.model_copy(update=sides) if sides else tr


def prepare_gaps(
    ctx: Context, pieces: list[Piece], out_of: dict[str, Transition], *, video: bool, audio: bool, alpha: bool
) -> list[Piece]:
    """The gaps a track's fades need (at its edges too), with their overlaps, as background pads."""
    pieces = _open_gaps(_edge_gaps(ctx, pieces, out_of), out_of, ctx.rate)
    for piece in pieces:
        if piece.item_id is None:
            _fill_gap(ctx, piece, video=video, audio=audio, alpha=alpha)
    return pieces


def _edge_gaps(ctx: Context, pieces: list[Piece], out_of: dict[str, Transition]) -> list[Piece]:
    """A zero-frame gap beside each fade that has no gap to fade over (at a track edge)."""
    out: list[Piece] = []
    for n, piece in enumerate(pieces):
        if piece.joins is not None and piece.joins.from_clip is None and not _is_gap(out[-1:]):
            out.append(gap_piece(piece.start, 0))
        out.append(piece)
        tr = out_of.get(piece.item_id or "")
        if tr is not None and tr.to_clip is None and not _is_gap(pieces[n + 1 : n + 2]):
            out.append(gap_piece(piece.start + piece.frames, 0))
    return out


def _is_gap(pieces: list[Piece]) -> bool:
    return bool(pieces) and pieces[0].item_id is None


def _open_gaps(pieces: list[Piece], out_of: dict[str, Transition], rate: Fraction) -> list[Piece]:
    """Give the gaps beside fades their overlap: frames before (a fade out) and after (a fade in)."""
    for prev, piece in itertools.pairwise(pieces):
        tr = out_of.get(prev.item_id or "")
        if tr is not None and tr.to_clip is None and piece.item_id is None:
            piece.before, piece.joins = tr.handles(rate)[1], tr
        if piece.joins is not None and piece.joins.from_clip is None and prev.item_id is None:
            prev.after = piece.joins.handles(rate)[0]
    return pieces


def _fill_gap(ctx: Context, piece: Piece, *, video: bool, audio: bool, alpha: bool) -> None:
    """Background (or transparent) frames and silence for a gap, its fade overlaps included."""
    tag, span = ctx.tag(), piece.before + piece.frames + piece.after
    first = piece.start - piece.before
    if video:
        piece.video = ctx.b.chain("", f"{tag}g", gap_steps(span, ctx.canvas, alpha=alpha))
    if audio:
        samples = span_samples(ctx, first, first + span)
        piece.audio = ctx.b.chain("", f"{tag}s", silence_steps(samples, ctx.sample_rate, ctx.channels))


def join_pieces(ctx: Context, pieces: list[Piece], *, alpha: bool) -> tuple[str | None, str | None]:
    """Hard cuts become one concat; transitions become xfade/acrossfade between neighbours."""
    runs: list[tuple[str | None, str | None]] = []
    first = pieces[0]
    run_v, run_a, run_len, prev = first.video, first.audio, first.span, first
    for piece in pieces[1:]:
        tr = piece.joins
        if tr is not None:
            d = prev.after + piece.before
            cut = piece.start
            tag = ctx.tag()
            if run_v and piece.video:
                if alpha and tr.kind == "dissolve" and None in (tr.from_clip, tr.to_clip):
                    run_v = _alpha_fade(ctx, run_v, run_len, piece, d, tag)
                else:
                    run_v = _xfade(ctx, tr, run_v, run_len, piece.video, piece.span, d, tag, alpha=alpha)
            if run_a and piece.audio:
                ns = span_samples(ctx, cut - piece.before, cut + prev.after)
                run_a = ctx.b.join("acrossfade", f"ns={ns}:c1=tri:c2=tri", [run_a, piece.audio], f"{tag}xa")
            run_len += piece.span - d
        else:
            runs.append((run_v, run_a))
            run_v, run_a, run_len = piece.video, piece.audio, piece.span
        prev = piece
    runs.append((run_v, run_a))
    return _concat(ctx, [v for v, _ in runs], "v"), _concat(ctx, [a for _, a in runs], "a")


def _xfade(
    ctx: Context,
    tr: Transition,
    run: str,
    run_len: int,
    video: str,
    span: int,
    d: int,
    tag: str,
    *,
    alpha: bool = False,
) -> str:
    """FFmpeg's xfade over the last ``d`` frames of the run so far and the first ``d`` of ``video``.

    Only those ``d`` frames of each side go through xfade; the rest goes around it (split, trim,
    concat). xfade takes no subsampled formats in newer FFmpeg, so every frame it sees is
    converted to 4:4:4 and back (a whole clip on each side of every transition paid that before
    the split). A dissolve of opaque 4:2:0 pictures skips xfade (``_dissolve``).
    """
    b = ctx.b
    # both sides on the frame grid from 0 (a run ending in a concat is in microseconds; xfade
    # wants one time base on both inputs)
    grid: list[tuple[str, str]] = [("settb", q(1 / ctx.rate)), ("setpts", "N")]
    head: str | None = None
    if run_len > d:
        first, last = b.split(run, 2, f"{tag}xs")
        head = b.chain(first, f"{tag}xh", [("trim", f"end_frame={run_len - d}")])
        tail = b.chain(last, f"{tag}xt", [("trim", f"start_frame={run_len - d}"), *grid])
    else:
        tail = b.chain(run, f"{tag}xt", grid)
    rest = None
    if span > d:
        early, late = b.split(video, 2, f"{tag}ys")
        lead = b.chain(early, f"{tag}yl", [("trim", f"end_frame={d}"), *grid])
        rest = b.chain(late, f"{tag}yr", [("trim", f"start_frame={d}"), ("setpts", "PTS-STARTPTS")])
    else:
        lead = b.chain(video, f"{tag}yl", grid)
    if tr.kind == "dissolve" and not alpha and ctx.canvas.pix_fmt == "yuv420p":
        mixed = _dissolve(ctx, tail, lead, d, tag)
    else:
        mixed = b.join(
            "xfade",
            f"transition={XFADE.get(tr.kind, 'fade')}:duration={float(Fraction(d) / ctx.rate):.9f}:offset=0",
            [tail, lead],
            f"{tag}xf",
        )
    parts = [p for p in (head, mixed, rest) if p is not None]
    return b.join("concat", f"n={len(parts)}:v=1:a=0", parts, f"{tag}xc") if len(parts) > 1 else mixed


def _dissolve(ctx: Context, tail: str, lead: str, d: int, tag: str) -> str:
    """xfade's ``fade`` (frame ``k`` of ``d`` shows ``k/d`` of the incoming picture) on 4:2:0 as it
    is: the incoming frames get an alpha plane ramped by ``fade`` and go over the outgoing ones.

    Why: xfade's round trip through 4:4:4 costs ~17 ms a 1080p frame, this ~2 ms; the blend is the
    same weights, rounded instead of truncated (within one level).
    """
    ramp = ctx.b.chain(lead, f"{tag}xd", [("format", "yuva420p"), ("fade", f"t=in:s=0:n={d}:alpha=1")])
    return ctx.b.join("overlay", "x=0:y=0:format=yuv420:eof_action=pass", [tail, ramp], f"{tag}xf")


def _alpha_fade(ctx: Context, run: str, run_len: int, piece: Piece, d: int, tag: str) -> str:
    """A dissolve to or from the empty part of a layer above: the clip's opacity ramps instead.

    xfade would blend the clip's colour with the transparent gap's black and darken the middle;
    ramping alpha shows ``(1 - w) * below + w * clip``, a true dissolve with what is underneath.
    """
    assert piece.video is not None
    cut = [("setpts", "PTS-STARTPTS")]
    if piece.item_id is not None:  # fade in: the gap before gives up its last d frames
        tail = ctx.b.chain(piece.video, f"{tag}fa", [("fade", f"t=in:s=0:n={d}:alpha=1")])
        if run_len == d:  # nothing before it: the gap is all overlap (a fade in at the track start)
            ctx.b.add("nullsink", "", (run,), ())
            return tail
        head = ctx.b.chain(run, f"{tag}ft", [("trim", f"end_frame={run_len - d}"), *cut])
    else:  # fade out: the run's last d frames fade; the gap after gives up its first d frames
        head = ctx.b.chain(run, f"{tag}fa", [("fade", f"t=out:s={run_len - d}:n={d}:alpha=1")])
        if piece.span == d:  # nothing after it: the gap is all overlap (a fade out at the track end)
            ctx.b.add("nullsink", "", (piece.video,), ())
            return head
        tail = ctx.b.chain(piece.video, f"{tag}ft", [("trim", f"start_frame={d}"), *cut])
    return ctx.b.join("concat", "n=2:v=1:a=0", [head, tail], f"{tag}fc")


def _concat(ctx: Context, pads: list[str | None], kind: str) -> str | None:
    real = [p for p in pads if p]
    if not real:
        return None
    if len(real) == 1:
        return real[0]
    args = f"n={len(real)}:v=1:a=0" if kind == "v" else f"n={len(real)}:v=0:a=1"
    return ctx.b.join("concat", args, real, f"{ctx.tag()}c{kind}")
