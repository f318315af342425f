"""When sampled frames are on screen, and how far apart a strided sampling sees them.

Recognition's segments and analysis' zones both turn sightings on some frames of a file into
spans of presence; they share these rules so the two agree to the frame: each frame lasts until
the file's next frame replaces it, and a hole no longer than a strided read leaves is no absence.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import TimelineLabError
from .clips import source_range
from .probe import probe
from .reference import reference_from_info
from .timestamps import stream_times

__all__ = ["STRIDE_SLACK", "frame_spans", "sampling_step", "strided_hole"]

STRIDE_SLACK = 1.5
"""Sampling steps a hole may span and still be the sampling's (strides jitter: 2, 3, 2, 3...)."""


def frame_spans(source: str, frames: Sequence[int]) -> list[tuple[Fraction, Fraction]] | None:
    """``[start, end)`` source seconds of each of ``source``'s ``frames`` as clips count them
    (``media.clips.source_range``): a variable-rate frame from its own time until the next frame's,
    a constant-rate frame its slot; None when the file cannot be read or lacks one of the frames."""
    try:
        info = probe(source)
        video = info.primary_video
        if video is None:
            return None
        ref = reference_from_info(info)
        times = stream_times(source, video.index)
    except (TimelineLabError, OSError):  # the file moved or is not readable: the caller's fallback
        return None
    if any(not 0 <= k < times.count for k in frames):
        return None  # not this file's frames (it changed since)
    if not ref.variable_rate:
        spans = (source_range(ref, k, 1) for k in frames)
        return [(r.start.to_seconds(), r.end_exclusive().to_seconds()) for r in spans]
    # (source_range's own rule, without its probe per frame: frame k's span in the stream's ticks)
    tb = times.time_base
    return [(a * tb, (a + d) * tb) for a, d in (times.frames_span(k, 1) for k in frames)]


def sampling_step(points: np.ndarray[Any, Any]) -> float | None:
    """The stride of a sampling that saw ``points`` (times or frame indices): the smallest step
    between two distinct ones; None for fewer than two."""
    steps = np.diff(np.unique(points))
    steps = steps[steps > 0]
    return float(steps.min()) if steps.size else None


def strided_hole(points: np.ndarray[Any, Any], length: float) -> float:
    """The longest hole, from one sample's end to the next one's start, that sampling at ``points``
    leaves in a continuous presence: ``STRIDE_SLACK`` steps less a sample's own ``length`` (0 for
    fewer than two points)."""
    step = sampling_step(points)
    return 0.0 if step is None else step * STRIDE_SLACK - length
