"""Past one machine on Dask: a timeline rendered in segments and joined by stream copy, and
recognition over a library of videos into a partitioned Parquet dataset.

Names load on first use (PEP 562): a plain render only asks ``cluster.render`` whether to split,
and should not pay for Polars and the library code on every start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .library import LibraryRun, library_summary, recognize_many
    from .render import ClusterLike, connect, render_many, render_on_cluster, segment_parallel_supported
    from .split import split_points

_HOME = {
    "LibraryRun": "library", "library_summary": "library", "recognize_many": "library",
    "ClusterLike": "render", "connect": "render", "render_many": "render",
    "render_on_cluster": "render", "segment_parallel_supported": "render", "split_points": "split",
}  # fmt: skip

__all__ = [
    "ClusterLike", "LibraryRun", "connect", "library_summary", "recognize_many", "render_many",
    "render_on_cluster", "segment_parallel_supported", "split_points",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
