"""Analysis lanes: recognition results (Polars) or plain frame spans as strips under the tracks."""

from __future__ import annotations

from typing import Any, Literal

from ..errors import TimelineLabError
from ..model.project import Project

__all__ = ["lane_from"]


def _spans(project: Project, data: Any, on: Literal["clips", "timeline"], label: str) -> list[list[Any]]:
    import polars as pl

    from ..recognition.edits import placements
    from ..recognition.tables import segments

    if isinstance(data, pl.DataFrame):
        if {"source", "start", "end"} <= set(data.columns):
            segs = data
        elif {"source", "frame", "class_name"} <= set(data.columns):
            segs = segments(data)
        else:
            msg = f"lane: need segments (source, start, end) or detections, got columns {data.columns}"
            raise TimelineLabError(msg)
        return [[p.first, p.end, p.name] for p in placements(project, segs, on=on, label=label)]
    spans: list[list[Any]] = []
    for n, span in enumerate(data):
        try:
            first, end, *rest = span
            first, end = int(first), int(end)
        except (TypeError, ValueError):
            raise TimelineLabError(
                f"lane: span {n} is not (first_frame, end_frame[, label]): {span!r}"
            ) from None
        if end <= first:
            raise TimelineLabError(f"lane: span {n} ends ({end}) before it starts ({first})")
        spans.append([first, end, str(rest[0]) if rest else ""])
    return spans


def lane_from(
    project: Project,
    data: Any,
    *,
    name: str | None = None,
    color: str = "#26a69a",
    on: Literal["clips", "timeline"] = "clips",
    label: str = "{class_name}",
) -> dict[str, Any]:
    """A lane dict the timeline widget draws: segments as ``[first, end, label]`` timeline frames."""
    spans = _spans(project, data, on, label)
    return {"name": name or "analysis", "color": color, "segments": spans, "markers": []}
