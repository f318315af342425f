"""Foreign OTIO values checked before any arithmetic: every bad one named by its place in the file."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import opentimelineio as otio

from ..errors import ProjectFileError
from ..model.speed_ramp import MAX_SPEED, MIN_SPEED

__all__ = ["check_times"]

_MIN_RATE = 1 / 1001
"""The slowest clock a time may count in (what ``exact_rate`` reads at 1/1001 steps; 1e-9 read as 0)."""


def check_times(tl: otio.schema.Timeline) -> None:
    """Refuse infinite/NaN values, rates <= 0, negative lengths and clips of unknown length before
    any arithmetic turns them into OverflowError, an overlap or a message naming no field (OTIO's
    JSON reader accepts ``Infinity`` and ``NaN``)."""
    _check_time(tl.global_start_time, "timeline global_start_time")
    _check_range(tl.tracks.source_range, "tracks source_range")
    for mk in tl.tracks.markers:
        _check_range(mk.marked_range, f"marker {json.dumps(mk.name)} marked_range")
    _check_stack(tl.tracks, "tracks")


def _check_stack(stack: otio.schema.Stack, where: str) -> None:
    """Each track of a stack (the timeline's, or a nested sequence's) and everything in it."""
    for n, track in enumerate(stack):
        _check_range(track.source_range, f"{where}[{n}] source_range")
        if isinstance(track, otio.schema.Track):
            _check_track(track, f"{where}[{n}]")


def _check_track(track: otio.schema.Track, where: str) -> None:
    for m, child in enumerate(track):
        label = f"{where}[{m}] {type(child).__name__.lower()}"
        label += f" {json.dumps(child.name)}" if child.name else ""
        if isinstance(child, otio.schema.Transition):
            _check_length(child.in_offset, f"{label} in_offset")
            _check_length(child.out_offset, f"{label} out_offset")
            continue
        _check_range(child.source_range, f"{label} source_range")
        ref = getattr(child, "media_reference", None)
        if ref is not None:
            _check_range(ref.available_range, f"{label} media_reference.available_range")
        if isinstance(child, otio.schema.Clip):
            _check_known_length(child, label)
        _check_warps(child, label)
        for mk in getattr(child, "markers", ()):
            _check_range(mk.marked_range, f"{label} marker {json.dumps(mk.name)} marked_range")
        if isinstance(child, otio.schema.Stack):  # a nested sequence
            _check_stack(child, f"{where}[{m}]")
        elif isinstance(child, otio.schema.Track):
            _check_track(child, f"{where}[{m}]")


def _check_known_length(clip: otio.schema.Clip, label: str) -> None:
    """OTIO takes a clip without source_range as its media's available_range: one must be there."""
    ref = clip.media_reference
    if clip.source_range is None and (ref is None or ref.available_range is None):
        msg = f"{label}: has neither source_range nor media_reference.available_range, so no length"
        raise ProjectFileError(msg)


def _check_warps(item: otio.core.Item, label: str) -> None:
    """A speed (LinearTimeWarp's time_scalar) the model can play: 0 (a freeze), else within the
    model's speeds, either way (negative: reversed)."""
    for k, fx in enumerate(item.effects):
        if not isinstance(fx, otio.schema.LinearTimeWarp):
            continue
        scalar = fx.time_scalar  # (read as the importer does: to 1/1000)
        speed = abs(Fraction(scalar).limit_denominator(1000)) if math.isfinite(scalar) else None
        if speed is None or (scalar and not MIN_SPEED <= speed <= MAX_SPEED):
            bounds = f"{float(MIN_SPEED):g}..{float(MAX_SPEED):g}"
            msg = f"{label} effects[{k}] time_scalar: must be 0 (a freeze) or within {bounds} either way "
            raise ProjectFileError(msg + f"(negative: reversed), got {scalar:g}")


def _check_range(r: otio.opentime.TimeRange | None, what: str) -> None:
    if r is not None:
        _check_time(r.start_time, f"{what}.start_time")
        _check_length(r.duration, f"{what}.duration")


def _check_length(t: otio.opentime.RationalTime | None, what: str) -> None:
    """A duration or a transition's offset: finite, and not negative."""
    _check_time(t, what)
    if t is not None and t.value < 0:
        raise ProjectFileError(f"{what}.value: must not be negative, got {t.value:g}")


def _check_time(t: otio.opentime.RationalTime | None, what: str) -> None:
    if t is None:
        return
    if not (math.isfinite(t.rate) and t.rate > 0):
        raise ProjectFileError(f"{what}.rate: must be a positive finite number, got {t.rate}")
    if t.rate < _MIN_RATE:
        raise ProjectFileError(f"{what}.rate: must be at least 1/1001, got {t.rate:g}")
    if not math.isfinite(t.value):
        raise ProjectFileError(f"{what}.value: must be a finite number, got {t.value}")
