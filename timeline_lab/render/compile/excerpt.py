"""A range of the timeline as a project of its own, for previews of the area around the playhead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import ProjectError, RenderError
from ...model import edits
from ...model.time import RationalTime
from ...model.validation import check_transitions

if TYPE_CHECKING:
    from fractions import Fraction

    from ...model.project import Project
    from ...model.track import Track
    from ...model.transition import Transition

__all__ = ["excerpt"]


def excerpt(project: Project, first: int, end: int) -> Project:
    """Frames [first, end) of ``project`` moved to start at 0 (the original is not touched)."""
    from ...model.project import Project

    if not 0 <= first < end:
        raise RenderError(f"excerpt frames {first}..{end}: need 0 <= first < end")
    copy = Project.model_validate(project.model_dump())
    rate = copy.settings.frame_rate
    for track in copy.tracks:
        items, trs = track.items, track.transitions
        edits.split_at(items, trs, first, rate)
        edits.split_at(items, trs, end, rate)
        keep = [i for i in items if first <= edits.start_frame(i, rate) and edits.end_frame(i, rate) <= end]
        ids = {i.id for i in keep}
        items[:] = [edits.placed(i, edits.start_frame(i, rate) - first, rate) for i in keep]
        track.trailing_gap = RationalTime.from_frames(max(0, end - first - track.items_end()), rate)
        trs[:] = _fitting(track, [t for t in trs if {t.from_clip, t.to_clip} - {None} <= ids], rate)
    copy.validate_timeline()
    return copy


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
