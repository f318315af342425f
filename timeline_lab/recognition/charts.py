"""Charts of recognition results (Altair, the ``charts`` extra)."""

from __future__ import annotations

from typing import Any

import polars as pl

from . import _lazy
from .tables import segments

__all__ = ["presence_chart"]


def presence_chart(results: pl.DataFrame, *, by: str = "class", width: int = 640, **options: Any) -> Any:
    """Bars of class (or track) presence over time, one row per class, one panel per source.

    ``results`` is a detections table (segmented here with ``options``) or a segments table.
    """
    alt = _lazy.altair()
    segs = results if "start_s" in results.columns else segments(results, by=by, **options)  # type: ignore[arg-type]
    label = "class_name" if by == "class" else "track"
    data = segs.with_columns(
        pl.col("source").str.split("/").list.last().alias("file"),
        (pl.col("class_name") + pl.lit(" #") + pl.col("track_id").cast(pl.String)).alias("track"),
    )
    tooltip = ["file", "class_name", "track_id", "start", "end", "duration_s", "frames", "max_conf"]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("start_s:Q", title="seconds"),
            x2="end_s:Q",
            y=alt.Y(f"{label}:N", title=None),
            color=alt.Color("class_name:N", legend=None),
            tooltip=tooltip,
        )
        .properties(width=width)
    )
    if data["file"].n_unique() > 1:
        chart = chart.facet(row=alt.Row("file:N", title=None))
    return chart
