"""A project's media files: which are missing, and relinking them to where they moved.

Files are found again by :func:`~timeline_lab.media.relink.find_media` (same name, size and
fingerprint). On open the paths are rewritten in the document itself (:func:`relink_project`, no
history); later relinks are undoable clip updates (:func:`relink_clips`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..model import io
from ..model.items import Clip
from ..model.media_ref import MediaReference
from ..model.project import Project
from .relink import find_media

__all__ = ["media_refs", "missing_media", "relink_clips", "relink_project"]


def media_refs(project: Project) -> dict[str, MediaReference]:
    """Each media file the project's clips use (nested sequences' too), by path."""
    return {c.media.path: c.media for c in project.clips()}


def _present(ref: MediaReference) -> bool:
    """Is the media where the reference says (an image sequence: its folder)?"""
    path = Path(ref.path)
    return path.exists() or (ref.sequence and path.parent.is_dir())


def missing_media(project: Project) -> list[MediaReference]:
    """The media files the project uses that are not where it says."""
    return [ref for ref in media_refs(project).values() if not _present(ref)]


def relink_project(project: Project, folders: Sequence[Path]) -> tuple[Project, list[str]]:
    """The project with missing media found under ``folders`` relinked, and what is still missing.

    Used on open: the paths are rewritten in the document itself, so no edit enters the history.
    """
    missing = missing_media(project)
    found: dict[str, str] = {}
    for ref in missing:
        hit = find_media(Path(ref.path).name, ref.size, ref.fingerprint, folders) if folders else None
        if hit is not None:
            found[ref.path] = str(hit)
    if found:
        data = json.loads(io.dumps(project))
        for media in io.media_refs(data):
            if media["path"] in found:
                media["path"] = found[media["path"]]
        project = io.loads(json.dumps(data))
    return project, [ref.path for ref in missing if ref.path not in found]


def relink_clips(project: Project, folders: Sequence[Path]) -> list[str]:
    """Point clips whose media is missing at the same files found under ``folders``.

    Each relink is an undoable ``update`` of the clip; returns the media paths still missing.
    """
    found: dict[str, MediaReference] = {}
    missing = missing_media(project)
    for ref in missing:
        hit = find_media(Path(ref.path).name, ref.size, ref.fingerprint, folders)
        if hit is not None:
            found[ref.path] = ref.model_copy(update={"path": str(hit)})
    for track in project.all_tracks():
        for clip in [c for c in track.items if isinstance(c, Clip) and c.media.path in found]:
            track.update(clip.id, media=found[clip.media.path])
    return [ref.path for ref in missing if ref.path not in found]
