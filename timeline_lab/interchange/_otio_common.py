"""What OTIO import and export share: our metadata key, track kinds and exact time conversions."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..errors import ProjectError, ProjectFileError
from ..model.time import RationalTime, TimeRange, parse_rate

__all__ = [
    "KEY",
    "KINDS",
    "MAX_PICTURE_RATE",
    "OTIO_METADATA",
    "START_TIME",
    "adapter_module",
    "exact",
    "exact_rate",
    "foreign_metadata",
    "ort",
    "ortr",
    "our_data",
    "ours_as_metadata",
    "start_time",
]

KEY = "timeline_lab"
JSON = "json"
"""Under ``metadata[KEY]``: our data as one JSON string (OTIO's metadata sorts keys and rounds
floats a step: 0.43126050085335277 came back 0.4312605008533528); older files hold a plain object."""
OTIO_METADATA = "otio"
"""The project metadata key holding a foreign timeline's own metadata."""
START_TIME = "otio_start_time"
"""The project metadata key holding the timeline's start timecode (OTIO's ``global_start_time``, an
editor's 01:00:00:00) exactly, to write back: the project itself counts from 0."""
MAX_PICTURE_RATE = 240
"""Rates above this are sample clocks (a WAV's 48000), not frame rates."""
KINDS = {"video": otio.schema.TrackKind.Video, "audio": otio.schema.TrackKind.Audio}


def adapter_module(name: str) -> Any | None:
    """The module OpenTimelineIO's plugin system loaded for an adapter (not importable by its own
    name), to patch; None where the interchange extra is not installed: nothing to patch."""
    try:
        return otio.adapters.from_name(name).module()
    except Exception:  # no such plugin, or it failed to load
        return None


def ort(t: RationalTime) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(float(t.value), float(t.rate))


def ortr(r: TimeRange) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(ort(r.start), ort(r.duration))


def exact_rate(rate: float) -> Fraction:
    """OTIO stores rates as floats; 29.97002997 means 30000/1001."""
    f = Fraction(rate).limit_denominator(1001)
    return parse_rate(f)


def exact(t: otio.opentime.RationalTime, rate: Fraction | None = None) -> RationalTime:
    r = rate if rate is not None else exact_rate(t.rate)
    value = Fraction(t.value).limit_denominator(1_000_000)
    return RationalTime(value * r / exact_rate(t.rate), r)


def start_time(project_metadata: dict[str, Any], rate: Fraction) -> RationalTime:
    """The timeline's start timecode kept in a project's metadata, at ``rate`` (0 where none is kept);
    a value that is not an exact time is named."""
    kept = project_metadata.get(START_TIME)
    if kept is None:
        return RationalTime(0, rate)
    try:
        return RationalTime.from_json(kept).rescaled_to(rate)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ProjectError(f"metadata.{START_TIME}: {exc}") from None


def _plain(x: Any) -> Any:
    """OTIO metadata comes back as AnyDictionary/AnyVector; the model wants plain JSON values."""
    if hasattr(x, "items"):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, str | bytes):
        return x
    if hasattr(x, "__iter__"):
        return [_plain(v) for v in x]
    return x


def foreign_metadata(obj: Any) -> dict[str, Any]:
    """Other tools' metadata on an OTIO object as plain JSON (OTIO objects in it as OTIO writes
    them), ours left out: what a project can keep and write back."""
    if all(key == KEY for key in obj.metadata):  # ours alone (every object we wrote): no JSON round trip
        return {}
    holder = otio.core.SerializableObjectWithMetadata(metadata=obj.metadata)
    doc: dict[str, Any] = json.loads(holder.to_json_string())["metadata"]
    doc.pop(KEY, None)
    return doc


def ours_as_metadata(data: dict[str, Any]) -> dict[str, str]:
    """Our data as OTIO metadata: one JSON string, so floats keep every bit and keys their order."""
    return {JSON: json.dumps(data, ensure_ascii=False)}


def our_data(obj: Any) -> dict[str, Any] | None:
    """Our metadata on an OTIO object (None where there is none): the JSON string we write, or the
    plain object older files hold; anything else there is a damaged file, named (it failed later as
    an AttributeError naming nothing)."""
    m = obj.metadata.get(KEY)
    if m is None:
        return None
    what = f"{type(obj).__name__} {json.dumps(getattr(obj, 'name', '') or '')}: metadata.{KEY}"
    data = _plain(m)
    if isinstance(data, dict) and isinstance(data.get(JSON), str):
        try:
            data = json.loads(data[JSON])
        except ValueError as exc:
            raise ProjectFileError(f"{what}.{JSON}: not JSON ({exc})") from None
        what += f".{JSON}"
    if not isinstance(data, dict):
        raise ProjectFileError(f"{what}: expected an object, got {type(data).__name__}")
    return data
