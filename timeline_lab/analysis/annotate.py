"""Analysis results drawn into a project's render: detections as annotations, Python per-frame effects.

``annotate(project, detections)`` puts an ``annotate`` effect on every clip that shows a detected
source (one undoable ``track.update`` per clip); ``apply_frame_function`` does the same for a
``FrameFunction``. Small tables are saved inside the project; larger ones need ``store=`` (a Parquet
file, referenced by path and sha256).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_write_bytes
from ..errors import ProjectError
from ..model.annotation import ANNOTATION_COLUMNS, INLINE_ROWS, AnnotationStyle
from ..model.items import Clip
from ..model.properties import Effect
from ..render.annotators import file_sha256
from ..render.frame_function import FrameFn, FrameFunction, frame_function_effect

if TYPE_CHECKING:
    import polars as pl

    from ..model.project import Project

__all__ = ["annotate", "annotation_effect", "apply_frame_function"]

Style = AnnotationStyle | Mapping[str, Any] | None


def annotation_effect(
    detections: pl.DataFrame,
    *,
    style: Style = None,
    source: str | None = None,
    store: str | Path | None = None,
) -> Effect:
    """An ``annotate`` effect drawing ``detections`` (a ``recognition`` table, or any table with
    :data:`~timeline_lab.model.annotation.ANNOTATION_COLUMNS`) with ``style``.

    Parameters
    ----------
    source:
        Keep only rows of this source (the table's ``source`` column).
    store:
        Save the rows there as Parquet and reference the file (needed past ``INLINE_ROWS`` rows).
    """
    import polars as pl

    checked = AnnotationStyle.model_validate(dict(style) if isinstance(style, Mapping) else (style or {}))
    rows = detections
    if source is not None and "source" in rows.columns:
        rows = rows.filter(pl.col("source") == source)
    missing = [c for c in ANNOTATION_COLUMNS if c not in rows.columns]
    if missing:
        raise ProjectError(f"detections: missing columns {', '.join(missing)}")
    keep = [*ANNOTATION_COLUMNS, *(["polygon"] if checked.masks and "polygon" in rows.columns else [])]
    rows = rows.select(keep)
    params: dict[str, Any] = {"style": checked.model_dump(mode="json"), "source": source}
    if store is not None:
        buf = io.BytesIO()
        rows.write_parquet(buf)
        path = atomic_write_bytes(Path(store).expanduser(), buf.getvalue())
        params["table"] = {"path": str(path.resolve()), "sha256": file_sha256(path)}
    elif rows.height > INLINE_ROWS:
        msg = (
            f"detections: {rows.height} rows, over {INLINE_ROWS} to keep in a project; pass store='d.parquet'"
        )
        raise ProjectError(msg)
    else:
        params["columns"] = rows.to_dict(as_series=False)
    return Effect(kind="annotate", params=params)


def _same(a: str, b: str) -> bool:
    return a == b or Path(a).resolve() == Path(b).resolve()


def _clips(project: Project, source: str | None, clips: Sequence[str] | None) -> list[tuple[Any, Clip]]:
    """(track, clip) for each video clip of ``source`` (of those named in ``clips``, when given),
    bottom track first; ``source`` None (a table without a source column): the clips named."""
    found = []
    for track in project.video_tracks():
        for item in track.items:
            if not isinstance(item, Clip) or (clips is not None and item.id not in clips):
                continue
            if source is None or _same(item.media.path, source):
                found.append((track, item))
    return found


def annotate(
    project: Project,
    detections: pl.DataFrame,
    *,
    style: Style = None,
    clips: Sequence[str] | None = None,
    store: str | Path | None = None,
) -> int:
    """Draw ``detections`` on every clip showing their source (of ``clips`` only, when given: a
    table of several files draws on each clip only its own file's rows); returns clips changed.

    Boxes, labels, traces, masks, heat maps and zones as ``style`` says (``AnnotationStyle``: a
    dict works too); they follow each clip's trims, speed and transform frame for frame, in
    previews and renders. Each clip's change is one undoable edit.
    """
    sources = detections["source"].unique().to_list() if "source" in detections.columns else [None]
    if clips is None and sources == [None]:
        raise ProjectError("detections: no 'source' column, so say which clips to annotate (clips=[...])")
    changed = 0
    for n, source in enumerate(sources):
        targets = _clips(project, source, clips)
        if not targets:
            continue
        where = None if store is None else Path(store).with_stem(f"{Path(store).stem}-{n}") if n else store
        fx = annotation_effect(detections, style=style, source=source, store=where)
        for track, clip in targets:
            track.update(clip.id, effects=[*clip.effects, Effect(kind=fx.kind, params=fx.params)])
            changed += 1
    return changed


def apply_frame_function(
    project: Project,
    fn: FrameFn | FrameFunction,
    *,
    name: str | None = None,
    clips: Sequence[str] | None = None,
) -> FrameFunction:
    """Run ``fn(frame, t)`` on every frame of the video clips (or ``clips``): one undoable edit per clip.

    The function is registered under ``name`` (projects save the name); see ``FrameFunction`` for
    what ``fn`` receives. Returns the FrameFunction, whose ``cost`` counts frames and seconds.
    """
    fx = frame_function_effect(fn, name)
    for track in project.video_tracks():
        for item in list(track.items):
            if isinstance(item, Clip) and (clips is None or item.id in clips):
                track.update(item.id, effects=[*item.effects, Effect(kind=fx.kind, params=fx.params)])
    from ..render.frame_function import FRAME_FUNCTIONS

    return FRAME_FUNCTIONS.get(fx.params["name"])
