"""One track -> one picture stream and one sound stream covering the whole timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...model.items import Clip, Gap, SequenceClip, TextClip
from .context import Context, NestedBuilder, Piece, gap_piece
from .joins import XFADE, join_pieces, prepare_gaps, sided
from .pieces import clip_piece, media_origin, text_piece

if TYPE_CHECKING:
    from ...model.track import Track

__all__ = ["XFADE", "Context", "NestedBuilder", "Piece", "build_track", "media_origin"]


def build_track(
    ctx: Context, track: Track, total: int, *, video: bool, audio: bool, alpha: bool
) -> tuple[str | None, str | None]:
    """Pads carrying this track over frames [0, total): clips, gaps, transitions joined."""
    rate = ctx.rate
    enabled = {i.id for i in track.items if isinstance(i, Clip) and i.enabled}
    # a transition touching a disabled clip fades to or from the empty track that clip leaves
    trs = [sided(t, enabled) for t in track.transitions if {t.from_clip, t.to_clip} & enabled]
    into = {t.to_clip: t for t in trs if t.to_clip}
    out_of = {t.from_clip: t for t in trs if t.from_clip}
    pieces: list[Piece] = []
    cursor = 0
    for item in track.items_with_gaps():
        start = item.start.to_frames(rate)
        if isinstance(item, Gap):
            pieces.append(gap_piece(start, item.duration.to_frames(rate)))
        elif isinstance(item, TextClip):
            pieces.append(
                text_piece(ctx, item, start, audio=audio, wrap=track.kind == "subtitle")
                if video
                else gap_piece(start, item.frames(rate))
            )
        elif isinstance(item, SequenceClip) and item.enabled:
            assert ctx.nest is not None, "a Context without a nested-sequence builder"
            pieces.append(ctx.nest(ctx, item, start, video=video, audio=audio, alpha=alpha))
        elif item.id in enabled:
            assert isinstance(item, Clip)
            tin, tout = into.get(item.id), out_of.get(item.id)
            before = tin.handles(rate)[1] if tin else 0
            after = tout.handles(rate)[0] if tout else 0
            piece = clip_piece(
                ctx, item, start, before, after, video=video, audio=audio, alpha=alpha, gain=item.volume
            )
            piece.joins = tin
            pieces.append(piece)
        else:
            pieces.append(gap_piece(start, item.frames(rate)))
        cursor = start + pieces[-1].frames
    if cursor < total:
        pieces.append(gap_piece(cursor, total - cursor))
    pieces = prepare_gaps(ctx, pieces, out_of, video=video, audio=audio, alpha=alpha)
    return join_pieces(ctx, pieces, alpha=alpha)
