"""One frame of the edited timeline, rendered exactly as the full render would show it.

The paused preview shows this: the smallest excerpt around the frame that the engine composites
the same as the whole timeline, rendered to lossless PNG.
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import RenderError
from ..model.time import RationalTime
from .compile.compiler import compile_plan
from .execute.runner import execute
from .plan import ExportSettings

if TYPE_CHECKING:
    from ..media._decoder import TimeLike
    from ..model.project import Project

__all__ = ["timeline_frame"]


def _window(project: Project, k: int) -> tuple[int, int]:
    """Frames [first, end) to render so that cutting the timeline there cannot change frame ``k``.

    An excerpt splits the items at its edges, and a split piece restarts its fades, its freeze
    frame and its reverse, and loses transitions it is too short for. So the window reaches back
    over any fade that a split would restart at or before ``k``, and covers whole items that
    reverse or freeze and both clips of a transition under ``k``.
    """
    from ..model.edits import end_frame, start_frame

    rate = project.settings.frame_rate
    first, end = k, k + 1
    for track in project.tracks:
        if not track.enabled or track.kind == "audio":  # sound cannot change a picture
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
    return fade_in, fade_out, whole


def timeline_frame(
    project: Project, t: TimeLike, *, scale: Fraction | int = Fraction(1, 2)
) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """RGB pixels of the composited timeline at ``t`` (a time or a timeline frame), rendered at ``scale``.

    Renders the smallest excerpt around ``t`` that the render engine composites exactly as the
    full timeline (see ``_window``) to lossless PNG, and returns frame ``t`` of it.
    """
    from PIL import Image

    rate = project.settings.frame_rate
    if isinstance(t, RationalTime):
        k = t.to_frames(rate)
    elif isinstance(t, int) and not isinstance(t, bool):
        k = t
    else:
        raise TypeError(f"t: expected a RationalTime or a frame index (int), got {type(t).__name__}")
    total = project.duration().to_frames(rate)
    if not 0 <= k < total:
        raise RenderError(f"timeline frame {k} ({t}) is outside the timeline (0 to {total} frames)")
    first, end = _window(project, k)
    with tempfile.TemporaryDirectory(prefix="tl-frame-") as tmp:
        export = ExportSettings(path=Path(tmp) / "frames", format="png-sequence")
        execute(compile_plan(project, export, frames=(first, min(end, total)), scale=scale))
        with Image.open(Path(tmp) / "frames" / f"frame_{k - first:06d}.png") as img:
            return np.asarray(img.convert("RGB"))
