"""Markers between OTIO and the model: OTIO's named colours and comments, and where a clip's or a
track's markers fall on the timeline (OTIO keeps them in the item's own time)."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..model.marker import Marker
from ..model.time import RationalTime
from ._otio_common import KEY, exact, ort, our_data

__all__ = ["COLORS", "left_out", "marker_from_otio", "marker_to_otio", "nearest_color", "shifted"]

COLORS = {
    otio.schema.MarkerColor.PINK: "#ff80c0",
    otio.schema.MarkerColor.RED: "#ff0000",
    otio.schema.MarkerColor.ORANGE: "#ff8000",
    otio.schema.MarkerColor.YELLOW: "#ffcc00",  # the model's default marker colour
    otio.schema.MarkerColor.GREEN: "#00ff00",
    otio.schema.MarkerColor.CYAN: "#00ffff",
    otio.schema.MarkerColor.BLUE: "#0000ff",
    otio.schema.MarkerColor.PURPLE: "#8000ff",
    otio.schema.MarkerColor.MAGENTA: "#ff00ff",
    otio.schema.MarkerColor.BLACK: "#000000",
    otio.schema.MarkerColor.WHITE: "#ffffff",
}
"""OTIO's marker colour names (what editors' marker palettes map to) as the model's hex colours."""


def _rgb(hex_colour: str) -> tuple[int, int, int] | None:
    text = hex_colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        value = int(text[:6], 16)
    except ValueError:
        return None
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def nearest_color(hex_colour: str) -> str:
    """The OTIO colour name closest to a hex colour (other editors offer only a palette)."""
    rgb = _rgb(hex_colour)
    if rgb is None:
        return str(otio.schema.MarkerColor.YELLOW)

    def distance(item: tuple[str, str]) -> int:
        other = _rgb(item[1]) or (0, 0, 0)
        return sum((a - b) ** 2 for a, b in zip(rgb, other, strict=True))

    return str(min(COLORS.items(), key=distance)[0])


def marker_to_otio(m: Marker) -> otio.schema.Marker:
    """An OTIO marker: our colour as the nearest named one, our note as its comment, ours in metadata."""
    return otio.schema.Marker(
        name=m.name,
        marked_range=otio.opentime.TimeRange(ort(m.time), ort(m.duration)),
        color=nearest_color(m.color),
        comment=m.note,
        metadata={KEY: m.model_dump(mode="json")},
    )


def marker_from_otio(m: Any, r: Fraction) -> Marker:
    """A marker at its own time (a timeline's or a nested stack's): ours exactly, else on the grid."""
    meta = our_data(m)
    if meta:
        return _edited(Marker.model_validate(meta), m, r)
    rng = m.marked_range
    return Marker(
        name=m.name,
        time=exact(rng.start_time).snapped(r),
        duration=exact(rng.duration).snapped(r),
        color=COLORS.get(str(m.color).upper(), Marker.model_fields["color"].default),
        note=m.comment or _fcp7_comment(m),
    )


def _fcp7_comment(m: Any) -> str:
    """The ``<comment>`` of an FCP 7 / Premiere XML marker (its adapter keeps it in metadata)."""
    xml = m.metadata.get("fcp_xml")
    comment = xml.get("comment") if hasattr(xml, "get") else None
    return comment if isinstance(comment, str) else ""


def shifted(
    m: Any, origin: RationalTime, at: RationalTime, speed: Fraction, length: RationalTime, r: Fraction
) -> Marker | None:
    """An item's marker (at ``origin`` of its own time shown from timeline time ``at``, at ``speed``)
    on the timeline; None where it falls outside the ``length`` the item is shown."""
    marker, rng = marker_from_otio(m, r), m.marked_range
    offset = (exact(rng.start_time).to_seconds() - origin.to_seconds()) / speed
    if not 0 <= offset <= length.to_seconds():
        return None
    time = RationalTime.from_seconds(at.to_seconds() + offset, r).snapped(r)
    duration = RationalTime.from_seconds(exact(rng.duration).to_seconds() / speed, r).snapped(r)
    return marker.model_copy(update={"time": time, "duration": duration})


def left_out(m: Any, where: str) -> str:
    """The import note for an item's marker past what the item shows."""
    return f"{where}: marker {json.dumps(m.name)} is outside the part shown and is left out"


def _edited(marker: Marker, m: Any, r: Fraction) -> Marker:
    """Our marker with the file's name, time, length, colour and comment where another OTIO tool
    changed them (the file wins over our metadata)."""
    changes: dict[str, Any] = {}
    rng, color = m.marked_range, str(m.color).upper()
    if m.name != marker.name:
        changes["name"] = m.name
    if m.comment != marker.note:
        changes["note"] = m.comment
    if color != nearest_color(marker.color) and color in COLORS:
        changes["color"] = COLORS[color]
    if abs(exact(rng.start_time).to_seconds() - marker.time.to_seconds()) > _TOLERANCE:
        changes["time"] = exact(rng.start_time).snapped(r)
    if abs(exact(rng.duration).to_seconds() - marker.duration.to_seconds()) > _TOLERANCE:
        changes["duration"] = exact(rng.duration).snapped(r)
    return marker.model_copy(update=changes) if changes else marker


_TOLERANCE = Fraction(1, 100_000)  # seconds: OTIO's float times of our exact ones
