"""The classic three-point edit: source in and out plus a timeline point make one clip, inserted
(rippling what follows, on every unlocked track: ``_sync_lock``) or overwritten (placed over what
is there) through the operation registry.

The browser only says which frames were marked; the kernel checks them here and the project's
registered ``insert``/``overwrite`` operation validates and applies the edit as one undo step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..errors import ProjectError
from ..media.clips import clip_of
from ..model.history import Operation
from ..model.items import Clip
from ..model.media_ref import MediaReference
from ..model.project import Project
from ..model.track import Track
from ._sync_lock import sync_gap_ops

__all__ = ["EditMode", "source_frames", "target_track", "three_point_edit"]

EditMode = Literal["insert", "overwrite"]
MODES: tuple[EditMode, ...] = ("insert", "overwrite")


def source_frames(ref: MediaReference) -> int:
    """Frames (at the media rate) a source viewer can mark: all of them; five seconds of a still."""
    from ..media.clips import STILL_CLIP_SECONDS

    if ref.still:
        return round(STILL_CLIP_SECONDS * ref.rate)
    return ref.available_range.duration.to_frames(ref.rate)


def _fits(track: Track, ref: MediaReference) -> bool:
    if track.kind == "video":
        return ref.has_video
    return track.kind == "audio" and ref.has_audio


def target_track(
    project: Project, ref: MediaReference, *, preferred: str = "", selection: Sequence[str] = ()
) -> Track:
    """The track a bin edit lands on: ``preferred`` when given, else the track of the first selected
    item that can hold ``ref``, else the lowest video track (audio-only media: the lowest audio track)."""
    if preferred:
        return project.track(preferred)
    for track in project.tracks:
        if any(i in track.id_map() for i in selection) and _fits(track, ref):
            return track
    fitting = [t for t in project.tracks if _fits(t, ref)]
    if not fitting:
        kind = "video" if ref.has_video else "audio"
        raise ProjectError(f"{ref.name}: the timeline has no {kind} track to edit onto")
    return fitting[0]


def three_point_edit(
    project: Project,
    ref: MediaReference,
    source_in: int,
    source_out: int,
    at: int,
    track: str,
    mode: str = "insert",
    *,
    name: str = "",
) -> tuple[Clip, Operation]:
    """Put source frames ``source_in..source_out`` (inclusive, at the media rate) at timeline frame
    ``at`` of ``track``; returns the clip as placed and the recorded ``insert``/``overwrite``
    operation (an insert that ripples other unlocked tracks too is one undo step with their gaps)."""
    for label, value in (("in", source_in), ("out", source_out), ("playhead", at)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProjectError(f"{mode}: {label} must be a whole frame number, got {value!r}")
    if mode not in MODES:
        raise ProjectError(f"three-point edit: mode must be one of {MODES}, got {mode!r}")
    total = source_frames(ref)
    if source_out < source_in:
        raise ProjectError(f"{ref.name}: out {source_out} is before in {source_in}")
    if not 0 <= source_in <= source_out < total:
        raise ProjectError(
            f"{ref.name}: in {source_in} and out {source_out} must be within frames 0..{total - 1}"
        )
    if at < 0:
        raise ProjectError(f"{mode}: timeline frame {at} is before the start")
    clip = clip_of(ref, source_in, source_out - source_in + 1, name=name)
    edit = {"op": mode, "track": track, "item": clip.model_dump(mode="json"), "at": at}
    others = (
        sync_gap_ops(project, at, clip.frames(project.settings.frame_rate), {track})
        if mode == "insert"
        else []
    )
    if not others:
        op = project.apply(edit)
    else:  # the other tracks ripple with it (sync lock): one undo step
        with project.group(mode):
            for gap in others:
                project.apply(gap)
            op = project.apply(edit)
    placed = project.track(track).item(clip.id)
    assert isinstance(placed, Clip)
    return placed, op
