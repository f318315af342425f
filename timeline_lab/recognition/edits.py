"""Edits from recognition results: markers, a cut down to the moments found, blurred objects.

Segments are in source time (exact ``start``/``end`` strings). On a project they are mapped
through every clip that shows that source to the timeline frames whose picture is a source frame
on screen during the segment, as the render shows them (trim, speed, reverse, freeze, variable-rate
frame times: ``media.clips.frames_showing``), so a marker never misses a frame where the object is
visible nor covers one where it is not; cuts are snapped outwards to whole source frames.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, NamedTuple

import polars as pl

from ..media.clips import frames_during, frames_showing, source_range
from ..media.probe import probe
from ..media.reference import reference_for
from ..model.items import Clip
from ..model.marker import Marker
from ..model.media_ref import MediaReference
from ..model.project import Project
from ..model.properties import Effect
from ..model.settings import ProjectSettings
from ..model.time import RationalTime, TimeRange, to_fraction
from .errors import RecognitionError

__all__ = ["Placement", "add_blur", "add_markers", "cut_to", "placements"]

_PALETTE = ("#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6")
Span = tuple[Fraction, Fraction]


def _color(name: str) -> str:
    return _PALETTE[int(hashlib.sha1(name.encode()).hexdigest(), 16) % len(_PALETTE)]


def _same(a: str, b: str) -> bool:
    return a == b or Path(a).resolve() == Path(b).resolve()


def _seconds(x: Any, what: str) -> Fraction:
    return x.to_seconds() if isinstance(x, RationalTime) else to_fraction(x, what=what)


def _spans(segments: pl.DataFrame) -> list[tuple[str, Span, dict[str, Any]]]:
    missing = {"source", "start", "end"} - set(segments.columns)
    if missing:
        raise RecognitionError(f"segments: missing columns {sorted(missing)} (use recognition.segments(...))")
    return [
        (row["source"], (_bound(row, "start"), _bound(row, "end")), row)
        for row in segments.iter_rows(named=True)
    ]


def _bound(row: dict[str, Any], key: str) -> Fraction:
    """A segment's start or end, exact (a float, as a polars column of Fractions gives, by its decimal)."""
    try:
        return to_fraction(row[key], what=f"segments: {key}")
    except (TypeError, ValueError) as exc:
        raise RecognitionError(f"{exc} (source {row['source']})") from None


def _on_clip(clip: Clip, span: Span, rate: Fraction) -> tuple[int, int] | None:
    """Timeline frames [first, end) of ``clip`` whose picture is a source frame on screen during
    ``span``, as the render shows them (reverse, freeze, speed, variable-rate frame times)."""
    frames = frames_showing(clip, span[0], span[1], rate)
    if frames is None:
        return None
    at = clip.start.to_frames(rate)
    return at + frames[0], at + frames[1]


class Placement(NamedTuple):
    """Where one segment shows on the timeline: frames [first, end), with its label and colour."""

    first: int
    end: int
    name: str
    color: str
    note: str


def placements(
    project: Project,
    segments: pl.DataFrame,
    *,
    on: Literal["clips", "timeline"] = "clips",
    label: str = "{class_name}",
) -> list[Placement]:
    """Timeline frames of each segment (``on="clips"``: mapped through the clips that show its source).

    ``on="timeline"`` reads segment times as timeline times (results of a render of this
    project). ``label`` is formatted with the segment's columns ("{class_name} #{track_id}").
    """
    rate = project.settings.frame_rate
    out: list[Placement] = []
    for source, span, row in _spans(segments):
        if on == "timeline":
            places = [(math.floor(span[0] * rate), math.ceil(span[1] * rate))]
        elif on == "clips":
            places = [
                p
                for track in project.video_tracks()
                for clip in track.items
                if isinstance(clip, Clip) and _same(clip.media.path, source)
                for p in [_on_clip(clip, span, rate)]
                if p is not None
            ]
        else:
            raise RecognitionError(f"on: expected 'clips' or 'timeline', got {on!r}")
        note = (
            f"{Path(source).name} {row['start']}..{row['end']} s, "
            f"{row.get('frames', '?')} frames, max conf {row.get('max_conf', float('nan')):.2f}"
        )
        name = label.format(**row)
        color = _color(str(row.get("class_name", "")))
        out.extend(Placement(first, end, name, color, note) for first, end in places)
    return out


def add_markers(
    project: Project,
    segments: pl.DataFrame,
    *,
    on: Literal["clips", "timeline"] = "clips",
    label: str = "{class_name}",
) -> list[Marker]:
    """One marker per segment, where the project shows it (see ``placements`` for ``on`` and ``label``)."""
    rate = project.settings.frame_rate
    added: list[Marker] = []
    for p in placements(project, segments, on=on, label=label):
        marker = Marker(
            time=RationalTime.from_frames(p.first, rate),
            duration=RationalTime.from_frames(p.end - p.first, rate),
            name=p.name,
            color=p.color,
            note=p.note,
        )
        added.append(project.add_marker(marker))
    return added


