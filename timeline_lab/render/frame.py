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
from .compile.excerpt import safe_window
from .execute.runner import execute
from .plan import ExportSettings

if TYPE_CHECKING:
    from ..media._decoder import TimeLike
    from ..model.project import Project

__all__ = ["timeline_frame"]


def timeline_frame(
    project: Project, t: TimeLike, *, scale: Fraction | int = Fraction(1, 2)
) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """RGB pixels of the composited timeline at ``t`` (a time or a timeline frame), rendered at ``scale``.

    Renders the smallest excerpt around ``t`` that the render engine composites exactly as the
    full timeline (see ``safe_window``) to lossless PNG, and returns frame ``t`` of it.
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
    first, end = safe_window(project, k, k + 1)
    with tempfile.TemporaryDirectory(prefix="tl-frame-") as tmp:
        export = ExportSettings(path=Path(tmp) / "frames", format="png-sequence")
        execute(compile_plan(project, export, frames=(first, min(end, total)), scale=scale))
        with Image.open(Path(tmp) / "frames" / f"frame_{k - first:06d}.png") as img:
            return np.asarray(img.convert("RGB"))
