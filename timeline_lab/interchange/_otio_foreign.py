"""Other tools' metadata on tracks, clips, transitions and markers, kept by our id and written back.

Resolve, Premiere and pipelines hang their own data on each OTIO object (link groups, clip
colours, shot ids); a project keeps it in ``metadata["otio_items"]`` so an export gives it back.
"""

from __future__ import annotations

from typing import Any

from ..model.project import Project
from ._otio_common import KEY, foreign_metadata

__all__ = ["ITEMS", "keep", "restore"]

ITEMS = "otio_items"
"""The project metadata key: our object id -> the foreign metadata its OTIO object carried."""


def keep(project: Project, our_id: str, obj: Any) -> None:
    """Remember ``obj``'s foreign metadata (the file's, which wins) under ``our_id``."""
    if not obj.metadata or not (kept := foreign_metadata(obj)):
        return
    store = project.metadata.get(ITEMS)
    if not isinstance(store, dict):
        store = project.metadata[ITEMS] = {}
    store[our_id] = kept


def restore(project: Project, our_id: str, obj: Any) -> Any:
    """``obj`` with the foreign metadata kept under ``our_id`` put back (ours stays ours)."""
    store = project.metadata.get(ITEMS)
    kept = store.get(our_id) if isinstance(store, dict) else None
    for key, value in kept.items() if isinstance(kept, dict) else ():
        if key != KEY:
            obj.metadata[key] = value
    return obj
