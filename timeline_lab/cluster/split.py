"""Where a timeline may be cut into independently rendered segments without changing a frame."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..render.compile.excerpt import safe_window

if TYPE_CHECKING:
    from ..model.project import Project

__all__ = ["is_clean_cut", "split_points"]


def is_clean_cut(project: Project, k: int) -> bool:
    """True when rendering [.., k) and [k, ..) apart gives the frames the whole render gives.

    ``safe_window`` says how far an excerpt must reach to render a frame as the whole timeline
    does (fades, transitions, freezes, reverses and nested sequences that cross a cut); a clean
    cut is one neither side needs to reach over.
    """
    return safe_window(project, k, k + 1)[0] == k and safe_window(project, k - 1, k)[1] == k


def split_points(project: Project, total: int, parts: int, *, min_frames: int = 1) -> list[int]:
    """Up to ``parts - 1`` clean cuts near the even splits of frames [0, total), each segment at
    least ``min_frames`` long; fewer when the timeline has no clean cut near a target."""
    cuts: list[int] = []
    if parts < 2 or total < 2 * min_frames:
        return cuts
    step = total / parts
    for n in range(1, parts):
        target, last = round(n * step), cuts[-1] if cuts else 0
        reach = max(1, round(step / 2))
        for k in _outward(target, reach):
            if last + min_frames <= k <= total - min_frames and is_clean_cut(project, k):
                cuts.append(k)
                break
    return sorted(set(cuts))


def _outward(target: int, reach: int) -> list[int]:
    """``target``, then the frames around it, nearest first."""
    order = [target]
    for d in range(1, reach + 1):
        order += [target - d, target + d]
    return order
