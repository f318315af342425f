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

__all__ = ["STRIDE_SLACK", "average_frame", "frame_ends", "frame_spans", "sampling_step", "strided_hole"]

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


def average_frame(frames: Sequence[int], pts: Sequence[Fraction]) -> Fraction | None:
    """One source's exact time span over its frame span, the frame length a table alone tells (exact
    for constant-rate video); None for fewer than two distinct frames."""
    if not frames:
        return None
    (f0, t0), (f1, t1) = min(zip(frames, pts, strict=True)), max(zip(frames, pts, strict=True))
    return None if f1 == f0 else (t1 - t0) / (f1 - f0)


def frame_ends(
    source: str,
    frames: Sequence[int],
    pts: Sequence[Fraction],
    length: Fraction | None = None,
    *,
    seen: tuple[Sequence[int], Sequence[Fraction]] | None = None,
) -> list[Fraction] | None:
    """When each of ``source``'s ``frames`` (shown at ``pts``) leaves the screen: ``pts + length``
    when given, else when the file's next frame replaces it (:func:`frame_spans`), else (the file
    unreadable, or not the one the table saw) ``pts`` plus the :func:`average_frame` of ``seen``
    (every frame and time the table saw of ``source``; default: these); None when none of these
    can time them (one frame of an unreadable file)."""
    if length is None:
        spans = frame_spans(source, frames)
        if spans is not None:
            return [end for _, end in spans]
        length = average_frame(*(seen if seen is not None else (frames, pts)))
        if length is None:
            return None
    return [t + length for t in pts]


def sampling_step(points: np.ndarray[Any, Any]) -> float | None:
    """The stride of a sampling that saw ``points`` (times or frame indices), guessed: the smallest
    step between two distinct ones; None for fewer than two."""
    steps = np.diff(np.unique(points))
    steps = steps[steps > 0]
    return float(steps.min()) if steps.size else None


def strided_hole(step: float | None, length: float) -> float:
    """The longest hole, from one sample's end to the next one's start, that sampling every ``step``
    (seconds or frames) leaves in a continuous presence: ``STRIDE_SLACK`` steps less a sample's own
    ``length`` (0 for no step, or one no longer than a sample)."""
    return 0.0 if step is None else max(0.0, step * STRIDE_SLACK - length)
