"""Frame ranges of one video become a timeline: one clip per range, the one path shots and zones share."""

from __future__ import annotations

import os
from collections.abc import Iterable
from fractions import Fraction

import polars as pl

from ..errors import MediaError
from ..media.reference import reference_for
from ..model.media_ref import MediaReference
from ..model.project import Project
from ..model.settings import ProjectSettings
from ..model.time import parse_rate

__all__ = ["media_reference", "project_from_ranges"]


def media_reference(path: str | os.PathLike[str] | MediaReference) -> MediaReference:
    """The reference of ``path``, checked to have video (what every range of it is cut from)."""
    ref = path if isinstance(path, MediaReference) else reference_for(os.fspath(path))
    if not ref.has_video or ref.width is None or ref.height is None:
        raise MediaError(f"{ref.path}: no video to cut")
    return ref


def project_from_ranges(
    path: str | os.PathLike[str] | MediaReference,
    ranges: pl.DataFrame | Iterable[tuple[int, int]],
    *,
    rate: int | str | Fraction | None = None,
    name: str | None = None,
    label: str = "{i}",
) -> Project:
    """A project whose V1 holds one clip per frame range ``[start, end)`` of ``path``, in order given.

    ``ranges``: a table with ``start_frame``/``end_frame`` (shots, :func:`occupancy_segments`) or
    pairs; parts past the media's end are dropped. ``label`` names clip ``i`` (from 1).
    """
    from ..media.clips import clip_of

    ref = media_reference(path)
    pairs = (
        ranges.select("start_frame", "end_frame").iter_rows() if isinstance(ranges, pl.DataFrame) else ranges
    )
    count = ref.available_range.duration.to_frames(ref.rate)
    width, height = ref.width or 0, ref.height or 0  # media_reference checked both are set
    settings = ProjectSettings(
        width=width + width % 2,
        height=height + height % 2,
        frame_rate=parse_rate(rate) if rate is not None else ref.rate,
    )
    project = Project(name=name or f"{ref.name} (cut)", settings=settings)
    track = project.add_track("video", "V1")
    spans = [(max(a, 0), min(b, count)) for a, b in pairs]
    for i, (a, b) in enumerate((s for s in spans if s[0] < s[1]), start=1):
        track.append(clip_of(ref, a, b - a, name=label.format(i=i)))
    return project
