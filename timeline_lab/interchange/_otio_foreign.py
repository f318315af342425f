"""Other tools' data on tracks, clips, transitions and markers, kept by our id and written back.

Resolve, Premiere and pipelines hang their own data on each OTIO object (link groups, clip
colours, shot ids); a project keeps it in ``metadata["otio_items"]`` so an export gives it back.
What a clip holds that the project cannot play, its effects other than speed and freeze (a blur,
a grade) and its other media references (a proxy beside the full-resolution file, OTIO 0.15+),
is kept serialized in ``metadata["otio_parts"]`` and written back with it.
"""

from __future__ import annotations

import json
from typing import Any

import opentimelineio as otio

from ..errors import ProjectError
from ..model.project import Project
from ._otio_common import KEY, foreign_metadata

__all__ = ["ITEMS", "PARTS", "keep", "keep_parts", "restore"]

ITEMS = "otio_items"
"""The project metadata key: our object id -> the foreign metadata its OTIO object carried."""
PARTS = "otio_parts"
"""The project metadata key: our item id -> ``{"effects": [...], "media_references": {key: ...},
"active_media_reference_key": key}``, OTIO objects as OTIO's JSON writes them."""


def keep(project: Project, our_id: str, obj: Any) -> None:
    """Remember ``obj``'s foreign metadata (the file's, which wins) under ``our_id``."""
    if not obj.metadata or not (kept := foreign_metadata(obj)):
        return
    store = project.metadata.get(ITEMS)
    if not isinstance(store, dict):
        store = project.metadata[ITEMS] = {}
    store[our_id] = kept


def keep_parts(project: Project, our_id: str, obj: Any) -> None:
    """Remember what ``obj`` (a clip, a nested stack or track) holds that the project cannot play:
    effects other than time effects, and the media references other than its active one."""
    parts: dict[str, Any] = {}
    effects = [_json(fx) for fx in getattr(obj, "effects", ()) if not isinstance(fx, otio.schema.TimeEffect)]
    if effects:
        parts["effects"] = effects
    if isinstance(obj, otio.schema.Clip):
        active, refs = obj.active_media_reference_key, obj.media_references()
        others = {str(k): _json(ref) for k, ref in refs.items() if k != active}
        if others or active != otio.schema.Clip.DEFAULT_MEDIA_KEY:
            parts["media_references"] = others
            parts["active_media_reference_key"] = str(active)
    store = project.metadata.get(PARTS)
    if parts:
        if not isinstance(store, dict):
            store = project.metadata[PARTS] = {}
        store[our_id] = parts
    elif isinstance(store, dict):
        store.pop(our_id, None)  # the file's, which wins: it holds none now


def restore(project: Project, our_id: str, obj: Any) -> Any:
    """``obj`` with the foreign data kept under ``our_id`` put back (ours stays ours)."""
    store = project.metadata.get(ITEMS)
    kept = store.get(our_id) if isinstance(store, dict) else None
    for key, value in kept.items() if isinstance(kept, dict) else ():
        if key != KEY:
            obj.metadata[key] = value
    parts = project.metadata.get(PARTS)
    if isinstance(parts, dict) and our_id in parts:
        _restore_parts(obj, parts[our_id], f"metadata.{PARTS}.{our_id}")
    return obj


def _restore_parts(obj: Any, parts: Any, where: str) -> None:
    """The kept effects appended after ours, the other media references beside the one we write."""
    if not isinstance(parts, dict):
        raise ProjectError(f"{where}: expected an object, got {type(parts).__name__}")
    for n, fx in enumerate(_list(parts.get("effects", []), f"{where}.effects")):
        effect = _object(fx, f"{where}.effects[{n}]", otio.schema.Effect)
        if hasattr(obj, "effects"):
            obj.effects.append(effect)
    if "media_references" in parts and isinstance(obj, otio.schema.Clip):
        refs = parts["media_references"]
        if not isinstance(refs, dict):
            raise ProjectError(f"{where}.media_references: expected an object, got {type(refs).__name__}")
        active = parts.get("active_media_reference_key")
        if not isinstance(active, str) or not active or active in refs:
            raise ProjectError(f"{where}.active_media_reference_key: expected a key not among the others")
        others = {
            k: _object(v, f"{where}.media_references.{k}", otio.core.MediaReference) for k, v in refs.items()
        }
        obj.set_media_references({**others, active: obj.media_reference}, active)


def _json(obj: Any) -> Any:
    """An OTIO object as OTIO's JSON writes it (plain JSON values)."""
    return json.loads(obj.to_json_string())


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProjectError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _object(data: Any, where: str, kind: type) -> Any:
    """The OTIO object ``data`` serializes, of ``kind``; anything else named."""
    try:
        made = otio.core.deserialize_json_from_string(json.dumps(data))
    except Exception as exc:  # OTIO raises assorted exception types for bad documents
        raise ProjectError(f"{where}: not an OpenTimelineIO object ({exc})") from None
    if not isinstance(made, kind):
        raise ProjectError(f"{where}: expected an OpenTimelineIO {kind.__name__}, got {type(made).__name__}")
    return made
