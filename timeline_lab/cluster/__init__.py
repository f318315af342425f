"""Past one machine on Dask: a timeline rendered in segments and joined by stream copy, and
recognition over a library of videos into a partitioned Parquet dataset."""

from .library import LibraryRun, library_summary, recognize_many
from .render import ClusterLike, connect, render_many, render_on_cluster, segment_parallel_supported
from .split import split_points

__all__ = [
    "ClusterLike", "LibraryRun", "connect", "library_summary", "recognize_many", "render_many",
    "render_on_cluster", "segment_parallel_supported", "split_points",
]  # fmt: skip