def _merged(spans: list[Span], padding: Fraction, limit: Span) -> list[Span]:
    padded = sorted((max(limit[0], a - padding), min(limit[1], b + padding)) for a, b in spans)
    out: list[Span] = []
    for a, b in padded:
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _piece(ref: MediaReference, span: Span) -> TimeRange:
    """The source range of ``ref``'s frames shown during ``span`` (snapped outwards to whole frames),
    as clips count them (``source_range``): a variable-rate source's frames by their own times."""
    if ref.variable_rate and probe(ref.path).video_stream(ref.video_stream) is None:
        raise RecognitionError(f"{ref.path}: no video to cut")
    first, end = frames_during(ref, *span)
    return source_range(ref, first, max(end, first + 1) - first)


def cut_to(
    material: Project
    | str
    | os.PathLike[str]
    | MediaReference
    | Sequence[str | os.PathLike[str] | MediaReference],
    segments: pl.DataFrame,
    *,
    padding: Any = 0,
    name: str | None = None,
) -> Project:
    """A new project holding only the moments in ``segments`` (each widened by ``padding`` s).

    From a project: every clip is cut down to the parts showing a segment of its source (clip
    settings and effects kept), in timeline order. From media files: clips of those files, in
    file order then time. Cuts fall on source frame boundaries (snapped outwards); overlapping
    moments merge (a variable-rate source's frames by their own times). The original is not touched.
    """
    pad = _seconds(padding, "padding")
    if pad < 0:
        raise RecognitionError(f"padding: must be >= 0 seconds, got {padding!r}")
    found = _spans(segments)
    if isinstance(material, Project):
        return _cut_project(material, found, pad, name)
    items = [material] if isinstance(material, str | os.PathLike | MediaReference) else list(material)
    if not items:
        raise RecognitionError("material: no media given")
    refs = [m if isinstance(m, MediaReference) else reference_for(os.fspath(m)) for m in items]
    first = refs[0]
    if not first.has_video or first.width is None or first.height is None:
        raise RecognitionError(f"{first.path}: no video to cut")
    settings = ProjectSettings(
        width=first.width + first.width % 2, height=first.height + first.height % 2, frame_rate=first.rate
    )
    project = Project(name=name or f"{first.name} (recognized moments)", settings=settings)
    track = project.add_track("video", "V1")
    for ref in refs:
        whole = (ref.available_range.start.to_seconds(), ref.available_range.end_exclusive().to_seconds())
        mine = [span for source, span, _ in found if _same(ref.path, source)]
        for span in _merged(mine, pad, whole):
            track.append(Clip(media=ref, source_range=_piece(ref, span), name=ref.name))
    return project


def _cut_project(
    project: Project, found: list[tuple[str, Span, dict[str, Any]]], pad: Fraction, name: str | None
) -> Project:
    out = Project(name=name or f"{project.name} (recognized moments)", settings=project.settings.model_copy())
    track = out.add_track("video", "V1")
    clips = sorted(
        (c for t in project.video_tracks() for c in t.items if isinstance(c, Clip)), key=lambda c: c.start
    )
    for clip in clips:
        src = clip.source_range
        whole = (src.start.to_seconds(), src.end_exclusive().to_seconds())
        mine = [span for source, span, _ in found if _same(clip.media.path, source)]
        for span in _merged(mine, pad, whole):
            data = clip.model_dump(exclude={"id", "start"})
            data["source_range"] = _piece(clip.media, span)
            track.append(Clip.model_validate(data))
    return out


def add_blur(
    project: Project,
    results: pl.DataFrame,
    *,
    classes: Sequence[str] | None = None,
    track_ids: Sequence[int] | None = None,
    **options: Any,
) -> int:
    """Blur the detected objects on every clip showing a recognized source; returns clips changed.

    Each change is one undoable edit (``track.update``); see :func:`blur.blur_effect` for options.
    """
    from .blur import blur_effect, register_blur

    register_blur()
    changed = 0
    for source in results["source"].unique().to_list():
        fx = None
        for track in project.video_tracks():
            for clip in list(track.items):
                if not isinstance(clip, Clip) or not _same(clip.media.path, source):
                    continue
                if fx is None:
                    fx = blur_effect(results, source=source, classes=classes, track_ids=track_ids, **options)
                track.update(clip.id, effects=[*clip.effects, Effect(kind=fx.kind, params=fx.params)])
                changed += 1
    return changed
