"""A range of the timeline as a project of its own, for previews of the area around the playhead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ProjectError, RenderError
from ...model import edits
from ...model.edits import end_frame, start_frame
from ...model.items import SequenceClip, TextClip
from ...model.time import RationalTime
from ...model.validation import check_transitions

if TYPE_CHECKING:
    from fractions import Fraction

    from ...model.project import Project
    from ...model.track import Track
    from ...model.transition import Transition

__all__ = ["excerpt", "safe_window"]


def excerpt(project: Project, first: int, end: int) -> Project:
    """Frames [first, end) of ``project`` moved to start at 0 (the original is not touched)."""
    from ...model.project import Project

    if not 0 <= first < end:
        raise RenderError(f"excerpt frames {first}..{end}: need 0 <= first < end")
    copy = Project.model_validate(project.model_dump())
    rate = copy.settings.frame_rate
    for track in copy.tracks:
        items, trs = track.items, track.transitions
        titles = [(edits.start_frame(i, rate), i) for i in items if isinstance(i, TextClip) and i.keyframes]
        edits.split_at(items, trs, first, rate)
        edits.split_at(items, trs, end, rate)
        keep = [i for i in items if first <= edits.start_frame(i, rate) and edits.end_frame(i, rate) <= end]
        keep = [_title_keyframes(i, titles, rate) if isinstance(i, TextClip) else i for i in keep]
        ids = {i.id for i in keep}
        items[:] = [edits.placed(i, edits.start_frame(i, rate) - first, rate) for i in keep]
        track.trailing_gap = RationalTime.from_frames(max(0, end - first - track.items_end()), rate)
        trs[:] = _fitting(track, [t for t in trs if {t.from_clip, t.to_clip} - {None} <= ids], rate)
    # markers (chapters) where the excerpt shows them
    start = RationalTime.from_frames(first, rate)
    copy.markers[:] = [
        m.model_copy(update={"time": m.time - start})
        for m in copy.markers
        if first <= m.time.to_frames(rate) < end
    ]
    copy.validate_timeline()
    return copy


def _title_keyframes(piece: TextClip, titles: list[tuple[int, TextClip]], rate: Fraction) -> TextClip:
    """A cut title keeps its animation: its keyframes (clip-relative) move back by the part cut off."""
    at = edits.start_frame(piece, rate)
    for start, whole in titles:
        if start < at < start + whole.frames(rate):
            shift = RationalTime.from_frames(at - start, rate)
            keyframes = {
                k: [kf.model_copy(update={"time": kf.time - shift}) for kf in v]
                for k, v in whole.keyframes.items()
            }
            return piece.model_copy(update={"keyframes": keyframes})
    return piece


def _fitting(track: Track, candidates: list[Transition], rate: Fraction) -> list[Transition]:
    """The transitions the cut-down clips can still carry (those cut at the edges are dropped)."""
    kept: list[Transition] = []
    for tr in candidates:
        track.transitions[:] = [*kept, tr]
        try:
            check_transitions(track, rate)
        except ProjectError:
            continue
        kept.append(tr)
    return kept


def safe_window(project: Project, first: int, end: int, *, sound: bool = False) -> tuple[int, int]:
    """Frames to excerpt so that frames [first, end) come out as in the whole timeline (their
    sound too, with ``sound``: sound tracks' fades then count).

    Cutting changes only what crosses a cut, so the window around the first and the last frame
    asked for covers everything (see ``_window``).
    """
    a0, a1 = _window(project, first, sound)
    b0, b1 = _window(project, end - 1, sound)
    return min(a0, b0), max(a1, b1, end)


def _window(project: Project, k: int, sound: bool = False) -> tuple[int, int]:
    """Frames [first, end) to render so that cutting the timeline there cannot change frame ``k``.

    An excerpt splits the items at its edges, and a split piece restarts its fades, its freeze
    frame and its reverse, and loses transitions it is too short for. So the window reaches back
    over any fade that a split would restart at or before ``k``, and covers whole items that
    reverse or freeze and both clips of a transition under ``k``.
    """
    rate = project.settings.frame_rate
    first, end = k, k + 1
    for track in project.tracks:
        if not track.enabled or (track.kind == "audio" and not sound):  # sound changes no picture
            continue
        spans = {i.id: (start_frame(i, rate), end_frame(i, rate), i) for i in track.items}
        under = {iid for iid, (s, e, _) in spans.items() if s <= k < e}
        for tr in track.transitions:
            sides = {c for c in (tr.from_clip, tr.to_clip) if c in spans}
            if not sides:
                continue
            cut = spans[tr.from_clip][1] if tr.from_clip in spans else spans[str(tr.to_clip)][0]
            frames = tr.duration.to_frames(rate, "nearest")
            if cut - frames <= k < cut + frames:
                first = min(first, cut - frames)
                end = max(end, cut + frames)
                under |= sides
        for iid in under:
            s, e, item = spans[iid]
            fade_in, fade_out, whole = _sensitivity(item)
            if whole:
                first, end = min(first, s), max(end, e)
            # a piece fades over min(n, its length) frames from its own edge, so either k lies in
            # the original fade and the piece keeps that edge and the whole fade, or the piece's
            # own fade must end before k
            if fade_in:
                if k < s + fade_in:
                    first, end = min(first, s), max(end, min(e, s + fade_in))
                else:
                    first = min(first, k - fade_in)
            if fade_out:
                if k >= e - fade_out:
                    first, end = min(first, max(s, e - fade_out)), max(end, e)
                else:
                    end = max(end, k + 1 + fade_out)
    return max(0, first), end


def _sensitivity(item: Any) -> tuple[int, int, bool]:
    """(fade-in frames, fade-out frames, whole?) of an item: what a split at its edges would change."""
    fade_in = int(getattr(item, "fade_in_frames", 0))
    fade_out = int(getattr(item, "fade_out_frames", 0))
    whole = False
    for fx in getattr(item, "effects", ()):
        if not fx.enabled:
            continue
        if fx.kind == "fade_in":
            fade_in = max(fade_in, int(fx.params["frames"]))
        elif fx.kind == "fade_out":
            fade_out = max(fade_out, int(fx.params["frames"]))
        elif fx.kind in ("reverse", "freeze") or "." in fx.kind:  # plugins: unknown timing, keep whole
            whole = True
    return fade_in, fade_out, whole or isinstance(item, SequenceClip)  # its inside is a timeline
