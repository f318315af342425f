"""A nested sequence's clip: the sequence compiled into the same graph, the span shown cut out of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import RenderError
from .excerpt import excerpt, on_sample_grid, safe_window
from .sound import samples_at, silence_steps
from .stack import Layers, stack_tracks, track_alphas
from .tracks import Context, Piece

if TYPE_CHECKING:
    from ...model.items import SequenceClip

__all__ = ["MAX_NESTING", "nested_piece"]

MAX_NESTING = 32
"""Sequences inside sequences deeper than this are refused (each level is a whole sub-graph)."""


def nested_piece(
    ctx: Context, clip: SequenceClip, start: int, *, video: bool, audio: bool, alpha: bool
) -> Piece:
    """The frames of ``clip``'s sequence it shows, as its own composite (transparent on a layer
    above, so its empty parts show what is below) and mix.

    The sequence is compiled over the smallest window around the span that renders the span as
    the whole sequence would (fades, transitions and reversed clips that cross its edges), then
    trimmed to the span.
    """
    seq = ctx.sequences.get(clip.sequence)
    if seq is None:
        raise RenderError(f"clip {clip.label()!r}: no sequence {clip.sequence!r} in the project")
    if ctx.depth >= MAX_NESTING:
        raise RenderError(f"clip {clip.label()!r}: sequences nested more than {MAX_NESTING} deep")
    rate, n = ctx.rate, clip.frames(ctx.rate)
    first = clip.source_range.start.to_frames(rate)
    lo, hi = safe_window(seq, first, first + n, sound=audio)
    if audio:  # the excerpt's sound is the sequence's moved by whole samples
        lo = on_sample_grid(seq, lo, hi)
    sub = excerpt(seq, lo, hi)
    outer, ctx.sequences = ctx.sequences, {s.id: s for s in sub.sequences}
    ctx.depth += 1
    try:
        layers = Layers(picture=video, sound=audio, burn=True, transparent=alpha)
        vpad, apads = stack_tracks(ctx, sub, hi - lo, layers, track_alphas(seq, layers))
    finally:
        ctx.sequences, ctx.depth = outer, ctx.depth - 1
    tag, skip = ctx.tag(), first - lo
    v = None
    if vpad is not None:
        steps = [("trim", f"start_frame={skip}:end_frame={skip + n}"), ("setpts", "PTS-STARTPTS")]
        if clip.opacity < 1:
            steps += [("format", "yuva420p"), ("colorchannelmixer", f"aa={clip.opacity:.6g}")]
        v = ctx.b.chain(vpad, f"{tag}nv", steps)
    a = _sound(ctx, clip, apads, (start, first, lo, n), tag) if audio else None
    return Piece(v, a, start, n, item_id=clip.id)


def _sound(
    ctx: Context, clip: SequenceClip, pads: list[str], span: tuple[int, int, int, int], tag: str
) -> str:
    """The sequence's tracks mixed (as a project mixes them, without the master stage), cut to the
    span on the sequence's own sample grid and made exactly as many samples as the span lasts on
    the outer timeline."""
    sr, ch, rate = ctx.sample_rate, ctx.channels, ctx.rate
    start, first, lo, n = span
    count = samples_at(start + n, rate, sr) - samples_at(start, rate, sr)
    if not pads:
        return ctx.b.chain("", f"{tag}ns", silence_steps(count, sr, ch))
    mixed = pads[0]
    if len(pads) > 1:
        mixed = ctx.b.join("amix", f"inputs={len(pads)}:duration=longest:normalize=0", pads, f"{tag}nm")
    a0 = samples_at(first, rate, sr) - samples_at(lo, rate, sr)
    steps: list[tuple[str, str]] = [
        ("atrim", f"start_sample={a0}:end_sample={a0 + count}"),
        ("asetpts", "PTS-STARTPTS"),
        ("apad", f"whole_len={count}"),
        ("atrim", f"end_sample={count}"),
    ]
    if clip.volume != 1:
        steps.append(("volume", f"{clip.volume:.6g}"))
    return ctx.b.chain(mixed, f"{tag}na", steps)
