"""Past one machine: a timeline rendered in segments on a Dask cluster and joined by stream copy."""

from .render import ClusterLike, render_on_cluster, segment_parallel_supported
from .split import split_points

__all__ = ["ClusterLike", "render_on_cluster", "segment_parallel_supported", "split_points"]
