"""A range of the timeline as a project of its own, for previews of the area around the playhead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import RenderError
from ...model import edits

if TYPE_CHECKING:
    from ...model.project import Project

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
        trs[:] = [
            t
            for t in trs
            if t.from_clip in ids
            and t.to_clip in ids
            and t.duration.to_frames(rate, "nearest")
            <= min(track.item(t.from_clip).frames(rate), track.item(t.to_clip).frames(rate))
        ]
    copy.validate_timeline()
    return copy
